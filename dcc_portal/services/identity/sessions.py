"""Server-side sessions: the browser holds an opaque random token in an HttpOnly cookie, the database its SHA-256.

A login ends with a handoff: the session's token is replaced by a single-use secret that the page posts to the
cookie route, which replaces it again by the token it sets in the cookie. No token the session runs on ever reaches
page scripts. A token only works from the browser (user agent) it was issued to; the client IP is not bound, so a
phone moving between networks keeps its session."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from dcc_portal import db as dbmod
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
from dcc_portal.services.access import audit, charter
from dcc_portal.services.common.actor import Actor

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen is refreshed at most this often, to keep reads cheap.
TOUCH_INTERVAL = timedelta(seconds=30)
# Long enough to read the recovery codes shown after enrolment, which come before the handoff.
HANDOFF_TTL = timedelta(minutes=15)
COOKIE_NAME = "dcc_session"
MAX_TOKEN_LENGTH = 100


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


def _active(row, now: datetime) -> bool:
    """`row`: a session, or a row with its columns by name."""
    return (row.revoked_at is None and row.handoff_until is None and now < row.expires_at
            and now - row.last_seen_at < IDLE_TIMEOUT)


def token_from_cookies(header: str) -> str:
    """The session token in a Cookie header ("" when absent); a malformed header is no token."""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME:
            return value.strip().strip('"')[:MAX_TOKEN_LENGTH]
    return ""


def begin_handoff(db: Session, *, token: str, now: datetime | None = None) -> str:
    """Replace the token of a session just opened by a single-use handoff secret, which the browser exchanges for its
    cookie (`complete_handoff`). Until then the session serves no event."""
    row = db.exec(select(UserSession).where(UserSession.token_hash == token_hash(token))).one()
    handoff = secrets.token_urlsafe(32)
    row.token_hash, row.handoff_until = token_hash(handoff), (now or utcnow()) + HANDOFF_TTL
    db.add(row)
    return handoff


def complete_handoff(db: Session, *, handoff: str, user_agent: str, now: datetime | None = None) -> tuple[str, Actor] | None:
    """The session's own token (rotated once more) and its actor, for the browser the login ran in; None for an unknown,
    used or expired handoff or another browser."""
    now = now or utcnow()
    if not handoff:
        return None
    row = db.exec(select(UserSession).where(UserSession.token_hash == token_hash(handoff[:MAX_TOKEN_LENGTH]))).first()
    if row is None or row.handoff_until is None or now >= row.handoff_until or row.user_agent != user_agent[:200]:
        return None
    token = secrets.token_urlsafe(32)
    row.token_hash, row.handoff_until, row.last_seen_at = token_hash(token), None, now
    db.add(row)
    db.flush()
    actor = resolve(db, token=token, user_agent=user_agent, now=now)
    return (token, actor) if actor is not None else None


def display_name(db: Session, account: Account) -> str:
    pro = db.get(Professional, account.professional_id) if account.professional_id else None
    patient = db.get(Patient, account.patient_id) if account.patient_id else None
    return _name(account.identifier, pro, patient)


def account_actor(db: Session, account: Account) -> Actor:
    """An account acting outside any browser session (the demo's stories): named, and placed in its primary
    organisation, as a session of its own would be."""
    organisation_id = db.exec(
        select(ProfessionalOrganisation.organisation_id)
        .where(ProfessionalOrganisation.professional_id == account.professional_id)
        .order_by(ProfessionalOrganisation.is_primary.desc())
    ).first() if account.professional_id else None
    return Actor(account_id=account.id, role=Role(account.role), display_name=display_name(db, account),
                 professional_id=account.professional_id, patient_id=account.patient_id, organisation_id=organisation_id)


def _name(identifier: str, pro, patient) -> str:
    """`pro` and `patient`: rows (or None) with the name columns of a professional and of a patient, by name."""
    if pro is not None and pro.family_name is not None:
        return f"{pro.given_name} {pro.family_name}"
    if patient is not None and patient.birth_family_name is not None:
        first = patient.used_first_name or patient.first_names.split(" ")[0]
        return f"{first.title()} {(patient.used_family_name or patient.birth_family_name).upper()}"
    return identifier


_SESSION = UserSession.__table__.c
_ACCOUNT = Account.__table__.c
_PROFESSIONAL = Professional.__table__.c
_PATIENT = Patient.__table__.c


def _actor_statement(*extra):
    """Session, account, names, primary organisation and charter acceptance in one statement of plain columns, built
    once: it runs at every event of every user. `extra`: columns a caller reads with it, after the others."""
    links = ProfessionalOrganisation.__table__.c
    primary_organisation = (
        select(links.organisation_id)
        .where(links.professional_id == _ACCOUNT.professional_id)
        .order_by(links.is_primary.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_charter, charter_accepted = charter.acceptance_columns(_ACCOUNT.id)
    return (
        select(
            _SESSION.id,
            _SESSION.token_hash,
            _SESSION.last_seen_at,
            _SESSION.expires_at,
            _SESSION.revoked_at,
            _SESSION.handoff_until,
            _SESSION.client_ip,
            _SESSION.user_agent,
            _ACCOUNT.id.label("account_id"),
            _ACCOUNT.identifier,
            _ACCOUNT.role,
            _ACCOUNT.status,
            _ACCOUNT.professional_id,
            _ACCOUNT.patient_id,
            _PROFESSIONAL.given_name,
            _PROFESSIONAL.family_name,
            _PATIENT.used_first_name,
            _PATIENT.first_names,
            _PATIENT.used_family_name,
            _PATIENT.birth_family_name,
            primary_organisation.label("organisation_id"),
            latest_charter.label("latest_charter"),
            charter_accepted.label("charter_accepted"),
            *extra,
        )
        .join(Account.__table__, _ACCOUNT.id == _SESSION.account_id)
        .outerjoin(Professional.__table__, _PROFESSIONAL.id == _ACCOUNT.professional_id)
        .outerjoin(Patient.__table__, _PATIENT.id == _ACCOUNT.patient_id)
    )


@lru_cache(maxsize=8)
def _by_token(extra: tuple = ()) -> dbmod.Read:
    return dbmod.Read(_actor_statement(*extra).where(_SESSION.token_hash == bindparam("token_hash")))


_BY_ID = dbmod.Read(_actor_statement().where(_SESSION.id == bindparam("session_id")))
_UPDATE_SESSION = update(UserSession.__table__).where(_SESSION.id == bindparam("session_id"))


def resolve(db: Session, *, token: str, client_ip: str = "", user_agent: str | None = None,
            now: datetime | None = None) -> Actor | None:
    """The actor behind a client token, or None when the session is unknown, expired, revoked, still a handoff, or the
    account disabled. A browser's request passes its user agent: a token presented by another browser ends its session
    (it was stolen). Commands and benchmarks, which hold their own tokens, pass None."""
    return resolve_with(db, (), token=token, client_ip=client_ip, user_agent=user_agent, now=now)[0]


def resolve_with(db: Session, extra: tuple, *, token: str, client_ip: str = "", user_agent: str | None = None,
                 now: datetime | None = None) -> tuple[Actor | None, tuple]:
    """`resolve`, and the values of `extra`, columns over the account (`Account.id`, ...) read in the same statement;
    () when there is no actor. `extra` is a constant of the caller: a statement is built and kept for each tuple."""
    if not token:
        return None, ()
    found = _by_token(extra).first(db, {"token_hash": token_hash(token[:MAX_TOKEN_LENGTH])})
    now = now or utcnow()
    if found is not None and user_agent is not None and found.user_agent != user_agent[:200] and _active(found, now):
        db.execute(_UPDATE_SESSION, {"session_id": found.id, "revoked_at": now, "revoke_reason": "other_browser"})
        return None, ()
    actor = _actor_of(db, found, client_ip=client_ip, now=now)
    return actor, (tuple(found[-len(extra):]) if actor is not None and extra else ())


def resolve_session_id(db: Session, *, session_id: int, client_ip: str = "", now: datetime | None = None) -> Actor | None:
    """Same checks for a session known by its id (download tickets keep the id, never the token)."""
    found = _BY_ID.first(db, {"session_id": session_id})
    return _actor_of(db, found, client_ip=client_ip, now=now or utcnow())


def _actor_of(db: Session, found, *, client_ip: str, now: datetime) -> Actor | None:
    if found is None or not _active(found, now):
        return None
    if found.status != AccountStatus.ACTIVE:
        db.execute(_UPDATE_SESSION, {"session_id": found.id, "revoked_at": now, "revoke_reason": "account_disabled"})
        return None
    if now - found.last_seen_at >= TOUCH_INTERVAL:
        db.execute(_UPDATE_SESSION, {"session_id": found.id, "last_seen_at": now})
    role = Role(found.role)
    charter.note_acceptance(db, account_id=found.account_id, role=role, latest_version_id=found.latest_charter,
                            accepted=found.charter_accepted)
    return Actor(
        account_id=found.account_id,
        role=role,
        display_name=_name(found.identifier, found, found),
        professional_id=found.professional_id,
        patient_id=found.patient_id,
        organisation_id=found.organisation_id if found.professional_id else None,
        session_id=found.id,
        session_hash=found.token_hash[:16],
        client_ip=client_ip or found.client_ip,
    )


def revoke_token(db: Session, *, token: str, reason: str = "logout", now: datetime | None = None) -> None:
    row = db.exec(select(UserSession).where(UserSession.token_hash == token_hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoke_reason = now or utcnow(), reason
        db.add(row)


def sign_out(db: Session, *, token: str, client_ip: str, user_agent: str, now: datetime | None = None) -> bool:
    """Logout: the browser's session ends and the logout is audited. False when it had none."""
    actor = resolve(db, token=token, client_ip=client_ip, user_agent=user_agent, now=now)
    if actor is None:
        return False
    revoke_token(db, token=token, reason="logout", now=now)
    audit.record(db, actor=actor, action=AuditAction.LOGOUT)
    return True


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
