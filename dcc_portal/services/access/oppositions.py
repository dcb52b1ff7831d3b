"""The patient's right to object (CSP L.1110-4): a named professional outside the current care team loses
access to the record at once (médecin traitant, RCP, emergency access). The team treating the patient now
cannot be objected to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Patient,
    PatientOpposition,
    Professional,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import organisation_names, professional_label

SEARCH_LIMIT = 10


@dataclass(frozen=True)
class ProfessionalChoice:
    public_id: str
    name: str
    specialty: str
    organisation: str
    in_team: bool  # a member of the current care team cannot be objected to
    note: str


@dataclass(frozen=True)
class OppositionRow:
    public_id: str
    name: str
    specialty: str
    organisation: str
    since: str


def _own_record(db: Session, *, actor: Actor, action: str, detail: str) -> Patient:
    if actor.role != Role.PATIENT or actor.patient_id is None:
        raise access.deny(db, actor=actor, action=action, detail=detail)
    patient = db.get(Patient, actor.patient_id)
    access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=action, detail=detail)
    return patient


def search_professionals(db: Session, *, actor: Actor, query: str, now: datetime | None = None) -> list[ProfessionalChoice]:
    """Professionals of the regional directory by family name (and given name), for the patient to choose from."""
    patient = _own_record(db, actor=actor, action=AuditAction.SEARCH, detail="recherche d'un professionnel (opposition)")
    words = identifiers.search_key(str(query)[:100]).split()
    if not words or len(words[0]) < 2:
        raise ValidationFailed({"who": "Saisissez au moins 2 lettres du nom du professionnel."})
    statement = select(Professional).where(func.upper(Professional.family_name).startswith(words[0], autoescape=True))
    if len(words) > 1:
        statement = statement.where(func.upper(Professional.given_name).startswith(words[1], autoescape=True))
    pros = db.exec(statement.order_by(Professional.family_name, Professional.given_name).limit(SEARCH_LIMIT)).all()
    today = formatting.paris_today(now)
    orgs = organisation_names(db, {pro.id for pro in pros})
    choices = []
    for pro in pros:
        in_team = access.is_team_member(db, professional_id=pro.id, patient_id=patient.id, today=today)
        note = "Fait partie de votre équipe de soins actuelle" if in_team else (
            "Votre médecin traitant" if pro.id == patient.gp_professional_id else "")
        choices.append(ProfessionalChoice(pro.public_id, professional_label(pro), terminology.specialty_label(pro.specialty_code),
                                          orgs.get(pro.id, ""), in_team, note))
    return choices


def list_current(db: Session, *, actor: Actor) -> list[OppositionRow]:
    patient = _own_record(db, actor=actor, action=AuditAction.READ, detail="mes oppositions")
    rows = db.exec(
        select(PatientOpposition, Professional)
        .join(Professional, Professional.id == PatientOpposition.professional_id)
        .where(PatientOpposition.patient_id == patient.id, PatientOpposition.withdrawn_at.is_(None))
        .order_by(PatientOpposition.created_at.desc())
        .limit(200)
    ).all()
    orgs = organisation_names(db, {pro.id for _, pro in rows})
    return [
        OppositionRow(row.public_id, professional_label(pro), terminology.specialty_label(pro.specialty_code),
                      orgs.get(pro.id, ""), formatting.datetime_fr(row.created_at))
        for row, pro in rows
    ]


def add(db: Session, *, actor: Actor, professional_public_id: str, now: datetime | None = None) -> str:
    """Applies at once: the professional's next event is refused."""
    now = now or utcnow()
    patient = _own_record(db, actor=actor, action=AuditAction.UPDATE, detail="opposition à un professionnel")
    pro = None
    if isinstance(professional_public_id, str) and 0 < len(professional_public_id) <= 32:
        pro = db.exec(select(Professional).where(Professional.public_id == professional_public_id)).first()
    if pro is None:
        raise ValidationFailed({"professional": "Choisissez un professionnel dans la liste."})
    if access.is_team_member(db, professional_id=pro.id, patient_id=patient.id, today=formatting.paris_today(now)):
        raise ValidationFailed({"professional": (
            "Ce professionnel fait partie de votre équipe de soins actuelle : la loi ne permet pas de vous opposer "
            "à son accès. Parlez-en à votre équipe ou à votre médecin."
        )})
    if access.is_opposed(db, professional_id=pro.id, patient_id=patient.id):
        raise ValidationFailed({"professional": "Vous vous êtes déjà opposé(e) à l'accès de ce professionnel."})
    row = PatientOpposition(patient_id=patient.id, professional_id=pro.id, created_at=now, created_by_account_id=actor.account_id)
    db.add(row)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant="self",
                 detail=f"opposition enregistrée : RPPS {pro.rpps}")
    return row.public_id


def withdraw(db: Session, *, actor: Actor, opposition_public_id: str, now: datetime | None = None) -> None:
    patient = _own_record(db, actor=actor, action=AuditAction.UPDATE, detail="levée d'une opposition")
    row = db.exec(
        select(PatientOpposition).where(
            PatientOpposition.public_id == str(opposition_public_id)[:32],
            PatientOpposition.patient_id == patient.id,
            PatientOpposition.withdrawn_at.is_(None),
        )
    ).first()
    if row is None:
        raise ValidationFailed({"opposition": "Cette opposition n'existe plus ou a déjà été levée."})
    row.withdrawn_at = now or utcnow()
    row.withdrawn_by_account_id = actor.account_id
    db.add(row)
    pro = db.get(Professional, row.professional_id)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant="self",
                 detail=f"opposition levée : RPPS {pro.rpps}")
