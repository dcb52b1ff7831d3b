"""Care teams: who cares for a patient, from when to when. Membership is what grants clinical access."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CareTeamMembership,
    Grant,
    Patient,
    Professional,
    Role,
    TeamRole,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.common.paging import Page
from dcc_portal.services.record.patients import (
    LIST_COLUMNS,
    TEAM_ROLE_LABELS,
    paginate,
    search_clause,
)

MANAGING_ROLES = frozenset({Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY})


@dataclass(frozen=True)
class MemberRow:
    public_id: str
    name: str
    team_role: str
    specialty: str
    start: str
    end: str
    active: bool


@dataclass(frozen=True)
class TeamView:
    patient_public_id: str
    patient_name: str
    birth_date: str
    medecin_traitant: str
    members: list[MemberRow] = field(default_factory=list)


@dataclass(frozen=True)
class ProfessionalOption:
    public_id: str
    label: str


def _patient_for_management(db: Session, *, actor: Actor, patient_public_id: str, action: str, detail: str) -> Patient:
    """Admins manage any team (administrative data only); team clinicians, nurses and secretaries manage their patients' team."""
    if actor.role == Role.ADMIN:
        access.require_role(db, actor=actor, roles={Role.ADMIN}, action=action, detail=detail)
        patient = db.exec(select(Patient).where(Patient.public_id == str(patient_public_id)[:32])).first()
        if patient is None:
            raise access.deny(db, actor=actor, action=action, detail="dossier inconnu")
        audit.record(db, actor=actor, action=action, patient_id=patient.id, grant=Grant.ADMIN, detail=detail)
        return patient
    if actor.role not in MANAGING_ROLES:
        raise access.deny(db, actor=actor, action=action, detail=detail)
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=action, detail=detail)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail="gestion d'équipe hors équipe")
    return patient


def view(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> TeamView:
    patient = _patient_for_management(
        db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.READ, detail="équipe de soins"
    )
    today = formatting.paris_today(now)
    rows = db.exec(
        select(CareTeamMembership, Professional)
        .join(Professional, Professional.id == CareTeamMembership.professional_id)
        .where(CareTeamMembership.patient_id == patient.id)
        .order_by(CareTeamMembership.removed_at.is_not(None), CareTeamMembership.start_date.desc())
        .limit(200)
    ).all()
    active_ids = set(
        db.exec(
            select(CareTeamMembership.id).where(
                CareTeamMembership.patient_id == patient.id, access.active_membership_clause(today)
            )
        ).all()
    )
    gp = db.get(Professional, patient.gp_professional_id) if patient.gp_professional_id else None
    return TeamView(
        patient_public_id=patient.public_id,
        patient_name=patient_name(patient),
        birth_date=formatting.date_fr(patient.birth_date),
        medecin_traitant=professional_label(gp) if gp else "",
        members=[
            MemberRow(
                public_id=m.public_id,
                name=professional_label(pro),
                team_role=TEAM_ROLE_LABELS.get(m.team_role, m.team_role),
                specialty=terminology.specialty_label(pro.specialty_code),
                start=formatting.date_fr(m.start_date),
                end=formatting.datetime_fr(m.removed_at) if m.removed_at else formatting.date_fr(m.end_date),
                active=m.id in active_ids,
            )
            for m, pro in rows
        ],
    )


def _parse_date(value: str, field_name: str, errors: dict[str, str], *, required: bool) -> date | None:
    value = (value or "").strip()
    if not value:
        if required:
            errors[field_name] = "La date est obligatoire."
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors[field_name] = "Date invalide (format attendu : JJ/MM/AAAA)."
        return None
    if not date(2000, 1, 1) <= parsed <= date(2099, 12, 31):
        errors[field_name] = "Date hors des limites acceptées (2000 à 2099)."
        return None
    return parsed


def _professional(db: Session, public_id: str) -> Professional | None:
    if not isinstance(public_id, str) or len(public_id) > 32:
        return None
    return db.exec(select(Professional).where(Professional.public_id == public_id)).first()


def add_member(
    db: Session,
    *,
    actor: Actor,
    patient_public_id: str,
    professional_public_id: str,
    team_role: str,
    start_date: str,
    end_date: str = "",
    now: datetime | None = None,
) -> str:
    patient = _patient_for_management(
        db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE, detail="ajout à l'équipe de soins"
    )
    errors: dict[str, str] = {}
    pro = _professional(db, professional_public_id)
    if pro is None:
        errors["professional"] = "Choisissez un professionnel dans la liste."
    if team_role not in {r.value for r in TeamRole}:
        errors["team_role"] = "Choisissez le rôle dans l'équipe."
    start = _parse_date(start_date, "start_date", errors, required=True)
    end = _parse_date(end_date, "end_date", errors, required=False)
    if start and end and end < start:
        errors["end_date"] = "La date de fin précède la date de début."
    if pro is not None and not errors:
        today = formatting.paris_today(now)
        if access.is_team_member(db, professional_id=pro.id, patient_id=patient.id, today=max(start, today)):
            errors["professional"] = "Ce professionnel fait déjà partie de l'équipe."
    if errors:
        raise ValidationFailed(errors)
    membership = CareTeamMembership(
        patient_id=patient.id,
        professional_id=pro.id,
        team_role=team_role,
        start_date=start,
        end_date=end,
        added_by_account_id=actor.account_id,
    )
    db.add(membership)
    db.flush()
    audit.record(
        db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
        detail=f"membre ajouté : RPPS {pro.rpps}, {team_role}",
    )
    return membership.public_id


def remove_member(db: Session, *, actor: Actor, patient_public_id: str, membership_public_id: str, now: datetime | None = None) -> None:
    """Access ends at once, including in sessions already open."""
    patient = _patient_for_management(
        db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE, detail="retrait de l'équipe de soins"
    )
    membership = db.exec(
        select(CareTeamMembership).where(
            CareTeamMembership.public_id == str(membership_public_id)[:32],
            CareTeamMembership.patient_id == patient.id,
        )
    ).first()
    if membership is None or membership.removed_at is not None:
        raise ValidationFailed({"membership": "Ce membre ne fait plus partie de l'équipe."})
    membership.removed_at = now or utcnow()
    membership.ended_by_account_id = actor.account_id
    db.add(membership)
    pro = db.get(Professional, membership.professional_id)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, detail=f"membre retiré : RPPS {pro.rpps}")


def set_medecin_traitant(db: Session, *, actor: Actor, patient_public_id: str, professional_public_id: str) -> None:
    patient = _patient_for_management(
        db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE, detail="changement de médecin traitant"
    )
    pro = _professional(db, professional_public_id)
    if pro is None or not pro.specialty_code.startswith("G15_10"):
        raise ValidationFailed({"medecin_traitant": "Choisissez un médecin dans la liste."})
    patient.gp_professional_id = pro.id
    db.add(patient)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, detail=f"médecin traitant : RPPS {pro.rpps}")


def search_professionals(db: Session, *, actor: Actor, query: str, limit: int = 10) -> list[ProfessionalOption]:
    access.require_role(
        db, actor=actor, roles=MANAGING_ROLES | {Role.ADMIN}, action=AuditAction.SEARCH, detail="recherche de professionnels"
    )
    words = identifiers.search_key(query).split()
    if not words:
        return []
    word = words[0]
    statement = select(Professional).where(
        or_(func.upper(Professional.family_name).startswith(word, autoescape=True), Professional.rpps == word)
    )
    rows = db.exec(statement.order_by(Professional.family_name).limit(limit)).all()
    audit.record(db, actor=actor, action=AuditAction.SEARCH, detail=f"recherche de professionnels (annuaire) : {len(rows)} résultat(s)")
    return [
        ProfessionalOption(pro.public_id, f"{professional_label(pro)} — {terminology.specialty_label(pro.specialty_code)} — RPPS {pro.rpps}")
        for pro in rows
    ]


def search_patients_admin(db: Session, *, actor: Actor, query: str = "", page: int = 1, now: datetime | None = None) -> Page:
    """Identity only, to manage teams; the administrator sees no clinical content."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.SEARCH, detail="recherche patient (administration)")
    statement = select(*LIST_COLUMNS)
    clause = search_clause(query)
    if clause is not None:
        statement = statement.where(clause)
    result = paginate(db, statement, page=page, today=formatting.paris_today(now))
    audit.record(db, actor=actor, action=AuditAction.SEARCH, detail=f"recherche patient (administration), page {result.page}")
    return result
