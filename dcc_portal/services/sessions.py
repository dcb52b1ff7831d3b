"""Server-side sessions: the browser holds an opaque random token, the database its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal.models import (
    Account,
    AccountStatus,
    AuditAction,
    Patient,
    Professional,
    ProfessionalOrganisation,
    Role,
    UserSession,
    utcnow,
)
from dcc_portal.services import audit
from dcc_portal.services.actor import Actor

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen is refreshed at most this often, to keep reads cheap.
TOUCH_INTERVAL = timedelta(seconds=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, *, account_id: int, client_ip: str, user_agent: str = "", now: datetime | None = None) -> str:
    """A fresh token at every login (no fixation). Returns the token for the client; only its hash is kept."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)  # 256 bits
    db.add(
        UserSession(
            account_id=account_id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
            client_ip=client_ip[:64],
            user_agent=user_agent[:200],
        )
    )
    return token


def _active(row: UserSession, now: datetime) -> bool:
    return row.revoked_at is None and now < row.expires_at and now - row.last_seen_at < IDLE_TIMEOUT


def display_name(db: Session, account: Account) -> str:
    pro = db.get(Professional, account.professional_id) if account.professional_id else None
    patient = db.get(Patient, account.patient_id) if account.patient_id else None
    return _name(account.identifier, pro, patient)


def _name(identifier: str, pro, patient) -> str:
    """`pro` and `patient`: rows (or None) with the name columns of a professional and of a patient, by name."""
    if pro is not None and pro.family_name is not None:
        return f"{pro.given_name} {pro.family_name}"
    if patient is not None and patient.birth_family_name is not None:
        first = patient.used_first_name or patient.first_names.split(" ")[0]
        return f"{first.title()} {(patient.used_family_name or patient.birth_family_name).upper()}"
    return identifier


def _actor_statement():
    """Session, account, names and primary organisation in one statement, built once: it runs at every event of every user."""
    primary_organisation = (
        select(ProfessionalOrganisation.organisation_id)
        .where(ProfessionalOrganisation.professional_id == Account.professional_id)
        .order_by(ProfessionalOrganisation.is_primary.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            UserSession,
            Account,
            Professional.given_name,
            Professional.family_name,
            Patient.used_first_name,
            Patient.first_names,
            Patient.used_family_name,
            Patient.birth_family_name,
            primary_organisation,
        )
        .join(Account, Account.id == UserSession.account_id)
        .outerjoin(Professional, Professional.id == Account.professional_id)
        .outerjoin(Patient, Patient.id == Account.patient_id)
    )


_BY_TOKEN = _actor_statement().where(UserSession.token_hash == bindparam("token_hash"))
_BY_ID = _actor_statement().where(UserSession.id == bindparam("session_id"))


def resolve(db: Session, *, token: str, client_ip: str = "", now: datetime | None = None) -> Actor | None:
    """The actor behind a client token, or None when the session is unknown, expired, revoked or the account disabled."""
    if not token:
        return None
    found = db.exec(_BY_TOKEN, params={"token_hash": token_hash(token)}).first()
    return _actor_of(db, found, client_ip=client_ip, now=now or utcnow())


def resolve_session_id(db: Session, *, session_id: int, client_ip: str = "", now: datetime | None = None) -> Actor | None:
    """Same checks for a session known by its id (download tickets keep the id, never the token)."""
    found = db.exec(_BY_ID, params={"session_id": session_id}).first()
    return _actor_of(db, found, client_ip=client_ip, now=now or utcnow())


def _actor_of(db: Session, found, *, client_ip: str, now: datetime) -> Actor | None:
    if found is None:
        return None
    row, account, organisation_id = found[0], found[1], found[-1]
    if not _active(row, now):
        return None
    if account.status != AccountStatus.ACTIVE:
        row.revoked_at, row.revoke_reason = now, "account_disabled"
        db.add(row)
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        db.add(row)
    return Actor(
        account_id=account.id,
        role=Role(account.role),
        display_name=_name(account.identifier, found, found),
        professional_id=account.professional_id,
        patient_id=account.patient_id,
        organisation_id=organisation_id if account.professional_id else None,
        session_id=row.id,
        session_hash=row.token_hash[:16],
        client_ip=client_ip or row.client_ip,
    )


def revoke_token(db: Session, *, token: str, reason: str = "logout", now: datetime | None = None) -> None:
    row = db.exec(select(UserSession).where(UserSession.token_hash == token_hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoke_reason = now or utcnow(), reason
        db.add(row)


def revoke_all(db: Session, *, account_id: int, reason: str, keep_session_id: int | None = None, now: datetime | None = None) -> int:
    now = now or utcnow()
    rows = db.exec(
        select(UserSession).where(UserSession.account_id == account_id, UserSession.revoked_at.is_(None))
    ).all()
    count = 0
    for row in rows:
        if row.id != keep_session_id:
            row.revoked_at, row.revoke_reason = now, reason
            db.add(row)
            count += 1
    return count


@dataclass(frozen=True)
class SessionInfo:
    public_ref: str  # first 16 hex chars of the hash: enough to name it, useless as a credential
    created_at: datetime
    last_seen_at: datetime
    client_ip: str
    user_agent: str
    current: bool


def list_sessions(db: Session, *, actor: Actor, now: datetime | None = None) -> list[SessionInfo]:
    now = now or utcnow()
    rows = db.exec(
        select(UserSession)
        .where(UserSession.account_id == actor.account_id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
        .limit(50)
    ).all()
    return [
        SessionInfo(
            public_ref=row.token_hash[:16],
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            client_ip=row.client_ip,
            user_agent=row.user_agent,
            current=row.id == actor.session_id,
        )
        for row in rows
        if _active(row, now)
    ]


def end_session(db: Session, *, actor: Actor, public_ref: str, now: datetime | None = None) -> bool:
    """End one of the actor's own sessions, named by its public reference."""
    if len(public_ref) != 16 or any(ch not in "0123456789abcdef" for ch in public_ref):
        return False
    rows = db.exec(
        select(UserSession).where(
            UserSession.account_id == actor.account_id,
            UserSession.token_hash.startswith(public_ref),
            UserSession.revoked_at.is_(None),
        )
    ).all()
    for row in rows:
        row.revoked_at, row.revoke_reason = now or utcnow(), "ended_by_user"
        db.add(row)
    if rows:
        audit.record(db, actor=actor, action=AuditAction.SESSION_END, detail=f"session {public_ref}")
    return bool(rows)
