"""The local MSSanté operator's IMAP4rev1 service (RFC 3501, the part a mail client needs to read and flag its
messages), over STARTTLS with the client certificate, as the MSSanté client interface asks of an operator.

- Before STARTTLS nothing but CAPABILITY, NOOP, STARTTLS and LOGOUT is answered; the handshake requires a client
  certificate signed by the test CA.
- AUTHENTICATE EXTERNAL (RFC 4422): the client names the mailbox it acts for; the certificate's common name must own
  it (`owners`). There is no password login.
- One folder, INBOX: SELECT / EXAMINE, UID SEARCH (ALL, UNSEEN, SEEN), UID FETCH (BODY[], BODY.PEEK[], RFC822, FLAGS,
  UID), UID STORE ±FLAGS (\\Seen), CLOSE. The UIDs are the lines of the operator's index; \\Seen flags are kept in
  seen.json next to it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading

SEEN = "seen.json"
COMMAND = re.compile(r"^(\S+) (\S+)(?: (.*))?$")


def common_name(peercert: dict | None) -> str:
    return next((value for part in (peercert or {}).get("subject", ()) for key, value in part if key == "commonName"), "")


class _Client:
    def __init__(self, server: ImapServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.server, self.reader, self.writer = server, reader, writer
        self.tls = False
        self.mailbox = ""  # after AUTHENTICATE
        self.selected = False
        self.read_only = False

    async def send(self, line: str | bytes) -> None:
        self.writer.write((line.encode() if isinstance(line, str) else line) + b"\r\n")
        await self.writer.drain()

    def capabilities(self) -> str:
        return "IMAP4rev1 AUTH=EXTERNAL" if self.tls else "IMAP4rev1 STARTTLS LOGINDISABLED"

    async def run(self) -> None:
        await self.send(f"* OK [CAPABILITY {self.capabilities()}] Opérateur MSSanté de test prêt")
        while line := await self.reader.readline():
            found = COMMAND.match(line.decode("utf-8", "replace").rstrip("\r\n"))
            if not found:
                await self.send("* BAD Commande illisible")
                continue
            tag, command, arguments = found.group(1), found.group(2).upper(), found.group(3) or ""
            if not await self.dispatch(tag, command, arguments):
                return

    async def dispatch(self, tag: str, command: str, arguments: str) -> bool:
        if command == "LOGOUT":
            await self.send("* BYE Au revoir")
            await self.send(f"{tag} OK LOGOUT terminé")
            return False
        if command == "CAPABILITY":
            await self.send(f"* CAPABILITY {self.capabilities()}")
            await self.send(f"{tag} OK CAPABILITY terminé")
        elif command == "NOOP":
            await self.send(f"{tag} OK NOOP terminé")
        elif command == "STARTTLS" and not self.tls:
            await self.send(f"{tag} OK Début de la négociation TLS")
            try:
                await self.writer.start_tls(self.server.context)
            except (OSError, ConnectionError):  # no certificate, or one from another CA
                return False
            self.tls = True
        elif not self.tls:
            await self.send(f"{tag} NO [PRIVACYREQUIRED] STARTTLS exigé")
        elif command == "AUTHENTICATE":
            await self.authenticate(tag, arguments)
        elif not self.mailbox:
            await self.send(f"{tag} NO Authentification exigée")
        elif command in ("SELECT", "EXAMINE"):
            await self.select(tag, command, arguments)
        elif command == "UID" and self.selected:
            await self.uid(tag, arguments)
        elif command == "CLOSE" and self.selected:
            self.selected = False
            await self.send(f"{tag} OK CLOSE terminé")
        else:
            await self.send(f"{tag} BAD Commande non prise en charge")
        return True

    async def authenticate(self, tag: str, arguments: str) -> None:
        if arguments.strip().upper() != "EXTERNAL":
            await self.send(f"{tag} NO Seul le mécanisme EXTERNAL (certificat) est accepté")
            return
        await self.send("+ ")
        answer = (await self.reader.readline()).strip()
        try:
            wanted = base64.b64decode(answer, validate=True).decode().strip().lower()
        except ValueError:
            await self.send(f"{tag} BAD Réponse illisible")
            return
        peer = common_name(self.writer.get_extra_info("peercert"))
        owned = self.server.owners.get(peer, set())
        if not wanted and len(owned) == 1:
            wanted = next(iter(owned))
        if wanted not in owned:
            await self.send(f"{tag} NO [AUTHORIZATIONFAILED] Ce certificat n'ouvre pas la boîte {wanted or '(aucune)'}")
            return
        self.mailbox = wanted
        await self.send(f"{tag} OK Authentifié pour {wanted}")

    def messages(self) -> list[tuple[int, dict]]:
        return self.server.handler.mailbox(self.mailbox)

    async def select(self, tag: str, command: str, arguments: str) -> None:
        if arguments.strip().strip('"').upper() != "INBOX":
            await self.send(f"{tag} NO Dossier inconnu")
            return
        found = self.messages()
        seen = self.server.seen(self.mailbox)
        self.selected, self.read_only = True, command == "EXAMINE"
        await self.send(f"* {len(found)} EXISTS")
        await self.send("* 0 RECENT")
        await self.send("* FLAGS (\\Seen)")
        unseen = next((number for number, (uid, _) in enumerate(found, start=1) if uid not in seen), None)
        if unseen:
            await self.send(f"* OK [UNSEEN {unseen}] Premier message non lu")
        await self.send("* OK [UIDVALIDITY 1] UID valides")
        await self.send(f"* OK [UIDNEXT {(found[-1][0] if found else 0) + 1}] UID suivant prédit")
        mode = "READ-ONLY" if self.read_only else "READ-WRITE"
        await self.send(f"{tag} OK [{mode}] {command} terminé")

    async def uid(self, tag: str, arguments: str) -> None:
        verb, _, rest = arguments.partition(" ")
        verb = verb.upper()
        found = self.messages()
        seen = self.server.seen(self.mailbox)
        if verb == "SEARCH":
            criterion = rest.strip().upper() or "ALL"
            if criterion not in ("ALL", "UNSEEN", "SEEN"):
                await self.send(f"{tag} BAD Critère de recherche non pris en charge")
                return
            uids = [uid for uid, _ in found if criterion == "ALL" or (uid in seen) == (criterion == "SEEN")]
            await self.send("* SEARCH" + "".join(f" {uid}" for uid in uids))
        elif verb == "FETCH":
            wanted, _, items = rest.partition(" ")
            for number, (uid, entry) in enumerate(found, start=1):
                if _in_set(uid, wanted, found):
                    await self.fetch(number, uid, entry, items.upper(), seen)
        elif verb == "STORE" and not self.read_only:
            wanted, _, change = rest.partition(" ")
            operation, _, flags = change.partition(" ")
            uids = {uid for uid, _ in found if _in_set(uid, wanted, found)}
            if "\\SEEN" in flags.upper():
                self.server.flag(self.mailbox, uids, operation.upper().startswith("+"))
            seen = self.server.seen(self.mailbox)
            if ".SILENT" not in operation.upper():
                for number, (uid, _) in enumerate(found, start=1):
                    if uid in uids:
                        await self.send(f"* {number} FETCH (UID {uid} FLAGS ({_flags(uid, seen)}))")
        else:
            await self.send(f"{tag} BAD UID {verb} non pris en charge")
            return
        await self.send(f"{tag} OK UID {verb} terminé")

    async def fetch(self, number: int, uid: int, entry: dict, items: str, seen: set[int]) -> None:
        parts = [f"UID {uid}"]
        if "FLAGS" in items:
            parts.append(f"FLAGS ({_flags(uid, seen)})")
        if not any(name in items for name in ("BODY[]", "BODY.PEEK[]", "RFC822")):
            await self.send(f"* {number} FETCH ({' '.join(parts)})")
            return
        content = (self.server.handler.store / entry["file"]).read_bytes()
        name = "RFC822" if "RFC822" in items and "BODY" not in items else "BODY[]"
        head = f"* {number} FETCH ({' '.join(parts)} {name} {{{len(content)}}}".encode()
        self.writer.write(head + b"\r\n" + content + b")\r\n")
        await self.writer.drain()
        if "PEEK" not in items and not self.read_only:
            self.server.flag(self.mailbox, {uid}, True)


def _flags(uid: int, seen: set[int]) -> str:
    return "\\Seen" if uid in seen else ""


def _in_set(uid: int, wanted: str, found: list[tuple[int, dict]]) -> bool:
    """Whether `uid` is in an IMAP UID set such as 4, 2:7, 5:* or 1,3."""
    last = found[-1][0] if found else 0
    for piece in wanted.split(","):
        low, _, high = piece.partition(":")
        try:
            low_uid = last if low == "*" else int(low)
            high_uid = low_uid if not high else (last if high == "*" else int(high))
        except ValueError:
            continue
        if min(low_uid, high_uid) <= uid <= max(low_uid, high_uid):
            return True
    return False


class ImapServer:
    """Serves the operator's mailboxes (its handler's `store` and `mailbox(address)`) from its own thread and loop."""

    def __init__(self, handler, *, context, owners: dict[str, set[str]], host: str, port: int):
        self.handler, self.context, self.owners, self.host, self.port = handler, context, owners, host, port
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def seen(self, mailbox: str) -> set[int]:
        path = self.handler.store / SEEN
        with self.lock:
            flags = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return set(flags.get(mailbox, []))

    def flag(self, mailbox: str, uids: set[int], on: bool) -> None:
        path = self.handler.store / SEEN
        with self.lock:
            flags = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            current = set(flags.get(mailbox, []))
            flags[mailbox] = sorted(current | uids if on else current - uids)
            path.write_text(json.dumps(flags), encoding="utf-8")

    async def _serve(self, ready: threading.Event) -> None:
        async def client(reader, writer):
            try:
                await _Client(self, reader, writer).run()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(client, self.host, self.port)
        ready.set()
        async with self.server:
            await self.server.serve_forever()

    def start(self) -> ImapServer:
        ready = threading.Event()
        self.loop = asyncio.new_event_loop()

        failed: list[OSError] = []

        def run():
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(self._serve(ready))
            except asyncio.CancelledError:
                pass
            except OSError as error:
                if ready.is_set():
                    raise
                failed.append(error)  # the port could not be bound: said at once to whoever starts the server
                ready.set()

        self.thread = threading.Thread(target=run, name="mssante-imap", daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("le service IMAP de l'opérateur de test n'a pas démarré")
        if failed:
            raise failed[0]
        return self

    def stop(self) -> None:
        if self.loop is None:
            return

        def close():
            self.server.close()
            for task in asyncio.all_tasks(self.loop):
                task.cancel()

        self.loop.call_soon_threadsafe(close)
        self.thread.join(10)
        self.loop.close()
        self.loop = None
