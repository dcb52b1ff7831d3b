"""What the MSSanté space says back about our sendings, read from the sending mailbox over IMAP (STARTTLS, the
application's certificate, SASL EXTERNAL), as the MSSanté client interface describes:
- delivery status notifications (DSN, RFC 3464) from the operator: the message was put in the recipient's mailbox
  (« Remis »), could not be (« Non remis », with the operator's reason, and « Renvoyer » offered), or is delayed;
- read notifications (MDN, RFC 8098) from the recipient's client when they open it (« Lu »).

Each notice is matched to its outbox row by the original Message-ID (or the DSN's envelope id, both the row's public
id) and the recipient's address; anything else in the mailbox is left unread for a person to look at. Applying a
notice twice changes nothing, so a crash between the database commit and the \\Seen flag only reads it again. A change
is audited with the document, its version and the recipient.
"""

from __future__ import annotations

import imaplib
import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr

from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import AuditAction, AuditOutcome, Document, MssMessage, utcnow
from dcc_portal.services.access import audit
from dcc_portal.services.exchange.mail_worker import logger
from dcc_portal.services.exchange.mssante_config import WORKER_ROLE, MssConfig, client_context

PUBLIC_ID = re.compile(r"^[0-9a-f]{32}$")
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# What the enhanced status codes (RFC 3463) mean to a sender; the operator's own words follow in brackets.
STATUS_TEXT = {
    "5.1.1": "adresse inconnue de l'opérateur du destinataire",
    "5.2.1": "boîte aux lettres du destinataire désactivée",
    "5.2.2": "boîte aux lettres du destinataire pleine",
    "4.2.2": "boîte aux lettres du destinataire pleine pour le moment",
    "5.7.1": "envoi refusé par l'opérateur du destinataire",
}
REPORT_TYPES = ("message/delivery-status", "message/disposition-notification")


@dataclass(frozen=True)
class Notice:
    message_public_id: str
    recipient: str
    kind: str  # delivered | failed | delayed | read
    detail: str = ""


def _public_id(message_id: str) -> str:
    candidate = str(message_id or "").strip().strip("<>").split("@", 1)[0].lower()
    return candidate if PUBLIC_ID.match(candidate) else ""


def _address(field: str | None) -> str:
    """« rfc822; someone@domain » → someone@domain."""
    return parseaddr(str(field or "").partition(";")[2])[1].strip().lower()


def notices(raw: bytes) -> list[Notice]:
    """The notices a multipart/report carries (one per recipient of a DSN, one for an MDN); [] for anything else."""
    message = message_from_bytes(raw)
    if message.get_content_type() != "multipart/report" or not message.is_multipart():
        return []
    parts = message.get_payload()
    report = next((part for part in parts if part.get_content_type() in REPORT_TYPES), None)
    if report is None:
        return []
    headers = next((part for part in parts if part.get_content_type() == "text/rfc822-headers"), None)
    original = HeaderParser().parsestr(headers.get_payload(decode=True).decode("utf-8", "replace")) if headers else Message()
    blocks = [block for block in report.get_payload() if isinstance(block, Message)]
    if not blocks:
        return []
    if report.get_content_type() == "message/disposition-notification":
        fields = blocks[0]
        public_id = _public_id(fields["Original-Message-ID"]) or _public_id(original["Message-ID"])
        recipient = _address(fields["Original-Recipient"]) or _address(fields["Final-Recipient"])
        disposition = str(fields["Disposition"] or "").split(";")[-1].strip().lower()
        if not public_id or not recipient or not disposition.startswith("displayed"):
            return []
        return [Notice(public_id, recipient, "read")]
    public_id = _public_id(blocks[0]["Original-Envelope-Id"]) or _public_id(original["Message-ID"])
    found = []
    for fields in blocks[1:]:
        action = str(fields["Action"] or "").strip().lower()
        recipient = _address(fields["Original-Recipient"]) or _address(fields["Final-Recipient"])
        if public_id and recipient and action in ("delivered", "failed", "delayed"):
            found.append(Notice(public_id, recipient, action, "" if action == "delivered" else _reason(fields)))
    return found


def _reason(fields: Message) -> str:
    said = " ".join(str(fields["Diagnostic-Code"] or "").partition(";")[2].split())
    code = STATUS.search(str(fields["Status"] or "") or said)
    meaning = STATUS_TEXT.get(code.group(0) if code else "", "remise impossible")
    return f"{meaning} ({said or (code.group(0) if code else '')})"[:300]


AUDIT_TEXT = {
    "delivered": "messagerie sécurisée : document remis dans la boîte de {to}",
    "failed": "messagerie sécurisée : document non remis à {to} : {detail}",
    "delayed": "messagerie sécurisée : remise à {to} retardée : {detail}",
    "read": "messagerie sécurisée : document ouvert par {to} (accusé de lecture)",
}


def apply(db: Session, notice: Notice, *, now: datetime) -> bool:
    """Record one notice on its sending; False when it is unknown or already recorded. The sending is locked: another
    process reading the mailbox at the same time waits, then finds the notice recorded (audited once)."""
    row = db.exec(select(MssMessage).where(MssMessage.public_id == notice.message_public_id,
                                           MssMessage.to_address == notice.recipient).with_for_update()).first()
    if row is None:
        return False
    if notice.kind == "read":
        if row.read_at is not None:
            return False
        row.read_at = now
        if row.delivery != "delivered":  # a message opened was delivered, whatever came first
            row.delivery, row.delivered_at, row.delivery_detail = "delivered", row.delivered_at or now, ""
    elif row.delivery == "delivered" or (row.delivery == notice.kind and row.delivery_detail == notice.detail):
        return False
    else:
        row.delivery, row.delivery_detail = notice.kind, notice.detail
        row.delivered_at = now if notice.kind == "delivered" else None
    row.updated_at = now
    db.add(row)
    document = db.get(Document, row.document_id)
    audit.record(db, action=AuditAction.MSS_SEND, actor_role=WORKER_ROLE, patient_id=row.patient_id,
                 document_id=document.public_id, document_version=row.document_version,
                 outcome=AuditOutcome.ERROR if notice.kind == "failed" else AuditOutcome.SUCCESS,
                 detail=AUDIT_TEXT[notice.kind].format(to=row.to_label or row.to_address, detail=notice.detail)[:300])
    return True


class MssInbox:
    """Reads the sending mailbox once per call (`run_once`), from the portal's lifespan task or the worker command."""

    def __init__(self, config: MssConfig, *, db_url: str | None = None, clock=utcnow):
        self.config, self.db_url, self.clock = config, db_url, clock

    def run_once(self) -> list[Notice]:
        config = self.config
        recorded: list[Notice] = []
        try:
            with imaplib.IMAP4(config.host, config.imap_port, timeout=config.timeout) as imap:
                imap.starttls(client_context(config))
                imap.authenticate("EXTERNAL", lambda _challenge: config.mailbox.encode())
                imap.select("INBOX")
                _, found = imap.uid("SEARCH", None, "UNSEEN")
                for uid in (found[0] or b"").split():
                    _, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                    raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
                    carried = notices(raw)
                    if not carried:
                        continue
                    with dbmod.transaction(self.db_url) as db:
                        recorded += [notice for notice in carried if apply(db, notice, now=self.clock())]
                    imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        except (imaplib.IMAP4.error, OSError) as problem:  # the operator down, or the certificate refused: next time
            logger.warning("mssante inbox %s:%s unreadable: %s", config.host, config.imap_port, problem)
        return recorded
