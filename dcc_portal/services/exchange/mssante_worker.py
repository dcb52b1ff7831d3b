"""The worker that sends the MSSanté outbox (services/exchange/mssante.py) to the operator: SMTP submission with
STARTTLS and mutual TLS (the application's certificate, issued by the IGC Santé in production), with the lease,
retries and backoff of the e-mail worker it extends (services/exchange/mail_worker.py).

The message, in the shape the MSSanté references describe for an application sending on behalf of professionals
("LPS" mode, Référentiel socle MSSanté #2):
- a neutral subject and body: no patient name, no diagnosis, no document title (mailboxes are also read by
  secretariats); the body says who addresses a document and that it is attached;
- attachment IHE_XDM.ZIP: an IHE XDM package (services/exchange/xdm.py) holding the CDA R2 document and its XDS
  metadata, then the document's PDF for readers without a CDA-capable client;
- X-MSS-CODECDA: the CDA's LOINC document code; X-MSS-INS: "O" when the CDA identifies the patient by the INS;
- Disposition-Notification-To: the sending mailbox, asking the recipient's client for a read notification (MDN);
- Message-ID: the outbox row's public id, the same at every attempt, so a message resent after a crash between the
  operator's acceptance and its record is recognised as the same message.
- When the operator offers the SMTP DSN extension: ENVID (the row's public id), NOTIFY=SUCCESS,FAILURE,DELAY and
  ORCPT, so that it reports delivery into (or refusal by) the recipient's mailbox; services/exchange/mssante_inbox.py
  reads those reports and the read notifications from the sending mailbox.
A refusal of the recipient (5xx) fails the row for good, with the operator's reason shown to the sender; a down
operator or a TLS failure is retried. Each outcome is audited with the document, its version and the recipient.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
import threading
from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session

from dcc_portal.models import (
    AuditAction,
    AuditOutcome,
    Document,
    MssMessage,
    Patient,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common.names import professional_label_of
from dcc_portal.services.exchange import cda_facts, cda_n1, dmp_metadata, outbox, xdm
from dcc_portal.services.exchange.mail_worker import MailWorker, logger
from dcc_portal.services.exchange.mssante_config import WORKER_ROLE, MssConfig, client_context
from dcc_portal.services.exchange.mssante_inbox import MssInbox
from dcc_portal.services.exchange.sharing_updates import visibility_codes
from dcc_portal.services.record import documents

XDM_NAME = "IHE_XDM.ZIP"
SUBJECT = "Document médical adressé par le DCC"


def _body(sender: str, network: str) -> str:
    return (
        "Bonjour,\n\n"
        f"{sender} vous adresse un document médical concernant l'un de vos patients, depuis le dossier communicant "
        f"de cancérologie (DCC) du réseau {network}.\n\n"
        f"Le document est joint au format IHE XDM ({XDM_NAME}, à intégrer dans votre logiciel) et au format PDF.\n\n"
        "Ce message est envoyé automatiquement par messagerie sécurisée de santé : merci de ne pas y répondre.\n"
    )


def attachments(db: Session, *, message: MssMessage, now: datetime, sender: str) -> tuple[bytes, bytes, str, str]:
    """(XDM ZIP, PDF, CDA code, INS flag) of the message's document version; NotShareable when it cannot be built."""
    document = db.get(Document, message.document_id)
    patient = db.get(Patient, message.patient_id)
    version = documents.version_row(db, document=document, version=message.document_version)
    package = cda_n1.package(db, document=document, version=version, patient=patient,
                             authenticator_professional_id=document.author_professional_id)
    pdf = cda_n1.pdf_of(db, document=document, version=version, patient=patient)
    try:
        facts = cda_facts.read(package.xml)
        meta = dmp_metadata.from_cda(
            facts, entry_uuid=dmp_metadata.derived_uuid("mss-entry", message.public_id),
            submission_set_uuid=dmp_metadata.derived_uuid("mss-set", message.public_id), format_code=package.format_code,
            visibility=visibility_codes(document, patient), submission_time=now, size=len(package.xml),
            sha1_hex=hashlib.sha1(package.xml).hexdigest(), version=message.document_version,
        )
    except (cda_facts.UnreadableCda, LookupError, ValueError) as problem:
        raise cda_n1.NotShareable(f"Métadonnées XDM impossibles à lire dans le document CDA : {problem}") from problem
    archive = xdm.archive(meta, package.xml, sender=sender, purpose="mssante")
    return archive, pdf, facts.code.code, "O" if patient.ins and patient.ins_oid else "N"


def xtext(value: str) -> str:
    """RFC 3461 xtext: "+", "=" and characters outside printable ASCII as +HH."""
    return "".join(ch if "!" <= ch <= "~" and ch not in "+=" else "".join(f"+{byte:02X}" for byte in ch.encode())
                   for ch in value)


class MssWorker(MailWorker):
    model = MssMessage
    label = "mssante"
    host_variable = "DCC_MSS_HOST"

    def tls_context(self) -> ssl.SSLContext:
        return client_context(self.config)

    def envelope_options(self, smtp, message: EmailMessage, to_address: str) -> tuple[list[str], list[str]]:
        if not smtp.has_extn("dsn"):
            return [], []
        envelope_id = str(message["Message-ID"]).strip("<>").split("@", 1)[0]
        return ([f"ENVID={xtext(envelope_id)}", "RET=HDRS"],
                ["NOTIFY=SUCCESS,FAILURE,DELAY", f"ORCPT=rfc822;{xtext(to_address)}"])

    def prepare(self, db, row: MssMessage) -> tuple[EmailMessage | None, str]:
        sender = professional_label_of(db, row.sender_professional_id) or "L'équipe de soins"
        try:
            archive, pdf, code, ins = attachments(db, message=row, now=row.created_at, sender=sender)
        except cda_n1.NotShareable as problem:
            return None, problem.reason
        message = self.headers(row)
        message["Subject"] = SUBJECT
        message["X-MSS-CODECDA"] = code
        message["X-MSS-INS"] = ins
        message["Disposition-Notification-To"] = message["From"]
        message.set_content(_body(sender, self.config.network))
        message.add_attachment(archive, maintype="application", subtype="zip", filename=XDM_NAME)
        document = db.get(Document, row.document_id)
        message.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename=f"document-{document.public_id[:12]}-v{row.document_version}.pdf")
        return message, ""

    def run_forever(self, stop: threading.Event) -> None:
        """The command's worker (`mssante-worker`): sends, and reads the notifications in a second thread."""
        if self.config.imap_port:
            inbox = MssInbox(self.config, db_url=self.db_url)
            threading.Thread(target=outbox.run_forever, name="mssante-inbox", daemon=True, args=(inbox.run_once,),
                             kwargs=dict(stop=stop, poll=self.config.inbox_poll, logger=logger, label="mssante inbox")).start()
        super().run_forever(stop)

    def recorded(self, db, row_id: int, outcome: str, detail: str) -> None:
        if outcome == "retry":
            return
        row = db.get(MssMessage, row_id)
        document = db.get(Document, row.document_id)
        sent = outcome == "sent"
        audit.record(db, action=AuditAction.MSS_SEND, actor_role=WORKER_ROLE, patient_id=row.patient_id,
                     document_id=document.public_id, document_version=row.document_version,
                     outcome=AuditOutcome.SUCCESS if sent else AuditOutcome.ERROR,
                     detail=(f"document adressé à {row.to_label} par messagerie sécurisée : remis à l'opérateur" if sent
                             else f"messagerie sécurisée : envoi à {row.to_label} refusé : {detail}")[:300])


async def lifespan_task() -> None:
    """Started with the portal (Reflex lifespan task) when DCC_MSS_HOST is set; DCC_MSS_WORKER=0 turns it off. With
    DCC_MSS_IMAP_PORT it also reads the operator's notifications (services/exchange/mssante_inbox.py)."""
    if os.environ.get("DCC_MSS_WORKER", "1") == "0":
        return
    config = MssConfig.from_env()
    if not config.host:
        logger.warning("DCC_MSS_HOST is not set: MSSanté messages are queued but not sent")
        return
    loops = [outbox.run_in_portal(MssWorker(config).run_once, poll=config.poll, logger=logger, label="mssante worker")]
    if config.imap_port:
        loops.append(outbox.run_in_portal(MssInbox(config).run_once, poll=config.inbox_poll, logger=logger,
                                          label="mssante inbox"))
    await asyncio.gather(*loops)
