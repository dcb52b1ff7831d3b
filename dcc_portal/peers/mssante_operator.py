"""A local MSSanté operator for the demo and the tests: a real SMTP server (aiosmtpd) standing in for an operator's
submission service, `python -m dcc_portal mssante-operator --port 2587 --pki var/mssante`.

- STARTTLS is required before MAIL FROM (530 otherwise), and the TLS handshake requires a client certificate signed
  by the test CA (peers/mssante_pki.py): a client without one, or with one from another CA, never gets a session.
- Only the operator's known mailboxes are accepted as recipients: 550 5.1.1 for any other address, at RCPT time.
- A message whose Message-ID was already received is acknowledged and not stored again (a client that lost the
  acknowledgement resends the same message).
- Every accepted message is stored as an .eml file in the store folder, with one JSON line per message in
  index.jsonl (envelope, client certificate subject, file name), so that tests and an operator can open them.
- `down()`/`up()` (tests) stop and restart the listener on the same port, to play an operator outage.
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

from dcc_portal.peers.mssante_pki import Pki

INDEX = "index.jsonl"


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


class Mailbox:
    """The handler: recipient check and storage."""

    def __init__(self, store: Path, mailboxes: set[str]):
        self.store = store
        self.mailboxes = {address.strip().lower() for address in mailboxes if address.strip()}
        self.lock = threading.Lock()
        store.mkdir(parents=True, exist_ok=True)

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
        return "250 OK"

    def _seen(self, message_id: str) -> bool:
        index = self.store / INDEX
        if not message_id or not index.exists():
            return False
        return any(json.loads(line).get("message_id") == message_id
                   for line in index.read_text(encoding="utf-8").splitlines())

    async def handle_DATA(self, server, session, envelope):
        received = datetime.now(UTC)
        content = envelope.original_content or envelope.content
        message_id = str(BytesParser(policy=policy.default).parsebytes(content, headersonly=True).get("Message-ID", "")).strip()
        with self.lock:
            if self._seen(message_id):  # a client resending after a lost acknowledgement: delivered once
                return "250 2.0.0 Message déjà reçu"
            count = sum(1 for _ in self.store.glob("*.eml")) + 1
            name = f"{received.strftime('%Y%m%dT%H%M%S')}-{count:05d}.eml"
            (self.store / name).write_bytes(content)
            entry = {"file": name, "received_at": received.isoformat(), "message_id": message_id,
                     "mail_from": envelope.mail_from,
                     "rcpt_tos": list(envelope.rcpt_tos), "client": _subject(session.ssl.get("peercert"))}
            with open(self.store / INDEX, "a", encoding="utf-8") as index:
                index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "250 2.0.0 Message accepté"


@dataclass(frozen=True)
class Received:
    entry: dict
    message: EmailMessage


def read_store(store: Path | str) -> list[Received]:
    """Every stored message, oldest first."""
    store = Path(store)
    index = store / INDEX
    if not index.exists():
        return []
    found = []
    for line in index.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        message = BytesParser(policy=policy.default).parsebytes((store / entry["file"]).read_bytes())
        found.append(Received(entry, message))
    return found


class Operator:
    def __init__(self, *, pki: Pki, store: Path | str, mailboxes: set[str], host: str = "127.0.0.1", port: int = 2587):
        self.pki, self.host, self.port = pki, host, port
        self.handler = Mailbox(Path(store), mailboxes)
        self.controller: Controller | None = None

    def up(self) -> Operator:
        self.controller = Controller(self.handler, hostname=self.host, port=self.port, tls_context=server_context(self.pki),
                                     require_starttls=True, server_hostname="localhost", ident="MSSante test operator")
        self.controller.start()
        return self

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[Received]:
        return read_store(self.handler.store)


def read_mailboxes(path: Path | str) -> set[str]:
    return {line.strip().lower() for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def serve(*, pki: Pki, store: Path, mailboxes: set[str], host: str, port: int) -> None:
    operator = Operator(pki=pki, store=store, mailboxes=mailboxes, host=host, port=port).up()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        operator.down()
