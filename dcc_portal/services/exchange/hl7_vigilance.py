"""The identity-vigilance queue: received messages whose identity did not match a patient exactly wait for the
network's identity-vigilance referent, who sees the message's identity beside the candidates and attaches the message
to one, creates the patient from it, or rejects it with a reason. Every look and every action is audited.

The permission is IDENTITY_VIGILANCE (held by the administrator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import AuditAction, Hl7Message, Patient, Role, Sex, new_public_id, utcnow
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import patient_name
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.exchange import hl7_identity, hl7_inbound
from dcc_portal.services.exchange.hl7_messages import Refused
from dcc_portal.services.record import documents

IDENTITY_VIGILANCE = frozenset({Role.ADMIN})  # who holds the identity-vigilance permission
WAITING = "waiting"


@dataclass(frozen=True)
class QueueRow:
    public_id: str
    received: str
    sender: str
    identity: str
    birth_date: str
    reason: str
    kind_label: str


@dataclass(frozen=True)
class Candidate:
    public_id: str
    name: str
    birth_family_name: str
    birth_date: str
    sex: str
    ins: str
    local_id: str
    differences: str  # "" when the identity matches exactly


@dataclass(frozen=True)
class WaitingMessage:
    public_id: str
    received: str
    sender: str
    control_id: str
    message_type: str
    kind_label: str
    title: str
    reason: str
    family_name: str
    given_names: str
    birth_date: str
    sex: str
    ins: str
    local_id: str
    candidates: list[Candidate]
    ins_taken: bool  # a patient already holds the message's INS: attach rather than create


def _require(db: Session, actor: Actor, detail: str) -> None:
    access.require_role(db, actor=actor, roles=IDENTITY_VIGILANCE, action=AuditAction.IDENTITY_VIGILANCE, detail=detail)


def queue(db: Session, *, actor: Actor, page: int = 1) -> Page:
    """The waiting messages, oldest first (one audited look per page)."""
    _require(db, actor, "identitovigilance : file d'attente")
    page = max(1, min(int(page or 1), 10_000))
    waiting = Hl7Message.status == WAITING
    total = db.exec(select(func.count(Hl7Message.id)).where(waiting)).one()
    rows = db.exec(select(Hl7Message).where(waiting).order_by(Hl7Message.received_at, Hl7Message.id)
                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    audit.record(db, actor=actor, action=AuditAction.IDENTITY_VIGILANCE, detail=f"file d'attente, page {page}")
    items = [QueueRow(public_id=row.public_id, received=formatting.datetime_fr(row.received_at),
                      sender=row.sending_facility, identity=formatting.person_name(row.family_name, row.given_names),
                      birth_date=formatting.date_fr(row.birth_date), reason=row.vigilance_reason,
                      kind_label=documents.kind_label(row.document_kind)) for row in rows]
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)


def _waiting(db: Session, message_public_id: str) -> Hl7Message:
    row = db.exec(select(Hl7Message).where(Hl7Message.public_id == str(message_public_id)[:32])).first()
    if row is None or row.status != WAITING:
        raise ValidationFailed({"form": "Ce message a déjà été traité (ou n'existe pas) : la file a été rechargée."})
    return row


def _identity_of(row: Hl7Message):
    return hl7_inbound.reread(row)[0].identity


def detail(db: Session, *, actor: Actor, message_public_id: str) -> WaitingMessage:
    """One waiting message's identity beside its candidates (audited: the referent reads identities)."""
    _require(db, actor, "identitovigilance : message")
    row = _waiting(db, message_public_id)
    identity = _identity_of(row)
    found = hl7_identity.candidates(db, identity, row.sending_facility)
    audit.record(db, actor=actor, action=AuditAction.IDENTITY_VIGILANCE,
                 detail=f"message {row.control_id} de {row.sending_facility} : {len(found)} candidat(s) examiné(s)")
    candidates = [Candidate(public_id=patient.public_id, name=patient_name(patient),
                            birth_family_name=patient.birth_family_name,
                            birth_date=formatting.date_fr(patient.birth_date), sex=patient.sex,
                            ins=formatting.ins_display(patient.ins), local_id=patient.local_id,
                            differences=", ".join(hl7_identity.differences(patient, identity)))
                  for patient in found]
    ins_taken = bool(row.ins) and db.exec(select(Patient.id).where(Patient.ins == row.ins)).first() is not None
    return WaitingMessage(
        public_id=row.public_id, received=formatting.datetime_fr(row.received_at), sender=row.sending_facility,
        control_id=row.control_id, message_type=row.message_type, kind_label=documents.kind_label(row.document_kind),
        title=row.document_title, reason=row.vigilance_reason, family_name=row.family_name,
        given_names=row.given_names, birth_date=formatting.date_fr(row.birth_date), sex=row.sex,
        ins=formatting.ins_display(row.ins) or "—", local_id=row.local_id or "—", candidates=candidates,
        ins_taken=ins_taken,
    )


def _file(db: Session, *, actor: Actor, row: Hl7Message, patient: Patient, how: str, now: datetime) -> str:
    inbound, content = hl7_inbound.reread(row)
    sender = hl7_inbound.load_senders().get(row.sending_facility) or hl7_inbound.Sender(row.sending_facility)
    try:
        hl7_inbound.check_same_patient(db, facility=row.sending_facility, content=content, patient=patient)
        document = hl7_inbound.file(db, row=row, inbound=inbound, content=content, patient=patient,
                                    actor=hl7_inbound.feed_actor(db, sender), now=now)
    except Refused as refusal:
        raise ValidationFailed({"form": refusal.text}) from None
    row.resolved_at, row.resolved_by_account_id, row.resolution = now, actor.account_id, how
    db.add(row)
    audit.record(db, actor=actor, action=AuditAction.IDENTITY_VIGILANCE, patient_id=patient.id,
                 document_id=document.public_id, document_version=document.current_version,
                 detail=f"message {row.control_id} de {row.sending_facility} : {how}")
    db.flush()
    return document.public_id


def attach(db: Session, *, actor: Actor, message_public_id: str, patient_public_id: str,
           now: datetime | None = None) -> str:
    """File the waiting message to the patient the referent chose among the candidates; returns the document id."""
    _require(db, actor, "identitovigilance : rattachement")
    row = _waiting(db, message_public_id)
    identity = _identity_of(row)
    chosen = {patient.public_id: patient for patient in hl7_identity.candidates(db, identity, row.sending_facility)}
    patient = chosen.get(str(patient_public_id)[:32])
    if patient is None:
        raise ValidationFailed({"patient": "Choisissez un des patients candidats."})
    return _file(db, actor=actor, row=row, patient=patient, how=f"rattaché au patient {patient.local_id}",
                 now=now or utcnow())


def create_patient(db: Session, *, actor: Actor, message_public_id: str, now: datetime | None = None) -> str:
    """Create the patient from the message's identity (its INS when qualified) and file the message to them."""
    _require(db, actor, "identitovigilance : création du patient")
    now = now or utcnow()
    row = _waiting(db, message_public_id)
    identity = _identity_of(row)
    errors = {}
    ins = identity.ins if identity.ins and identity.qualified and identifiers.is_valid_ins(identity.ins) else None
    if ins and db.exec(select(Patient.id).where(Patient.ins == ins)).first() is not None:
        errors["form"] = "Un patient porte déjà cet INS : rattachez le message à ce patient."
    if identity.sex not in (Sex.FEMALE, Sex.MALE, Sex.UNKNOWN):
        errors["form"] = "Sexe absent du message : le patient ne peut pas être créé depuis ce message."
    if errors:
        raise ValidationFailed(errors)
    patient = Patient(
        ins=ins, ins_oid=identity.ins_oid if ins else "", local_id=f"IPP-{new_public_id()[:12].upper()}",
        birth_family_name=identity.family_name, first_names=identity.given_names, sex=identity.sex,
        birth_date=identity.birth_date, search_name=identifiers.search_key(f"{identity.family_name} {identity.given_names}"),
        created_at=now,
    )
    db.add(patient)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id,
                 detail=f"patient créé depuis le message {row.control_id} de {row.sending_facility}")
    return _file(db, actor=actor, row=row, patient=patient, how=f"patient {patient.local_id} créé", now=now)


def reject(db: Session, *, actor: Actor, message_public_id: str, reason: str, now: datetime | None = None) -> None:
    """Nothing is filed; the reason stays with the message (and in the audit trail) for the sender to be told."""
    _require(db, actor, "identitovigilance : rejet")
    row = _waiting(db, message_public_id)
    reason = inputs.text(reason, 500)
    if len(reason) < 3:
        raise ValidationFailed({"reason": "Indiquez le motif du rejet (il est tracé)."})
    row.status, row.resolved_at, row.resolved_by_account_id = "rejected", now or utcnow(), actor.account_id
    row.resolution = reason
    db.add(row)
    audit.record(db, actor=actor, action=AuditAction.IDENTITY_VIGILANCE, justification=reason,
                 detail=f"message {row.control_id} de {row.sending_facility} rejeté")
    db.flush()
