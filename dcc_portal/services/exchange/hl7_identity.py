"""Who a received message is about: the patient found by qualified INS, else by the local id the sending
establishment gives them, and filed only when the identity matches exactly (birth name, first given name, birth date,
sex). Anything else (unknown INS, a different name or birth date, two candidates, nobody) waits for the
identity-vigilance referent, with the candidates the message may be about; nothing is filed on a guess."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from dcc_portal.models import Patient, PatientLocalId
from dcc_portal.services.common import identifiers
from dcc_portal.services.exchange.hl7_messages import Identity

UNKNOWN_INS = "INS inconnu du portail"
MISMATCH = "identité différente de celle du patient"
TWO_CANDIDATES = "deux patients candidats (INS et identifiant local)"
UNKNOWN = "patient inconnu (ni INS qualifié ni identifiant local connu)"
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Match:
    patient: Patient | None  # set only for an exact match: the message may be filed
    reason: str  # why it waits, when it does
    learn_local_id: bool = False  # the local id was not known yet for this establishment: remember it


def differences(patient: Patient, identity: Identity) -> list[str]:
    """What differs between the patient and the message's identity (empty when it matches exactly)."""
    found = []
    if identifiers.search_key(identity.family_name) != identifiers.search_key(patient.birth_family_name):
        found.append("nom de naissance")
    given = identifiers.search_key(identity.given_names).split()
    first = identifiers.search_key(patient.first_names).split()
    if given[:1] != first[:1]:
        found.append("prénom")
    if identity.birth_date != patient.birth_date:
        found.append("date de naissance")
    if identity.sex in ("F", "M") and identity.sex != patient.sex:
        found.append("sexe")
    return found


def by_ins(db: Session, identity: Identity) -> Patient | None:
    if not identity.ins or not identity.qualified:
        return None
    return db.exec(select(Patient).where(Patient.ins == identity.ins)).first()


def by_local_id(db: Session, identity: Identity, facility: str) -> Patient | None:
    if not identity.local_id or identity.local_authority not in ("", facility):
        return None
    return db.exec(select(Patient).join(PatientLocalId, PatientLocalId.patient_id == Patient.id)
                   .where(PatientLocalId.facility == facility, PatientLocalId.value == identity.local_id)).first()


def match(db: Session, identity: Identity, facility: str) -> Match:
    with_ins, with_local = by_ins(db, identity), by_local_id(db, identity, facility)
    if with_ins is not None and with_local is not None and with_ins.id != with_local.id:
        return Match(None, TWO_CANDIDATES)
    found = with_ins or with_local
    if found is None:
        return Match(None, UNKNOWN_INS if identity.ins and identity.qualified else UNKNOWN)
    differing = differences(found, identity)
    if differing:
        return Match(None, f"{MISMATCH} ({', '.join(differing)})")
    return Match(found, "", learn_local_id=bool(identity.local_id) and with_local is None)


def candidates(db: Session, identity: Identity, facility: str) -> list[Patient]:
    """The patients a waiting message may be about: its INS, its local id, and same birth name and birth date."""
    found: dict[int, Patient] = {}
    for patient in (by_ins(db, identity), by_local_id(db, identity, facility)):
        if patient is not None:
            found[patient.id] = patient
    if not identity.qualified and identity.ins:
        patient = db.exec(select(Patient).where(Patient.ins == identity.ins)).first()
        if patient is not None:
            found[patient.id] = patient
    key = identifiers.search_key(identity.family_name)
    if key and identity.birth_date is not None:
        # Run for waiting messages only, shown to the referent: the birth name after or without a used name.
        statement = select(Patient).where(
            Patient.birth_date == identity.birth_date,
            Patient.search_name.like(f"{key} %") | Patient.search_name.like(f"% {key} %"),
        ).limit(MAX_CANDIDATES)
        for patient in db.exec(statement).all():
            found.setdefault(patient.id, patient)
    return list(found.values())[:MAX_CANDIDATES]


def remember_local_id(db: Session, *, patient: Patient, identity: Identity, facility: str) -> None:
    """The establishment's id for this patient, once their identity is confirmed (unless already known)."""
    if not identity.local_id or identity.local_authority not in ("", facility):
        return
    known = db.exec(select(PatientLocalId).where(PatientLocalId.facility == facility,
                                                 PatientLocalId.value == identity.local_id)).first()
    if known is None:
        db.add(PatientLocalId(facility=facility, value=identity.local_id, patient_id=patient.id))
        db.flush()
