"""The demo's stories replay professionals' acts of the past. Each one is audited as the portal audits it when it
happens: after the access check its page makes, under the grant that check gives, in a login session of that day,
at the story's time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from dcc_portal import formatting
from dcc_portal.models import AuditAction, Grant, Patient
from dcc_portal.services.access import audit, charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor


@contextmanager
def act(db: Session, actor: Actor, patient: Patient, *, at: datetime, detail: str,
        action: str = AuditAction.UPDATE) -> Iterator[tuple[Actor, Grant]]:
    """Yields the actor, signed in on that day, and its grant: the events the act records inside inherit the grant
    and are dated `at`. AccessDenied when the story gives the professional no access then."""
    day = formatting.paris_today(at).isoformat()
    actor = replace(actor, session_hash=hashlib.sha256(f"demo:{actor.account_id}:{day}".encode()).hexdigest()[:16])
    charter.assume_accepted(db, account_id=actor.account_id)
    with audit.dated(db, at):
        grant = access.authorize_patient(db, actor=actor, patient=patient, action=action, detail=detail, now=at)
        yield actor, grant
