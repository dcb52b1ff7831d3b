"""Files leave the portal only through single-use tickets: an event handler issues one for the signed-in
session, the browser fetches /api/files/<ticket> within two minutes, and the producer checks access again
(audited) while building the bytes. Nothing is served from a folder."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlmodel import Session, select

from dcc_portal.models import AuditAction, AuditOutcome, DownloadTicket, utcnow
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import registry
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import NotAuthenticated
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.identity import sessions

TICKET_LIFETIME = timedelta(minutes=2)
URL_PREFIX = "/api/files/"

# name -> "module:function"; the function takes (db, *, actor, target, variant) and returns a FilePayload.
PRODUCERS: dict[str, str] = {
    "document_view": "dcc_portal.services.record.documents:produce_view",
    "document_pdf": "dcc_portal.services.record.documents:produce_pdf",
    "frcp_cda": "dcc_portal.services.rcp.fiche:produce_cda",
    "pps_ics": "dcc_portal.services.pps.calendar:produce_ics",
    "audit_csv": "dcc_portal.services.access.audit_log:produce_csv",
    "indicators_csv": "dcc_portal.services.indicators.export:produce_csv",
    "sharing_xdm": "dcc_portal.services.exchange.sharing:produce_xdm",
}


def _producer(name: str):
    return registry.resolve(PRODUCERS[name])


_NEW_TICKET = insert(DownloadTicket.__table__)


def issue(db: Session, *, actor: Actor, producer: str, target: str, variant: str = "", inline: bool = False,
          now: datetime | None = None) -> str:
    """A URL for the current session only, valid once and briefly."""
    if producer not in PRODUCERS or actor.session_id is None:
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT, detail=f"lien de téléchargement refusé ({str(producer)[:40]})")
    ticket = secrets.token_urlsafe(32)
    db.execute(_NEW_TICKET, {
        "ticket_hash": hashlib.sha256(ticket.encode()).hexdigest(), "session_id": actor.session_id, "producer": producer,
        "target": str(target)[:64], "variant": str(variant)[:20], "inline": inline,
        "expires_at": (now or utcnow()) + TICKET_LIFETIME,
    })
    return URL_PREFIX + ticket


def redeem(db: Session, *, ticket: str, client_ip: str = "", now: datetime | None = None) -> tuple[FilePayload, bool]:
    """(payload, inline) for a valid ticket; NotAuthenticated or AccessDenied otherwise (both audited by the producer
    or the access layer)."""
    now = now or utcnow()
    row = db.exec(select(DownloadTicket).where(DownloadTicket.ticket_hash == hashlib.sha256(ticket.encode()).hexdigest())).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        if row is not None:
            # A real ticket replayed or fetched late (unknown ones are not written: anyone can send those).
            audit.record(
                db, action=AuditAction.EXPORT, outcome=AuditOutcome.DENIED, client_ip=client_ip[:64],
                detail=f"lien de téléchargement expiré ou déjà utilisé ({row.producer} {row.target[:32]})",
                actor=sessions.resolve_session_id(db, session_id=row.session_id, client_ip=client_ip, now=now),
            )
            db.commit()
        raise NotAuthenticated("Ce lien de téléchargement a expiré. Relancez le téléchargement depuis le portail.")
    row.used_at = now
    db.add(row)
    actor = sessions.resolve_session_id(db, session_id=row.session_id, client_ip=client_ip, now=now)
    if actor is None:
        audit.record(db, action=AuditAction.EXPORT, outcome=AuditOutcome.DENIED, client_ip=client_ip[:64],
                     detail="lien de téléchargement d'une session fermée")
        db.commit()
        raise NotAuthenticated()
    payload = _producer(row.producer)(db, actor=actor, target=row.target, variant=row.variant)
    return payload, row.inline
