"""The notifications the MSSanté space sends back to a sender, built as the local operator and a recipient's mail
client build them:
- a delivery status notification (DSN, RFC 3464), from the operator once a message is put in (or refused by) the
  recipient's mailbox, when the sender asked for it with the SMTP DSN extension (RFC 3461: ENVID, NOTIFY, ORCPT);
- a message disposition notification (MDN, RFC 8098), from the recipient's client when they open a message that
  carried Disposition-Notification-To.
Both are multipart/report messages: a line for people, then the machine-readable fields, then the original headers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

REPORTING_HOST = "operateur-test.mssante.localhost"
DAEMON = f"Opérateur MSSanté de test <mailer-daemon@{REPORTING_HOST}>"


def _report(*, sender: str, to: str, subject: str, human: str, report_type: str, fields: str,
            original_headers: bytes) -> bytes:
    """The multipart/report, written out by hand: the library's generator cannot write a delivery-status part."""
    head = EmailMessage(policy=policy.SMTP)
    head["From"] = sender
    head["To"] = to
    head["Subject"] = subject
    head["Date"] = format_datetime(datetime.now(UTC))
    head["Message-ID"] = make_msgid(domain=REPORTING_HOST)
    head["Auto-Submitted"] = "auto-replied"
    head["MIME-Version"] = "1.0"
    boundary = f"report-{uuid.uuid4().hex}"
    content_type = f'Content-Type: multipart/report; report-type={report_type};\r\n boundary="{boundary}"'
    text = human.replace("\n", "\r\n")
    return (head.as_bytes().rstrip(b"\r\n") + f"\r\n{content_type}\r\n\r\n".encode() + (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
        f"--{boundary}\r\nContent-Type: message/{report_type}\r\n\r\n{fields}\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n").encode()
        + original_headers + f"\r\n--{boundary}--\r\n".encode())


def _headers_of(original: bytes) -> bytes:
    return original.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\r\n"


def delivery_report(*, original: bytes, envelope_id: str, sender: str, recipient: str, original_recipient: str,
                    delivered: bool, diagnostic: str = "") -> bytes:
    """The DSN for one recipient of `original`: delivered (2.0.0) or failed (the 5.x.x status of `diagnostic`)."""
    status = "2.0.0" if delivered else (diagnostic.split()[1] if len(diagnostic.split()) > 1 else "5.0.0")
    fields = (f"Reporting-MTA: dns; {REPORTING_HOST}\r\n"
              + (f"Original-Envelope-Id: {envelope_id}\r\n" if envelope_id else "")
              + f"Arrival-Date: {format_datetime(datetime.now(UTC))}\r\n\r\n"
              + (f"Original-Recipient: rfc822; {original_recipient}\r\n" if original_recipient else "")
              + f"Final-Recipient: rfc822; {recipient}\r\n"
              + f"Action: {'delivered' if delivered else 'failed'}\r\n"
              + f"Status: {status}\r\n"
              + (f"Diagnostic-Code: smtp; {diagnostic}\r\n" if diagnostic else ""))
    human = (f"Votre message a été remis dans la boîte aux lettres de {recipient}.\n" if delivered
             else f"Votre message n'a pas pu être remis à {recipient} : {diagnostic}\n")
    return _report(sender=DAEMON, to=sender, subject="Accusé de remise" if delivered else "Échec de remise",
                   human=human, report_type="delivery-status", fields=fields, original_headers=_headers_of(original))


def read_receipt(*, original: bytes, reader: str) -> bytes:
    """The MDN a recipient's client sends when `reader` opens `original` (to its Disposition-Notification-To)."""
    message = BytesParser(policy=policy.default).parsebytes(original, headersonly=True)
    fields = ("Reporting-UA: client-de-messagerie-test; MSSanté\r\n"
              f"Original-Recipient: rfc822; {reader}\r\n"
              f"Final-Recipient: rfc822; {reader}\r\n"
              f"Original-Message-ID: {message['Message-ID']}\r\n"
              "Disposition: manual-action/MDN-sent-manually; displayed\r\n")
    return _report(sender=reader, to=str(message["Disposition-Notification-To"]),
                   subject=f"Lu : {message['Subject']}", human=f"Le message a été ouvert par {reader}.\n",
                   report_type="disposition-notification", fields=fields, original_headers=_headers_of(original))
