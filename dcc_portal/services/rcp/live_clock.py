"""The live sitting's version counter (`RcpLive.version`): every change a participant's screen must show increments
it, whether it comes from the sitting itself, the attendance sheet, or the agenda (a case registered or withdrawn
while the session is running)."""

from __future__ import annotations

from sqlmodel import Session

from dcc_portal.models import RcpLive, utcnow


def bump(db: Session, live: RcpLive) -> None:
    live.version += 1
    live.updated_at = utcnow()
    db.add(live)
    db.flush()


def touch(db: Session, *, session_id: int) -> None:
    """Tell the screens of a started sitting that something changed elsewhere; nothing to do before it starts."""
    live = db.get(RcpLive, session_id)
    if live is not None:
        bump(db, live)
