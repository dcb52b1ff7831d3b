"""Reports arriving by themselves: one HL7 v2.5 message from an allow-listed sending system, checked, filed to the
patient or queued for identity vigilance, and answered with an ACK.

- A message is accepted (AA) only once stored: the ACK is written after the transaction commits (by the listener).
  A replay of a control id already accepted from that sender is answered with the same ACK and stored once.
- A refused message (AR: malformed, wrong version or type, no document, oversized, unknown sender or secret, PDF with
  active content, CDA failing the schema) stores nothing but an audit event; the sender may fix it and send it again.
- Filing reuses the upload's checks and filing (reports.check_pdf, reports.file_received): release gating by kind,
  the médecin traitant and the care team told. The sender and the control id stay with the version (its reason and
  content) and in the audit trail; a document id received before becomes a new version of that document.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from dcc_portal.models import (
    AuditAction,
    AuditOutcome,
    Document,
    DocumentStatus,
    Hl7Message,
    Organisation,
    Patient,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common import storage
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.exchange import hl7_cda, hl7_identity
from dcc_portal.services.exchange import hl7_messages as messages
from dcc_portal.services.exchange.hl7_messages import Inbound, Refused
from dcc_portal.services.record import documents, reports

FEED_ROLE = "hl7_feed"  # actor_role of the feed's audit events (no portal account)
MAX_MESSAGE_BYTES = 30 * 1024 * 1024  # what the listener reads at most; each sender has its own, lower, limit
DEFAULT_SENDER_LIMIT = 15 * 1024 * 1024


@dataclass(frozen=True)
class Sender:
    facility: str  # MSH-4.1
    max_bytes: int = DEFAULT_SENDER_LIMIT
    secret: str = ""  # when set, MSH-8 must carry it
    finess: str = ""  # the establishment in the directory, author organisation of what it sends
    name: str = ""
    certificate: str = ""  # when set, the TLS client certificate's common name the connection must present


def load_senders(path: str | Path | None = None) -> dict[str, Sender]:
    """The allow-list: a JSON list of {"facility", "max_bytes", "secret", "finess", "name", "certificate"} from `path`
    or the file named by DCC_HL7_SENDERS; a secret may be given as "env:NAME" to read it from the environment."""
    path = path or os.environ.get("DCC_HL7_SENDERS", "")
    if not path:
        return {}
    senders = {}
    for item in json.loads(Path(path).read_text()):
        secret = str(item.get("secret", ""))
        if secret.startswith("env:"):
            secret = os.environ.get(secret[4:], "")
        sender = Sender(facility=str(item["facility"]), max_bytes=int(item.get("max_bytes", DEFAULT_SENDER_LIMIT)),
                        secret=secret, finess=str(item.get("finess", "")), name=str(item.get("name", "")),
                        certificate=str(item.get("certificate", "")))
        senders[sender.facility] = sender
    return senders


@dataclass(frozen=True)
class Received:
    ack: str
    code: str  # AA | AE | AR
    text: str
    status: str  # filed | waiting | replay | refused
    message_public_id: str = ""


def feed_actor(db: Session, sender: Sender) -> Actor:
    """The feed acts for the sending establishment, with no portal account (like the sharing worker)."""
    organisation_id = None
    if sender.finess:
        organisation_id = db.exec(select(Organisation.id).where(Organisation.finess == sender.finess)).first()
    return Actor(account_id=None, role=FEED_ROLE, display_name=sender.name or sender.facility,  # type: ignore[arg-type]
                 organisation_id=organisation_id)


def _refusal_event(db: Session, *, facility: str, control_id: str, text: str, now: datetime) -> None:
    audit.record(db, action=AuditAction.HL7_RECEIVE, outcome=AuditOutcome.ERROR, actor_role=FEED_ROLE, at=now,
                 detail=f"message {control_id or '?'} de {facility or '?'} refusé : {text}"[:500])


def _replayed(db: Session, facility: str, control_id: str) -> Hl7Message | None:
    return db.exec(select(Hl7Message).where(Hl7Message.sending_facility == facility,
                                            Hl7Message.control_id == control_id)).first()


def _check_sender(raw: bytes, parsed, senders: dict[str, Sender], peer: str) -> Sender:
    facility, _application, _control_id, security = messages.header(parsed)
    facility = facility.split("^")[0]
    sender = senders.get(facility)
    if sender is None:
        raise Refused("AR", f"Établissement émetteur {facility or '(absent)'} non autorisé.")
    if sender.certificate and peer != sender.certificate:
        raise Refused("AR", f"Certificat client {peer or '(aucun)'} : il n'est pas celui de l'émetteur {facility}.")
    if sender.secret and not hmac.compare_digest(security.encode(), sender.secret.encode()):
        raise Refused("AR", "Secret partagé (MSH-8) absent ou faux.")
    if len(raw) > sender.max_bytes:
        raise Refused("AR", f"Message trop volumineux ({len(raw) // 1024} ko ; limite {sender.max_bytes // 1024} ko).")
    return sender


@dataclass(frozen=True)
class Content:
    """What a checked document becomes: a PDF file (with metadata), or structured text."""

    kind: str
    title: str
    document_ref: str
    file_bytes: bytes | None
    body: str


def check_content(inbound: Inbound) -> Content:
    """The upload checks for a PDF (alone or in an N1 CDA), the CDA schema for a CDA; Refused with the reason."""
    loinc, title, reference, body, pdf = inbound.loinc, inbound.title, inbound.document_ref, "", None
    if inbound.media_type == "application/pdf":
        pdf = inbound.payload
    else:
        cda = hl7_cda.read(inbound.payload)
        loinc, title = loinc or cda.loinc, title or cda.title
        reference = cda.set_id or reference
        pdf, body = cda.pdf, cda.text
    if pdf is not None:
        try:
            reports.check_pdf(pdf)
        except ValidationFailed as problem:
            raise Refused("AR", problem.errors.get("file", problem.message)) from None
    kind = messages.kind_of(loinc, documents.KINDS)
    return Content(kind=kind, title=title or documents.kind_label(kind), document_ref=reference[:120], file_bytes=pdf,
                   body=body)


def previous_document(db: Session, *, facility: str, document_ref: str) -> Document | None:
    """The document a message with this sender's document id filed before (it gets a new version)."""
    if not document_ref:
        return None
    document_id = db.exec(select(Hl7Message.document_id).where(
        Hl7Message.sending_facility == facility, Hl7Message.document_ref == document_ref,
        Hl7Message.document_id.is_not(None)).order_by(Hl7Message.id.desc())).first()
    document = db.get(Document, document_id) if document_id else None
    return document if document is not None and document.status != DocumentStatus.ENTERED_IN_ERROR else None


def check_same_patient(db: Session, *, facility: str, content: Content, patient: Patient) -> Document | None:
    """The document filed before under this document id, which must be this patient's (else Refused)."""
    previous = previous_document(db, facility=facility, document_ref=content.document_ref)
    if previous is not None and previous.patient_id != patient.id:
        raise Refused("AR", "Ce document a déjà été reçu pour un autre patient : corrigez-le chez l'émetteur.")
    return previous


def file(db: Session, *, row: Hl7Message, inbound: Inbound, content: Content, patient: Patient, actor: Actor,
         now: datetime) -> Document:
    """File a checked message to a patient whose identity is confirmed (exact match, or by the referent)."""
    previous = check_same_patient(db, facility=row.sending_facility, content=content, patient=patient)
    hl7_identity.remember_local_id(db, patient=patient, identity=inbound.identity, facility=row.sending_facility)
    sender_label = f"{row.sending_facility} ({row.sending_application})" if row.sending_application else row.sending_facility
    metadata = {"author": inbound.author, "establishment": actor.display_name,
                "conclusion": "", "received_from": sender_label, "message_control_id": row.control_id}
    if content.file_bytes is None:
        metadata["body"] = content.body
    document = reports.file_received(
        db, actor=actor, patient=patient, document=previous, kind=content.kind, title=content.title,
        service_date=inbound.service_date, content=metadata, file_bytes=content.file_bytes,
        reason=f"reçu de {sender_label}, message {row.control_id}", now=now)
    row.patient_id, row.document_id, row.document_version = patient.id, document.id, document.current_version
    row.status = "filed"
    db.add(row)
    audit.record(db, action=AuditAction.HL7_RECEIVE, actor_role=FEED_ROLE, patient_id=patient.id, at=now,
                 document_id=document.public_id, document_version=document.current_version,
                 detail=f"{row.message_type} de {sender_label}, message {row.control_id} : classé")
    return document


def receive(db: Session, raw: bytes, *, senders: dict[str, Sender], now: datetime | None = None,
            peer: str = "") -> Received:
    """Handle one message in the caller's transaction; the caller commits, then answers `ack`. `peer` is the common
    name of the connection's TLS client certificate ("" without one)."""
    now = now or utcnow()
    parsed = None
    facility = control_id = ""
    try:
        if len(raw) > MAX_MESSAGE_BYTES:
            raise Refused("AR", "Message trop volumineux.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("AR", "Message mal formé : encodage autre que UTF-8.") from None
        parsed = messages.parse_message(text)
        facility, _application, control_id, _security = messages.header(parsed)
        sender = _check_sender(raw, parsed, senders, peer)
        facility = sender.facility
        earlier = _replayed(db, facility, control_id) if control_id else None
        if earlier is not None:
            code, said = messages.ack_code(earlier.ack)
            return Received(earlier.ack, code, said, "replay", earlier.public_id)
        inbound = messages.read(parsed)
        content = check_content(inbound)
        found = hl7_identity.match(db, inbound.identity, sender.facility)
        if found.patient is not None:
            check_same_patient(db, facility=facility, content=content, patient=found.patient)
    except Refused as refusal:
        _refusal_event(db, facility=facility, control_id=control_id, text=refusal.text, now=now)
        return Received(messages.ack(parsed, refusal.code, refusal.text, now=now), refusal.code, refusal.text, "refused")
    return _accept(db, raw=raw, parsed=parsed, inbound=inbound, content=content, sender=sender, found=found, now=now)


def _accept(db: Session, *, raw: bytes, parsed, inbound: Inbound, content: Content, sender: Sender,
            found: hl7_identity.Match, now: datetime) -> Received:
    identity = inbound.identity
    raw_file, digest = storage.put(raw)
    row = Hl7Message(
        sending_facility=sender.facility, sending_application=inbound.application, control_id=inbound.control_id,
        message_type=inbound.message_type, received_at=now, status="waiting", ins=identity.ins[:15],
        local_id=identity.local_id, family_name=identity.family_name, given_names=identity.given_names,
        birth_date=identity.birth_date, sex=identity.sex, document_kind=content.kind,
        document_title=content.title[:200], document_ref=content.document_ref, raw_file=raw_file, raw_sha256=digest,
    )
    db.add(row)
    db.flush()
    if found.patient is not None:
        file(db, row=row, inbound=inbound, content=content, patient=found.patient, actor=feed_actor(db, sender), now=now)
        text = "Document classé dans le dossier du patient."
    else:
        row.vigilance_reason = found.reason[:200]
        audit.record(db, action=AuditAction.HL7_RECEIVE, actor_role=FEED_ROLE, at=now,
                     detail=f"{row.message_type} de {sender.facility}, message {row.control_id} : en attente "
                            f"d'identitovigilance ({found.reason})"[:500])
        text = "Message reçu ; identité à vérifier par l'identitovigilance avant classement."
    row.ack = messages.ack(parsed, "AA", text, now=now)
    db.add(row)
    db.flush()
    return Received(row.ack, "AA", text, row.status, row.public_id)


def raw_message(row: Hl7Message) -> bytes:
    data = storage.get(row.raw_file)
    if hashlib.sha256(data).hexdigest() != row.raw_sha256:
        raise RuntimeError("stored HL7 message does not match its recorded SHA-256")
    return data


def reread(row: Hl7Message) -> tuple[Inbound, Content]:
    """A stored message read again (to file it once its identity is confirmed)."""
    inbound = messages.read(messages.parse_message(raw_message(row).decode("utf-8")))
    return inbound, check_content(inbound)

