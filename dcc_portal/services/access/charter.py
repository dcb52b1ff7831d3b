"""The user charter professionals accept before reaching any data; a new version must be accepted again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, event, exists
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import (
    Account,
    AuditAction,
    CharterAcceptance,
    CharterVersion,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common.actor import Actor


@dataclass(frozen=True)
class CharterView:
    version_id: int
    version: str
    title: str
    paragraphs: list[str]
    published_at: datetime


def current(db: Session) -> CharterVersion | None:
    return db.exec(select(CharterVersion).order_by(CharterVersion.published_at.desc(), CharterVersion.id.desc())).first()


# Accounts found up to date in the current transaction: a handler asks once per record it touches (an RCP agenda
# asks for every case), and an acceptance cannot be withdrawn. Dropped when the transaction ends or a version is
# published.
_ACCEPTED = "dcc_charter_accepted"


@event.listens_for(OrmSession, "after_transaction_end")
def _forget(db: OrmSession, transaction) -> None:
    if transaction.parent is None:
        db.info.pop(_ACCEPTED, None)


def needs_acceptance(db: Session, *, account_id: int) -> bool:
    """True for a professional who has not accepted the current version. Patients have no charter here."""
    if account_id in db.info.get(_ACCEPTED, ()):
        return False
    result = _needs_acceptance(db, account_id)
    if not result:
        db.info.setdefault(_ACCEPTED, set()).add(account_id)
    return result


def assume_accepted(db: Session, *, account_id: int) -> None:
    """The demo's stories only, which replay acts of the past: the account acts in this transaction as it did then,
    charter accepted (nothing is stored: the account still reads the charter at its first login)."""
    db.info.setdefault(_ACCEPTED, set()).add(account_id)


def acceptance_columns(account_id):
    """The current version's id and whether this account accepted it, as two columns of a larger statement."""
    latest = (
        select(CharterVersion.id)
        .order_by(CharterVersion.published_at.desc(), CharterVersion.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return latest, exists().where(CharterAcceptance.account_id == account_id, CharterAcceptance.charter_version_id == latest)


def _needs(role: str, latest_version_id: int | None, accepted: bool) -> bool:
    return Role(role).is_professional and latest_version_id is not None and not accepted


def note_acceptance(db: Session, *, account_id: int, role: str, latest_version_id: int | None, accepted: bool) -> None:
    """What `acceptance_columns` found in this transaction (the session check reads it): spares `needs_acceptance`
    its query."""
    if not _needs(role, latest_version_id, accepted):
        db.info.setdefault(_ACCEPTED, set()).add(account_id)


# Built once: every page load asks it.
_NEEDS_ACCEPTANCE = dbmod.Read(select(Account.role, *acceptance_columns(bindparam("account_id"))).where(
    Account.id == bindparam("account_id")))


def _needs_acceptance(db: Session, account_id: int) -> bool:
    found = _NEEDS_ACCEPTANCE.first(db, {"account_id": account_id})
    return found is not None and _needs(*found)


def view_current(db: Session) -> CharterView | None:
    version = current(db)
    if version is None:
        return None
    paragraphs = [block.strip() for block in version.body.split("\n\n") if block.strip()]
    return CharterView(version.id, version.version, version.title, paragraphs, version.published_at)


def accept(db: Session, *, actor: Actor, version_id: int, now: datetime | None = None) -> bool:
    """Accept the version the user read; refused if a newer one was published meanwhile."""
    version = current(db)
    if version is None or version.id != version_id:
        return False
    if needs_acceptance(db, account_id=actor.account_id):
        db.add(CharterAcceptance(account_id=actor.account_id, charter_version_id=version.id, accepted_at=now or utcnow(), client_ip=actor.client_ip))
        audit.record(db, actor=actor, action=AuditAction.CHARTER_ACCEPT, detail=f"version {version.version}")
    return True


def publish(db: Session, *, version: str, title: str, body: str, now: datetime | None = None) -> CharterVersion:
    row = CharterVersion(version=version, title=title, body=body, published_at=now or utcnow())
    db.info.pop(_ACCEPTED, None)
    db.add(row)
    db.flush()
    return row
