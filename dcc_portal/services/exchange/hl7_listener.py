"""The MLLP listener of the HL7 v2 feed (asyncio, the `hl7` package's MLLP streams) and the client that sends to it.

Each connection is read one framed message at a time; the message is handled in a worker thread, in its own
transaction, and its ACK written only after that transaction committed. A listener stopped (or killed) before the
commit leaves nothing stored and no ACK: the sender sends again, and the message is stored once. A bad frame or an
oversized message is answered AR and the listener keeps running; an unexpected error is answered AE (nothing stored).

With a TLS context (`tls_context`: the listener's certificate, and the CA of the senders' client certificates) the
listener speaks MLLP over TLS and requires a client certificate; a sender whose allow-list entry names a certificate
is heard only on a connection presenting that certificate's common name.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from concurrent.futures import ThreadPoolExecutor

from hl7.mllp import InvalidBlockError, open_hl7_connection, start_hl7_server
from sqlalchemy.exc import IntegrityError

from dcc_portal import db as dbmod
from dcc_portal.services.exchange import hl7_inbound
from dcc_portal.services.exchange import hl7_messages as messages
from dcc_portal.services.exchange.hl7_messages import Refused

logger = logging.getLogger("dcc_portal.hl7")
READ_LIMIT = hl7_inbound.MAX_MESSAGE_BYTES


def tls_context(*, cert: str, key: str, client_ca: str) -> ssl.SSLContext:
    """The listener's TLS: its certificate, and client certificates required, signed by `client_ca`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=client_ca)
    context.load_cert_chain(cert, key or None)
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def client_tls_context(*, ca: str, cert: str = "", key: str = "") -> ssl.SSLContext:
    """A sender's TLS: the CA of the listener's certificate, and the sender's own certificate."""
    context = ssl.create_default_context(cafile=ca or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert:
        context.load_cert_chain(cert, key or None)
    return context


def _peer_name(writer) -> str:
    subject = (writer.get_extra_info("peercert") or {}).get("subject", ())
    return next((value for part in subject for name, value in part if name == "commonName"), "")


class Listener:
    def __init__(self, *, senders: dict[str, hl7_inbound.Sender], db_url: str | None = None, workers: int = 4,
                 tls: ssl.SSLContext | None = None):
        self.senders = senders
        self.db_url = db_url
        self.tls = tls
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hl7")
        self.server: asyncio.AbstractServer | None = None

    def handle(self, raw: bytes, peer: str = "") -> str:
        """The ACK of one message, after its transaction committed."""
        for _attempt in range(3):
            try:
                with dbmod.transaction(self.db_url) as db:
                    result = hl7_inbound.receive(db, raw, senders=self.senders, peer=peer)
                logger.info("HL7 %s %s: %s", result.code, result.status, result.text)
                return result.ack
            except IntegrityError:
                continue  # the same control id committed meanwhile by another connection: answered as a replay
            except Exception:
                logger.exception("HL7 message not stored (answered AE)")
                break
        return messages.ack(_parsed_or_none(raw), "AE", "Erreur du portail : rien n'a été enregistré, renvoyez le message.")

    async def _client(self, reader, writer) -> None:
        loop = asyncio.get_running_loop()
        peer = _peer_name(writer)
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break
                except ValueError:
                    writer.writeblock(messages.ack(None, "AR", Refused("AR", "Message trop volumineux.").text).encode())
                    await writer.drain()
                    break
                except InvalidBlockError:
                    writer.writeblock(messages.ack(None, "AR", "Trame MLLP invalide (caractère de début absent).").encode())
                    await writer.drain()
                    continue
                logger.info("HL7 message received (%d bytes)", len(block))
                ack = await loop.run_in_executor(self._pool, self.handle, block, peer)
                writer.writeblock(ack.encode("utf-8"))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:
            logger.exception("HL7 connection closed after an unexpected error")
        finally:
            writer.close()

    async def start(self, host: str = "127.0.0.1", port: int = 2575) -> asyncio.AbstractServer:
        self.server = await start_hl7_server(self._client, host=host, port=port, limit=READ_LIMIT, ssl=self.tls)
        return self.server

    async def serve_until(self, stop: asyncio.Event, host: str = "127.0.0.1", port: int = 2575) -> None:
        server = await self.start(host, port)
        async with server:
            await stop.wait()
        self._pool.shutdown(wait=True)


def _parsed_or_none(raw: bytes):
    try:
        return messages.parse_message(raw.decode("utf-8"))
    except (Refused, UnicodeDecodeError):
        return None


def framed(text: str) -> bytes:
    """A message file's text as one HL7 message (segments separated by CR)."""
    return "\r".join(line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line).encode("utf-8")


async def send(host: str, port: int, payloads: list[bytes], *, timeout: float = 30.0,
               tls: ssl.SSLContext | None = None) -> list[str]:
    """Send messages one after the other on one connection (over TLS with `tls`); returns their ACKs."""
    reader, writer = await asyncio.wait_for(open_hl7_connection(
        host, port, limit=READ_LIMIT, ssl=tls, server_hostname=host if tls else None), timeout)
    acks = []
    try:
        for payload in payloads:
            writer.writeblock(payload)
            await writer.drain()
            acks.append((await asyncio.wait_for(reader.readblock(), timeout)).decode("utf-8"))
    finally:
        writer.close()
    return acks
