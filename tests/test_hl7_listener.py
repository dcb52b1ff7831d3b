"""The MLLP listener as an operator runs it (`python -m dcc_portal hl7-listener` on a free port): an ACK per message
on one connection, bad frames answered while it keeps running, and a listener killed between receipt and commit:
the message is either stored and acknowledged, or not acknowledged and then stored once when sent again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from dcc_portal import db as dbmod
from dcc_portal.models import Document, Hl7Message
from dcc_portal.peers import hl7_sender, mssante_pki
from dcc_portal.services.exchange import hl7_listener
from dcc_portal.services.exchange.hl7_messages import ack_code
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]
FACILITY = "CHU-TEST"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningListener:
    def __init__(self, db_url: str, data_dir: Path, senders: Path, extra: tuple[str, ...] = ()):
        self.port = free_port()
        env = {**os.environ, "REFLEX_DB_URL": db_url, "DCC_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dcc_portal", "hl7-listener", "--port", str(self.port), "--senders", str(senders),
             "--workers", "4", *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.wait_for(self.process.stdout, "Écoute HL7")

    def wait_for(self, stream, marker: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = stream.readline()
            if marker in line:
                return
            if not line and self.process.poll() is not None:
                raise AssertionError(f"listener exited: {self.process.stderr.read()}")
        raise AssertionError(f"no {marker!r} from the listener")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def world(db_url, tmp_path):
    engine = dbmod.get_engine(db_url)
    with Session(engine, expire_on_commit=False) as db:
        patient = f.patient(db, gp=f.professional(db, specialty="G15_10/SM54"))
        db.commit()
    senders = tmp_path / "senders.json"
    senders.write_text(json.dumps([{"facility": FACILITY, "max_bytes": 100_000}]))
    started = []

    def start(*extra: str) -> RunningListener:
        started.append(RunningListener(db_url, tmp_path / "data", senders, extra))
        return started[-1]

    yield patient, start, engine
    for listener in started:
        listener.stop()


def report(patient, control_id: str) -> bytes:
    return hl7_sender.message(control_id=control_id, facility=FACILITY, family=patient.birth_family_name,
                              given="Marie", birth=patient.birth_date, ins=patient.ins, document_ref=control_id).encode()


def stored(engine) -> tuple[int, int]:
    with Session(engine) as db:
        return (db.exec(select(func.count(Hl7Message.id))).one(), db.exec(select(func.count(Document.id))).one())


def send(port: int, *payloads: bytes) -> list[str]:
    return asyncio.run(hl7_listener.send("127.0.0.1", port, list(payloads), timeout=20))


def test_one_ack_per_message_and_bad_input_answered_without_stopping(world):
    patient, start, engine = world
    listener = start()
    acks = send(listener.port, report(patient, "L-1"), b"PID|pas de MSH", report(patient, "L-1"),
                report(patient, "L-2").replace(b"|2.5|", b"|2.4|"))
    assert [ack_code(ack)[0] for ack in acks] == ["AA", "AR", "AA", "AR"]
    assert acks[2] == acks[0]  # the replay
    assert "Version HL7 2.4" in ack_code(acks[3])[1]
    with socket.create_connection(("127.0.0.1", listener.port)) as raw:  # a frame without its start character
        raw.sendall(b"MSH|^~\\&|X\x1c\r")
        assert b"MSA|AR" in raw.recv(4096)
    assert ack_code(send(listener.port, report(patient, "L-3"))[0])[0] == "AA"
    assert stored(engine) == (2, 2)


async def _at_once(port: int, payload: bytes) -> list[str]:
    answers = await asyncio.gather(*(hl7_listener.send("127.0.0.1", port, [payload], timeout=20) for _ in range(3)))
    return [acks[0] for acks in answers]


def test_the_same_message_on_three_connections_at_once_is_stored_once_and_answered_alike(world):
    patient, start, engine = world
    listener = start()
    acks = asyncio.run(_at_once(listener.port, report(patient, "SAME-1")))
    assert ack_code(acks[0])[0] == "AA" and acks.count(acks[0]) == 3
    assert stored(engine) == (1, 1)


@contextmanager
def write_lock(engine):
    """Holds the database so that the listener's transaction cannot commit (SQLite: the write lock; PostgreSQL: the
    messages table)."""
    with Session(engine) as db:
        if engine.dialect.name == "postgresql":
            db.execute(text("LOCK TABLE hl7_message IN EXCLUSIVE MODE"))
        else:
            db.execute(text("SELECT 1"))  # the connection begins IMMEDIATE: it holds the write lock
        yield
        db.rollback()


def test_killed_before_commit_nothing_is_stored_nor_acknowledged_and_the_resend_is_stored_once(world):
    patient, start, engine = world
    listener = start()
    with write_lock(engine):
        sender = socket.create_connection(("127.0.0.1", listener.port))
        sender.sendall(b"\x0b" + report(patient, "K-1") + b"\x1c\r")
        listener.wait_for(listener.process.stderr, "HL7 message received")
        listener.kill()
        sender.settimeout(5)
        assert sender.recv(4096) == b""  # the connection closed without an ACK
        sender.close()
    assert stored(engine) == (0, 0)
    again = start()
    first = send(again.port, report(patient, "K-1"))[0]
    assert ack_code(first)[0] == "AA"
    assert send(again.port, report(patient, "K-1"))[0] == first
    assert stored(engine) == (1, 1)


def test_killed_after_commit_the_resend_gets_the_stored_ack_and_nothing_twice(world):
    patient, start, engine = world
    listener = start()
    sender = socket.create_connection(("127.0.0.1", listener.port))
    sender.sendall(b"\x0b" + report(patient, "K-2") + b"\x1c\r")  # its ACK is never read
    deadline = time.monotonic() + 30
    while stored(engine) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    listener.kill()
    sender.close()
    with Session(engine) as db:
        kept = db.exec(select(Hl7Message.ack)).one()
    again = start()
    assert send(again.port, report(patient, "K-2"))[0] == kept
    assert stored(engine) == (1, 1)


def test_over_tls_only_the_certificate_named_for_the_facility_is_heard(world, tmp_path):
    patient, start, engine = world
    pki = mssante_pki.ensure(tmp_path / "pki")  # a test CA, the listener's certificate (localhost) and a client's
    lab = mssante_pki.issue_client(pki, "labo-chu-test", out=(tmp_path / "lab.pem", tmp_path / "lab.key"))
    other = mssante_pki.issue_client(pki, "autre-systeme", out=(tmp_path / "other.pem", tmp_path / "other.key"))
    (tmp_path / "senders.json").write_text(json.dumps([{"facility": FACILITY, "certificate": "labo-chu-test"}]))
    server_cert, server_key = pki.server
    listener = start("--tls-cert", str(server_cert), "--tls-key", str(server_key), "--tls-ca", str(pki.ca))

    def over_tls(payload: bytes, cert: tuple[Path, Path] | None) -> list[str]:
        tls = hl7_listener.client_tls_context(ca=str(pki.ca), cert=str(cert[0]) if cert else "",
                                              key=str(cert[1]) if cert else "")
        return asyncio.run(hl7_listener.send("localhost", listener.port, [payload], timeout=20, tls=tls))

    assert ack_code(over_tls(report(patient, "T-1"), lab)[0])[0] == "AA"
    code, said = ack_code(over_tls(report(patient, "T-2"), other)[0])  # a valid certificate, not this facility's
    assert code == "AR" and "autre-systeme" in said
    for refused in (lambda: over_tls(report(patient, "T-3"), None), lambda: send(listener.port, report(patient, "T-4"))):
        with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError, TimeoutError)):
            refused()  # no client certificate, or no TLS at all: no session, no ACK
    assert stored(engine) == (1, 1)
