"""E-mail notifications end to end against a real SMTP server started on localhost (aiosmtpd): opt-in, queued with
the notification, sent by the worker with retries, and never a clinical detail in the message. Time is an
injectable clock; nothing sleeps for the backoff."""

from __future__ import annotations

import email
import email.policy
import os
import random
import socket
import subprocess
import sys
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    CancerDiagnosis,
    MailMessage,
    MailStatus,
    Notification,
)
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.exchange.mail_worker import MailConfig, MailWorker
from dcc_portal.services.record import mail, pathway, reports
from tests.pathway_builders import team
from tests.sharing_fixtures import ROOT, Clock

PUBLIC_URL = "https://dcc.onco-test.example.org"
DOCUMENT_TITLE = "Biopsie du sein gauche : carcinome canalaire"
DIAGNOSIS = "Tumeur maligne du quadrant supéro-externe du sein"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping what it accepts; `refuse` answers 550 to every recipient."""

    def __init__(self, refuse: bool = False):
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int, handler: Inbox):
        self.port, self.handler = port, handler
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    servers: list[SmtpServer] = []

    def make(*, refuse: bool = False, port: int | None = None, start: bool = True) -> SmtpServer:
        server = SmtpServer(port or free_port(), Inbox(refuse=refuse))
        if start:
            server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    monkeypatch.setenv("DCC_PUBLIC_URL", PUBLIC_URL)


def config(port: int, **changes) -> MailConfig:
    values = dict(host="127.0.0.1", port=port, starttls=False, sender="DCC Portal <no-reply@dcc.onco-test.example.org>",
                  timeout=5.0, retry_base=60.0, retry_max=3600.0)
    values.update(changes)
    return MailConfig(**values)


def worker(db_url: str, port: int, clock: Clock | None = None, *, name: str = "", **changes) -> MailWorker:
    return MailWorker(config(port, **changes), db_url=db_url, clock=clock or Clock(), rng=random.Random(3), name=name)


def opted_in_world(db: Session):
    """A patient with a diagnosis and a care team; the médecin traitant turned e-mails on."""
    t = team(db)
    gp_account = db.get(Account, t.gp.account_id)
    gp_account.email = "dr.durand@cabinet.example.org"
    db.add(CancerDiagnosis(patient_id=t.patient.id, icd10_code="C50.4", icd10_label=DIAGNOSIS))
    mail.set_preference(db, actor=t.gp, enabled=True)
    db.flush()
    return t


def share_a_report(db: Session, t) -> str:
    return reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id, values={
        "kind": "consultation", "service_date": formatting.paris_today().isoformat(), "title": DOCUMENT_TITLE,
        "establishment": "Institut Test", "conclusion": "Chimiothérapie.", "body": "Patiente vue.", "validate": "on"})


def messages(db_url: str) -> list[MailMessage]:
    with dbmod.transaction(db_url) as session:
        return list(session.exec(select(MailMessage).order_by(MailMessage.id)).all())


def assert_no_clinical_detail(message: Message, t) -> None:
    patient = t.patient
    text = message["Subject"] + "\n" + message.get_content()
    for secret in (patient.birth_family_name, patient.first_names, patient.first_names.split()[0], patient.ins,
                   formatting.ins_display(patient.ins), patient.local_id, DIAGNOSIS, "C50", DOCUMENT_TITLE, "sein",
                   "carcinome", "Consultation d'oncologie"):
        assert secret.lower() not in text.lower(), secret


def test_the_message_arrives_with_a_link_and_no_clinical_detail(db: Session, db_url, smtp):
    t = opted_in_world(db)
    share_a_report(db, t)
    db.commit()
    [queued] = messages(db_url)  # queued in the transaction that created the notification
    with dbmod.transaction(db_url) as session:
        notification = session.get(Notification, queued.notification_id)
        assert notification.account_id == t.gp.account_id and queued.status == MailStatus.PENDING

    server = smtp()
    sender = worker(db_url, server.port)
    assert [r.outcome for r in sender.run_once()] == ["sent"]
    assert sender.run_once() == []  # sent once
    [(recipients, message)] = server.handler.messages
    assert recipients == ["dr.durand@cabinet.example.org"]
    assert message["Subject"] == "DCC Portal : une nouvelle information vous attend"
    assert message["From"] == "DCC Portal <no-reply@dcc.onco-test.example.org>"
    assert message["Message-ID"] == f"<{queued.public_id}@dcc.onco-test.example.org>"
    assert f"{PUBLIC_URL}/notifications" in message.get_content()
    assert_no_clinical_detail(message, t)
    [sent] = messages(db_url)
    assert sent.status == MailStatus.SENT and sent.sent_at is not None and sent.attempts == 1


def test_smtp_down_then_up_delivers_after_the_retry(db: Session, db_url, smtp):
    t = opted_in_world(db)
    share_a_report(db, t)
    db.commit()
    port = free_port()
    clock = Clock()
    sender = worker(db_url, port, clock)

    [first] = sender.run_once()  # nobody listens on the port
    assert first.outcome == "retry" and "injoignable" in first.detail
    [waiting] = messages(db_url)
    delay = (waiting.next_attempt_at - clock.now).total_seconds()
    assert waiting.status == MailStatus.RETRYING and 30 <= delay <= 60  # between half and all of the base
    assert sender.run_once() == []  # not due yet

    server = smtp(port=port)  # the server comes back
    clock.advance(delay + 1)
    assert [r.outcome for r in sender.run_once()] == ["sent"]
    assert len(server.handler.messages) == 1
    [sent] = messages(db_url)
    assert sent.status == MailStatus.SENT and sent.attempts == 2 and sent.last_error == ""
    assert_no_clinical_detail(server.handler.messages[0][1], t)


def test_a_refused_address_fails_for_good(db: Session, db_url, smtp):
    t = opted_in_world(db)
    share_a_report(db, t)
    db.commit()
    server = smtp(refuse=True)
    [result] = worker(db_url, server.port).run_once()
    assert result.outcome == "failed" and "550" in result.detail
    [failed] = messages(db_url)
    assert failed.status == MailStatus.FAILED and failed.next_attempt_at is None


def test_a_message_held_by_a_dead_worker_is_sent_once_its_lease_is_over(db: Session, db_url, smtp):
    t = opted_in_world(db)
    share_a_report(db, t)
    db.commit()
    server = smtp()
    clock = Clock()
    crashed = worker(db_url, server.port, clock, name="crashed")
    taken = crashed.claim(clock.now)  # then the process dies before sending
    assert taken is not None
    rescuer = worker(db_url, server.port, clock, name="rescuer")
    assert rescuer.run_once() == []  # still leased
    clock.advance(crashed.config.lease_seconds + 1)
    assert [r.outcome for r in rescuer.run_once()] == ["sent"]
    assert len(server.handler.messages) == 1
    # the first worker wakes up and tries to record: its lease is gone, nothing is overwritten
    assert crashed.process(taken, clock.now).outcome == "lost_lease"
    assert messages(db_url)[0].status == MailStatus.SENT


def test_off_by_default_one_message_waiting_at_a_time_and_an_address_is_needed(db: Session):
    t = team(db)
    share_a_report(db, t)
    assert db.exec(select(MailMessage)).all() == []  # nobody opted in
    with pytest.raises(ValidationFailed) as refused:
        mail.set_preference(db, actor=t.gp, enabled=True)  # no address on file
    assert "adresse" in refused.value.errors["email_notifications"]
    db.get(Account, t.gp.account_id).email = "dr@cabinet.example.org"
    assert mail.set_preference(db, actor=t.gp, enabled=True).enabled
    share_a_report(db, t)
    pathway.record_milestone(db, actor=t.clinician, patient_public_id=t.patient.public_id, kind="treatment_start",
                             occurred_on=formatting.paris_today().isoformat())
    [waiting] = db.exec(select(MailMessage)).all()  # the second notification rides on the first message
    waiting.status = MailStatus.SENT
    db.add(waiting)
    share_a_report(db, t)
    assert len(db.exec(select(MailMessage)).all()) == 2
    assert not mail.set_preference(db, actor=t.gp, enabled=False).enabled
    share_a_report(db, t)
    assert len(db.exec(select(MailMessage)).all()) == 2


def test_the_worker_runs_alone_from_the_command_line(db: Session, db_url, smtp, tmp_path):
    t = opted_in_world(db)
    share_a_report(db, t)
    db.commit()
    server = smtp()
    env = {**os.environ, "REFLEX_DB_URL": db_url, "DCC_SMTP_HOST": "127.0.0.1", "DCC_SMTP_PORT": str(server.port),
           "DCC_SMTP_STARTTLS": "0", "DCC_MAIL_FROM": "DCC Portal <no-reply@dcc.onco-test.example.org>",
           "DCC_PUBLIC_URL": PUBLIC_URL}
    done = subprocess.run([sys.executable, "-m", "dcc_portal", "mail-worker", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 courriel(s) traité(s)." in done.stdout
    assert len(server.handler.messages) == 1
    assert_no_clinical_detail(server.handler.messages[0][1], t)
