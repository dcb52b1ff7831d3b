"""Account administration (DSRC administrator): create, disable, unlock, reset the second factor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    AccountStatus,
    AuditAction,
    Organisation,
    Patient,
    Professional,
    ProfessionalOrganisation,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.identity import auth, passwords, sessions

ADMIN_ONLY = frozenset({Role.ADMIN})

ROLE_LABELS = {
    Role.PATIENT: "Patient",
    Role.GP: "Médecin généraliste",
    Role.CLINICIAN: "Médecin hospitalier",
    Role.NURSE: "Infirmier(ère)",
    Role.RCP_SECRETARY: "Secrétariat RCP (3C)",
    Role.ADMIN: "Administrateur",
}


@dataclass(frozen=True)
class AccountRow:
    public_id: str
    identifier: str
    name: str
    role: str
    status: str
    second_factor: str
    locked: bool
    last_login: str
    psc_reported: str = ""  # what Pro Santé Connect says when it differs from the directory


def _require_admin(db: Session, actor: Actor, detail: str) -> None:
    access.require_role(db, actor=actor, roles=ADMIN_ONLY, action=AuditAction.ADMIN, detail=detail)


def list_accounts(db: Session, *, actor: Actor, query: str = "", page: int = 1, now: datetime | None = None) -> Page:
    _require_admin(db, actor, "liste des comptes")
    now = now or utcnow()
    statement = select(Account)
    words = identifiers.search_key(query).split()
    if words:
        word = words[0]
        statement = statement.outerjoin(Professional, Professional.id == Account.professional_id).outerjoin(
            Patient, Patient.id == Account.patient_id
        ).where(
            or_(
                Account.identifier.contains(word.lower(), autoescape=True),
                func.upper(Professional.family_name).startswith(word, autoescape=True),
                Patient.search_name.contains(word, autoescape=True),
            )
        )
    page = max(1, min(int(page or 1), 10_000))
    total = db.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = db.exec(statement.order_by(Account.identifier).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    pro_ids = [row.professional_id for row in rows if row.professional_id]
    reported = dict(db.exec(select(Professional.id, Professional.psc_reported).where(
        Professional.id.in_(pro_ids), Professional.psc_reported != "")).all()) if pro_ids else {}
    items = [
        AccountRow(
            public_id=row.public_id,
            identifier=row.identifier,
            name=sessions.display_name(db, row),
            role=ROLE_LABELS.get(Role(row.role), row.role),
            status="Actif" if row.status == AccountStatus.ACTIVE else "Désactivé",
            second_factor=("Pro Santé Connect seul" if not row.password_hash
                           else "Actif" if row.totp_secret_enc else "À enrôler"),
            locked=bool(row.locked_until and row.locked_until > now),
            last_login=formatting.datetime_fr(row.last_login_at) or "jamais",
            psc_reported=reported.get(row.professional_id, ""),
        )
        for row in rows
    ]
    audit.record(db, actor=actor, action=AuditAction.ADMIN, detail=f"liste des comptes, page {page}")
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)


def _account(db: Session, public_id: str) -> Account | None:
    if not isinstance(public_id, str) or len(public_id) > 32:
        return None
    return db.exec(select(Account).where(Account.public_id == public_id)).first()


def _identifier_errors(db: Session, ident: str) -> dict[str, str]:
    if len(ident) < 3 or not all(ch.isascii() and (ch.isalnum() or ch in "._-@") for ch in ident):
        return {"identifier": "Identifiant : au moins 3 caractères parmi lettres, chiffres, point, tiret, @."}
    if db.exec(select(Account.id).where(Account.identifier == ident)).first():
        return {"identifier": "Cet identifiant est déjà utilisé."}
    return {}


def create_professional_account(
    db: Session,
    *,
    actor: Actor,
    identifier: str,
    role: str,
    family_name: str,
    given_name: str,
    rpps: str,
    specialty_code: str,
    organisation_public_id: str,
    email: str,
    phone: str,
    initial_password: str,
) -> str:
    """Creates the professional (or reuses the one with this RPPS) and their account. Returns the account id."""
    _require_admin(db, actor, "création de compte")
    ident = auth.normalize_identifier(identifier)
    errors = _identifier_errors(db, ident)
    family_name, given_name = inputs.line(family_name, 100), inputs.line(given_name, 100)
    email, phone = inputs.line(email, 200), inputs.line(phone, 30)
    if role not in {r.value for r in Role} or role == Role.PATIENT:
        errors["role"] = "Choisissez le rôle du professionnel."
    if not family_name:
        errors["family_name"] = "Le nom est obligatoire."
    if not given_name:
        errors["given_name"] = "Le prénom est obligatoire."
    if not identifiers.is_valid_rpps(rpps.strip()):
        errors["rpps"] = "Numéro RPPS invalide : 11 chiffres dont une clé de contrôle."
    if not terminology.is_specialty(specialty_code):
        errors["specialty_code"] = "Choisissez une profession ou spécialité."
    organisation = db.exec(select(Organisation).where(Organisation.public_id == organisation_public_id)).first()
    if organisation is None:
        errors["organisation"] = "Choisissez l'établissement ou le cabinet."
    psc_only = not initial_password and organisation is not None and organisation.psc_only_allowed
    policy = None if psc_only else passwords.policy_error(initial_password, identifier=ident)
    if policy:
        errors["initial_password"] = policy
    existing = db.exec(select(Professional).where(Professional.rpps == rpps.strip())).first() if "rpps" not in errors else None
    if existing and db.exec(select(Account.id).where(Account.professional_id == existing.id)).first():
        errors["rpps"] = "Ce professionnel a déjà un compte."
    if errors:
        raise ValidationFailed(errors)
    pro = existing or Professional(
        rpps=rpps.strip(),
        family_name=family_name,
        given_name=given_name,
        specialty_code=specialty_code,
        email=email,
        phone=phone,
    )
    db.add(pro)
    db.flush()
    if db.get(ProfessionalOrganisation, (pro.id, organisation.id)) is None:
        # A professional already in the directory is linked to the organisation chosen for the account too.
        has_primary = db.exec(
            select(ProfessionalOrganisation.organisation_id).where(
                ProfessionalOrganisation.professional_id == pro.id, ProfessionalOrganisation.is_primary
            )
        ).first()
        db.add(ProfessionalOrganisation(professional_id=pro.id, organisation_id=organisation.id, is_primary=has_primary is None))
    account = Account(
        identifier=ident, role=role, email=email, professional_id=pro.id,
        password_hash="" if psc_only else passwords.hash_password(initial_password),  # "": no password opens it
    )
    db.add(account)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.ACCOUNT_CREATE,
                 detail=f"compte {ident} ({role}{', Pro Santé Connect seul' if psc_only else ''})")
    return account.public_id


def create_patient_account(
    db: Session, *, actor: Actor, identifier: str, patient_ins_or_local_id: str, email: str, initial_password: str
) -> str:
    _require_admin(db, actor, "création de compte patient")
    ident = auth.normalize_identifier(identifier)
    errors = _identifier_errors(db, ident)
    key = patient_ins_or_local_id.strip()
    patient = db.exec(
        select(Patient).where(or_(Patient.ins == identifiers.normalize_ins(key), Patient.local_id == key))
    ).first() if key else None
    if patient is None:
        errors["patient"] = "Aucun patient avec cet INS ou cet identifiant local."
    elif db.exec(select(Account.id).where(Account.patient_id == patient.id)).first():
        errors["patient"] = "Ce patient a déjà un compte."
    policy = passwords.policy_error(initial_password, identifier=ident)
    if policy:
        errors["initial_password"] = policy
    if errors:
        raise ValidationFailed(errors)
    account = Account(
        identifier=ident, role=Role.PATIENT, email=inputs.line(email, 200), patient_id=patient.id,
        password_hash=passwords.hash_password(initial_password),
    )
    db.add(account)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.ACCOUNT_CREATE, patient_id=patient.id, detail=f"compte patient {ident}")
    return account.public_id


def set_active(db: Session, *, actor: Actor, account_public_id: str, active: bool, now: datetime | None = None) -> bool:
    """Disabling ends every session of the account at its next event."""
    _require_admin(db, actor, "activation de compte")
    account = _account(db, account_public_id)
    if account is None or account.id == actor.account_id:
        return False
    account.status = AccountStatus.ACTIVE if active else AccountStatus.DISABLED
    db.add(account)
    if not active:
        sessions.revoke_all(db, account_id=account.id, reason="account_disabled", now=now)
    audit.record(
        db,
        actor=actor,
        action=AuditAction.ACCOUNT_ENABLE if active else AuditAction.ACCOUNT_DISABLE,
        detail=f"compte {account.identifier}",
        patient_id=account.patient_id,
    )
    return True


def reset_second_factor(db: Session, *, actor: Actor, account_public_id: str, now: datetime | None = None) -> bool:
    """After an identity check by the administrator: the user enrols again at next login."""
    _require_admin(db, actor, "réinitialisation du second facteur")
    account = _account(db, account_public_id)
    if account is None:
        return False
    auth.reset_second_factor(db, account=account, now=now or utcnow())
    audit.record(db, actor=actor, action=AuditAction.MFA_RESET, detail=f"compte {account.identifier}", patient_id=account.patient_id)
    return True


def unlock(db: Session, *, actor: Actor, account_public_id: str) -> bool:
    _require_admin(db, actor, "déverrouillage")
    account = _account(db, account_public_id)
    if account is None:
        return False
    account.failed_count = 0
    account.locked_until = None
    account.last_failed_at = None
    db.add(account)
    audit.record(db, actor=actor, action=AuditAction.ACCOUNT_UNLOCK, detail=f"compte {account.identifier}")
    return True


def create_initial_admin(db: Session, *, identifier: str, password: str, family_name: str, given_name: str, rpps: str) -> Account:
    """Operator command: the first administrator, outside any session."""
    error = passwords.policy_error(password, identifier=identifier)
    if error:
        raise ValidationFailed({"password": error})
    if not identifiers.is_valid_rpps(rpps):
        raise ValidationFailed({"rpps": "Numéro RPPS invalide."})
    pro = db.exec(select(Professional).where(Professional.rpps == rpps)).first()
    if pro is None:
        pro = Professional(rpps=rpps, family_name=inputs.line(family_name, 100), given_name=inputs.line(given_name, 100),
                           specialty_code="SECRETARIAT_MEDICAL")
        db.add(pro)
        db.flush()
    account = Account(
        identifier=auth.normalize_identifier(identifier), role=Role.ADMIN, professional_id=pro.id,
        password_hash=passwords.hash_password(password),
    )
    db.add(account)
    db.flush()
    audit.record(db, action=AuditAction.ACCOUNT_CREATE, account_id=None, actor_role="operator", detail=f"administrateur {account.identifier}")
    return account
