"""Reaching a record outside one's care team: a search that shows minimal identity only, then an emergency
access (bris de glace) with a written reason. It lasts four hours, every access under it is audited with the
grant "emergency" and the reason, and it is shown to the patient and to the care team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    AccountStatus,
    AuditAction,
    CareTeamMembership,
    EmergencyAccess,
    Grant,
    NotificationKind,
    Patient,
    Professional,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import (
    LABEL_COLUMNS,
    organisation_name,
    patient_name,
    professional_label,
)
from dcc_portal.services.record import notifications

SEARCH_ROLES = frozenset({Role.GP, Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY})
REASON_MIN_LENGTH = 20
REASON_MAX_LENGTH = 500
# At most this many identities are listed; beyond, none is, and the user is asked to narrow the search.
SEARCH_LIMIT = 5
SEARCH_SCAN = 200  # rows of one birth date read to find the exact family names among them
TOO_MANY = f"Plus de {SEARCH_LIMIT} dossiers correspondent : affinez la recherche (saisissez l'INS)."
# How long the care team keeps seeing a past emergency access in the patient summary.
TEAM_NOTICE_DAYS = 30

SEX_LABELS = formatting.SEX_LABELS


@dataclass(frozen=True)
class FoundRecord:
    """Minimal identity of a record found by the search. The public id stays on the server (state backend var)."""

    public_id: str
    name: str
    birth_date: str
    sex: str
    access: str  # the grant the actor already holds ("care_team", "medecin_traitant", "emergency"), or ""


@dataclass(frozen=True)
class EmergencyNotice:
    who: str
    role: str
    organisation: str
    started: str
    until: str
    reason: str
    running: bool


def _parse_birth_date(value: str, errors: dict[str, str], today: date) -> date | None:
    value = (value or "").strip()
    if not value:
        errors["birth_date"] = "Saisissez la date de naissance."
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors["birth_date"] = "Date de naissance invalide (format attendu : JJ/MM/AAAA)."
        return None
    if not date(1900, 1, 1) <= parsed <= today:
        errors["birth_date"] = "Date de naissance hors des limites (entre 1900 et aujourd'hui)."
        return None
    return parsed


def find_records(
    db: Session, *, actor: Actor, ins: str = "", family_name: str = "", birth_date: str = "", now: datetime | None = None
) -> list[FoundRecord]:
    """Search by the full INS, or by the full family name (birth or used; accents and case aside) and the birth date;
    only name, birth date and sex are returned, for at most SEARCH_LIMIT records.

    The search and each identity shown are audited (the patient sees them in their access history)."""
    access.require_role(db, actor=actor, roles=SEARCH_ROLES, action=AuditAction.SEARCH, detail="recherche de dossier")
    now = now or utcnow()
    errors: dict[str, str] = {}
    ins_value = identifiers.normalize_ins(str(ins)[:40])
    name = identifiers.search_key(str(family_name)[:100])
    if ins_value:
        if not identifiers.is_valid_ins(ins_value):
            errors["ins"] = "INS invalide : 15 caractères dont une clé de contrôle de 2 chiffres."
        statement = select(Patient).where(Patient.ins == ins_value)
        how = "INS"
    else:
        if len(name) < 2:
            errors["family_name"] = "Saisissez le nom de famille complet et la date de naissance, ou l'INS."
        born = _parse_birth_date(str(birth_date)[:20], errors, formatting.paris_today(now))
        # Indexed by birth date; the name must then be the whole family name (birth or used), accents and case aside.
        statement = select(Patient).where(Patient.birth_date == born, Patient.search_name.contains(name, autoescape=True))
        how = "nom et date de naissance"
    if errors:
        raise ValidationFailed(errors)
    found = [patient for patient in db.exec(statement.order_by(Patient.search_name, Patient.id).limit(SEARCH_SCAN)).all()
             if ins_value or name in (identifiers.search_key(patient.birth_family_name),
                                      identifiers.search_key(patient.used_family_name))]
    if len(found) > SEARCH_LIMIT:
        raise ValidationFailed({"family_name": TOO_MANY})
    audit.record(db, actor=actor, action=AuditAction.SEARCH, detail=f"recherche de dossier hors équipe ({how}) : {len(found)} résultat(s)")
    results = []
    for patient in found:
        grant = access.grant_for(db, actor=actor, patient=patient, now=now)
        audit.record(db, actor=actor, action=AuditAction.SEARCH, patient_id=patient.id, grant=grant or "",
                     detail="identité minimale affichée (recherche de dossier)")
        results.append(FoundRecord(
            public_id=patient.public_id,
            name=patient_name(patient),
            birth_date=formatting.date_fr(patient.birth_date),
            sex=SEX_LABELS.get(patient.sex, patient.sex),
            access=str(grant or ""),
        ))
    return results


def open_access(db: Session, *, actor: Actor, patient_public_id: str, reason: str, now: datetime | None = None) -> str:
    """Open an emergency access for four hours; returns the patient's public id for the summary page.

    Refused (audited) for a role that cannot hold clinical access, an unknown record, or a professional the
    patient has objected to. A professional who already has access does not need one."""
    now = now or utcnow()
    access.require_role(db, actor=actor, roles=SEARCH_ROLES, action=AuditAction.EMERGENCY_ACCESS, detail="accès en urgence")
    patient = None
    if isinstance(patient_public_id, str) and 0 < len(patient_public_id) <= 32:
        patient = db.exec(select(Patient).where(Patient.public_id == patient_public_id)).first()
    if patient is None or actor.professional_id is None:
        raise access.deny(db, actor=actor, action=AuditAction.EMERGENCY_ACCESS, detail="accès en urgence : dossier inconnu")
    if access.is_opposed(db, professional_id=actor.professional_id, patient_id=patient.id) and not access.is_team_member(
        db, professional_id=actor.professional_id, patient_id=patient.id, today=formatting.paris_today(now)
    ):
        raise access.deny(db, actor=actor, action=AuditAction.EMERGENCY_ACCESS, patient_id=patient.id,
                          detail="accès en urgence refusé : opposition du patient")
    grant = access.grant_for(db, actor=actor, patient=patient, now=now)
    reason = inputs.line(reason)
    if grant not in (None, Grant.EMERGENCY):
        raise ValidationFailed({"reason": "Vous avez déjà accès à ce dossier : l'accès en urgence n'est pas nécessaire."})
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationFailed({"reason": f"Indiquez le motif de l'accès en urgence ({REASON_MIN_LENGTH} caractères au moins)."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed({"reason": f"Le motif ne doit pas dépasser {REASON_MAX_LENGTH} caractères."})
    row = EmergencyAccess(
        patient_id=patient.id, professional_id=actor.professional_id, account_id=actor.account_id,
        reason=reason, started_at=now, expires_at=now + access.EMERGENCY_DURATION,
    )
    db.add(row)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.EMERGENCY_ACCESS, patient_id=patient.id, grant=Grant.EMERGENCY,
                 justification=reason, detail="accès en urgence ouvert pour 4 heures", at=now)
    _notify(db, actor=actor, patient=patient, now=now)
    return patient.public_id


def _notify(db: Session, *, actor: Actor, patient: Patient, now: datetime) -> None:
    """The care team and the médecin traitant are told at once, and so is the patient (no clinical content)."""
    pro = db.get(Professional, actor.professional_id)
    who = professional_label(pro)
    member_ids = set(db.exec(
        select(CareTeamMembership.professional_id).where(
            CareTeamMembership.patient_id == patient.id, access.active_membership_clause(formatting.paris_today(now))
        )
    ).all())
    if patient.gp_professional_id:
        member_ids.add(patient.gp_professional_id)
    member_ids.discard(actor.professional_id)
    title = f"{patient_name(patient)} : accès en urgence au dossier par {who}"
    for professional_id in sorted(member_ids):
        notifications.notify_professional(db, professional_id=professional_id, kind=NotificationKind.EMERGENCY_ACCESS,
                                          title=title, patient_id=patient.id)
    patient_account = db.exec(
        select(Account.id).where(Account.patient_id == patient.id, Account.status == AccountStatus.ACTIVE)
    ).first()
    if patient_account is not None:
        notifications.notify_account(db, account_id=patient_account, kind=NotificationKind.EMERGENCY_ACCESS,
                                     title=f"Accès en urgence à votre dossier par {who}", patient_id=patient.id)


# Every patient file of the team reads them.
_NOTICES = dbmod.Read(
    select(EmergencyAccess.started_at, EmergencyAccess.expires_at, EmergencyAccess.reason, *LABEL_COLUMNS,
           organisation_name(Professional.id).label("organisation"))
    .join(Professional, Professional.id == EmergencyAccess.professional_id)
    .where(EmergencyAccess.patient_id == bindparam("patient_id"), EmergencyAccess.started_at >= bindparam("since"))
    .order_by(EmergencyAccess.started_at.desc())
    .limit(20)
)


def notices_for_patient(db: Session, *, patient: Patient, now: datetime | None = None) -> list[EmergencyNotice]:
    """Emergency accesses running or started in the last 30 days, newest first (the caller checked access)."""
    now = now or utcnow()
    rows = _NOTICES.run(db, {"patient_id": patient.id, "since": now - timedelta(days=TEAM_NOTICE_DAYS)})
    return [
        EmergencyNotice(
            who=professional_label(row),
            role=terminology.specialty_label(row.specialty_code),
            organisation=row.organisation or "",
            started=formatting.datetime_fr(row.started_at),
            until=formatting.datetime_fr(row.expires_at),
            reason=row.reason,
            running=row.started_at <= now < row.expires_at,
        )
        for row in rows
    ]


def running_until(db: Session, *, actor: Actor, patient: Patient, now: datetime | None = None) -> str:
    """For the professional working under an emergency access: when it ends (Paris time)."""
    if actor.professional_id is None:
        return ""
    found = access.active_emergency(db, professional_id=actor.professional_id, patient_id=patient.id, now=now or utcnow())
    return formatting.datetime_fr(found.expires_at) if found else ""
