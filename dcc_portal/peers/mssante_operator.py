"""A local MSSanté operator for the demo and the tests: a real SMTP server (aiosmtpd) standing in for an operator's
submission service, `python -m dcc_portal mssante-operator --port 2587 --pki var/mssante`.

- STARTTLS is required before MAIL FROM (530 otherwise), and the TLS handshake requires a client certificate signed
  by the test CA (peers/mssante_pki.py): a client without one, or with one from another CA, never gets a session.
- Only the operator's known mailboxes are accepted as recipients: 550 5.1.1 for any other address, at RCPT time.
- A message whose Message-ID was already received is acknowledged and not stored again (a client that lost the
  acknowledgement resends the same message).
- Every accepted message is stored as an .eml file in the store folder, with one JSON line per message in
  index.jsonl (envelope, client certificate subject, file name, the mailboxes it was put in), so that tests and an
  operator can open them.
- The SMTP DSN extension (RFC 3461): a sender that asks (NOTIFY=SUCCESS / FAILURE, ENVID, ORCPT) gets a delivery
  status notification in its own mailbox (peers/mssante_reports.py). A "full" mailbox accepts at RCPT time but
  cannot take the message: its recipient is reported failed (5.2.2), as a remote operator would after acceptance.
- The mailboxes are read over IMAP4 with STARTTLS and the client certificate (peers/mssante_imap.py), as the MSSanté
  client interface describes; a certificate opens only the mailboxes `owners` gives it.
- `down()`/`up()` (tests) stop and restart the listeners on the same ports, to play an operator outage.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from dcc_portal.peers import mssante_reports
from dcc_portal.peers.mssante_imap import ImapServer
from dcc_portal.peers.mssante_pki import Pki

INDEX = "index.jsonl"
DSN_PARAMETERS = ("ENVID", "RET", "NOTIFY", "ORCPT")
FULL = "552 5.2.2 Mailbox full"  # DSN fields are ASCII (RFC 3464)


def server_context(pki: Pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    cert, key = pki.server
    context.load_cert_chain(str(cert), str(key))
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _subject(peercert: dict | None) -> str:
    if not peercert:
        return ""
    return ", ".join(f"{key}={value}" for part in peercert.get("subject", ()) for key, value in part)


def _option(options: list[str], name: str) -> str:
    return next((option.split("=", 1)[1] for option in options if option.upper().startswith(name + "=")), "")


def _xtext(value: str) -> str:
    """RFC 3461 xtext decoding (+HH escapes)."""
    out, index = [], 0
    while index < len(value):
        if value[index] == "+" and index + 2 < len(value):
            out.append(chr(int(value[index + 1:index + 3], 16)))
            index += 3
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


class DsnSmtp(SMTP):
    """aiosmtpd's SMTP with the DSN extension's MAIL and RCPT parameters accepted (the handler advertises it and
    reads them from the envelope's options)."""

    def _getparams(self, params):
        found = super()._getparams(params)
        if found is None:
            return None
        return {key: value for key, value in found.items() if key not in DSN_PARAMETERS}


class _Controller(Controller):
    def factory(self):
        return DsnSmtp(self.handler, **self.SMTP_kwargs)


class Mailbox:
    """The handler: recipient check and storage."""

    def __init__(self, store: Path, mailboxes: set[str], full: set[str] = frozenset()):
        self.store = store
        self.mailboxes = {address.strip().lower() for address in mailboxes if address.strip()}
        self.full = {address.strip().lower() for address in full}
        self.lock = threading.Lock()
        store.mkdir(parents=True, exist_ok=True)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", responses[-1]]  # before the closing « 250 HELP »

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        peercert = (session.ssl or {}).get("peercert") if session.ssl is not None else None
        if not peercert:  # the handshake already requires it; this guards a misconfigured context
            return "530 5.7.0 Certificat client exigé"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.strip().lower() not in self.mailboxes:
            return f"550 5.1.1 <{address}> : boîte aux lettres MSSanté inconnue"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(" ".join(rcpt_options))  # one entry per recipient, in rcpt_tos order
        return "250 OK"

    def _seen(self, message_id: str) -> bool:
        index = self.store / INDEX
        if not message_id or not index.exists():
            return False
        return any(json.loads(line).get("message_id") == message_id
                   for line in index.read_text(encoding="utf-8").splitlines())

    def _store(self, content: bytes, entry: dict, now: datetime) -> None:
        count = sum(1 for _ in self.store.glob("*.eml")) + 1
        name = f"{now.strftime('%Y%m%dT%H%M%S')}-{count:05d}.eml"
        (self.store / name).write_bytes(content)
        entry = {"file": name, "received_at": now.isoformat()} | entry
        with open(self.store / INDEX, "a", encoding="utf-8") as index:
            index.write(json.dumps(entry, ensure_ascii=False) + "\n")

    async def handle_DATA(self, server, session, envelope):
        received = datetime.now(UTC)
        content = envelope.original_content or envelope.content
        message_id = str(BytesParser(policy=policy.default).parsebytes(content, headersonly=True).get("Message-ID", "")).strip()
        recipients = list(envelope.rcpt_tos)
        delivered = [address for address in recipients if address.lower() not in self.full]
        with self.lock:
            if self._seen(message_id):  # a client resending after a lost acknowledgement: delivered once
                return "250 2.0.0 Message déjà reçu"
            self._store(content, {"message_id": message_id, "mail_from": envelope.mail_from, "rcpt_tos": recipients,
                                  "delivered_to": [address.lower() for address in delivered],
                                  "client": _subject(session.ssl.get("peercert"))}, received)
            for address, options in zip(recipients, envelope.rcpt_options, strict=True):
                self._report(content, envelope, address, options.split(), address in delivered, received)
        return "250 2.0.0 Message accepté"

    def _report(self, content: bytes, envelope, address: str, options: list[str], delivered: bool, now: datetime) -> None:
        """The DSN of one recipient, put in the sender's mailbox when it asked for one (failures by default)."""
        notify = (_option(options, "NOTIFY") or "FAILURE").upper().split(",")
        sender = (envelope.mail_from or "").lower()
        if ("SUCCESS" if delivered else "FAILURE") not in notify or sender not in self.mailboxes:
            return
        original_recipient = _xtext(_option(options, "ORCPT")).partition(";")[2].strip().lower()
        report = mssante_reports.delivery_report(
            original=content, envelope_id=_xtext(_option(envelope.mail_options, "ENVID")), sender=sender,
            recipient=address.lower(), original_recipient=original_recipient, delivered=delivered,
            diagnostic="" if delivered else FULL)
        self._store(report, {"message_id": "", "mail_from": "", "rcpt_tos": [sender], "delivered_to": [sender],
                             "client": "", "kind": "report"}, now)

    def mailbox(self, address: str) -> list[tuple[int, dict]]:
        """(uid, entry) of what lies in one mailbox, oldest first: the UID is the line of the index."""
        index = self.store / INDEX
        if not index.exists():
            return []
        address = address.lower()
        lines = index.read_text(encoding="utf-8").splitlines()
        return [(uid, entry) for uid, entry in enumerate(map(json.loads, lines), start=1)
                if address in entry.get("delivered_to", [])]


@dataclass(frozen=True)
class Received:
    entry: dict
    message: EmailMessage


def read_store(store: Path | str, *, reports: bool = False) -> list[Received]:
    """Every message the operator accepted from a client (and the notifications it wrote, with `reports`), oldest first."""
    store = Path(store)
    index = store / INDEX
    if not index.exists():
        return []
    found = []
    for line in index.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("kind") == "report" and not reports:
            continue
        message = BytesParser(policy=policy.default).parsebytes((store / entry["file"]).read_bytes())
        found.append(Received(entry, message))
    return found


class Operator:
    def __init__(self, *, pki: Pki, store: Path | str, mailboxes: set[str], host: str = "127.0.0.1", port: int = 2587,
                 imap_port: int | None = None, owners: dict[str, set[str]] | None = None, full: set[str] = frozenset()):
        self.pki, self.host, self.port, self.imap_port = pki, host, port, imap_port
        self.handler = Mailbox(Path(store), mailboxes, full)
        self.owners = {name: {address.lower() for address in addresses} for name, addresses in (owners or {}).items()}
        self.controller: Controller | None = None
        self.imap = None

    def up(self) -> Operator:
        self.controller = _Controller(self.handler, hostname=self.host, port=self.port, tls_context=server_context(self.pki),
                                      require_starttls=True, server_hostname="localhost", ident="MSSante test operator")
        self.controller.start()
        if self.imap_port is not None:
            try:
                self.imap = ImapServer(self.handler, context=server_context(self.pki), owners=self.owners,
                                       host=self.host, port=self.imap_port).start()
            except BaseException:
                self.down()
                raise
        return self

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self.imap is not None:
            self.imap.stop()
            self.imap = None

    def messages(self) -> list[Received]:
        return read_store(self.handler.store)


def read_mailboxes(path: Path | str) -> set[str]:
    return {line.strip().lower() for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def serve(*, pki: Pki, store: Path, mailboxes: set[str], host: str, port: int, imap_port: int | None = None,
          owners: dict[str, set[str]] | None = None, reload=None, every: float = 30.0) -> None:
    """Run until interrupted; `reload()` (if given) is asked every `every` seconds for the mailboxes now known, so that
    an address added to the directory is served without a restart."""
    operator = Operator(pki=pki, store=store, mailboxes=mailboxes, host=host, port=port, imap_port=imap_port,
                        owners=owners).up()
    stop = threading.Event()
    try:
        while not stop.wait(every if reload else None):
            try:
                operator.handler.mailboxes = {address.strip().lower() for address in reload() if address.strip()}
            except Exception as problem:  # the directory unreadable for a while: keep serving what was known
                print(f"Annuaire illisible, boîtes inchangées : {problem}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        operator.down()
