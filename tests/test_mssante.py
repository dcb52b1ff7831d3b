"""MSSanté: documents addressed to the médecin traitant and correspondents, sent over SMTP with STARTTLS and mutual
TLS to the local operator (peers/mssante_operator.py), which stores what it accepts."""

from __future__ import annotations

import imaplib
import io
import random
import smtplib
import socket
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import (
    AuditAction,
    AuditEvent,
    AuditOutcome,
    GpConsent,
    MailStatus,
    MssAddress,
    MssMessage,
    RcpCase,
    RcpCorrespondent,
    Role,
    utcnow,
)
from dcc_portal.peers import mssante_pki, mssante_reports
from dcc_portal.peers.mssante_operator import Operator
from dcc_portal.services.access import audit_log
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.exchange import cda_n1, mssante, xdm
from dcc_portal.services.exchange import mssante_directory as mss_directory
from dcc_portal.services.exchange import mssante_inbox
from dcc_portal.services.exchange.mssante_inbox import MssInbox, Notice
from dcc_portal.services.exchange.mssante_config import MssConfig, client_context
from dcc_portal.services.exchange.mssante_worker import MssWorker
from dcc_portal.services.rcp import correspondents as rcp_correspondents
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import sitting as rcp_sitting
from dcc_portal.services.record import documents
from tests import factories, pps_world, test_rcp
from tests.pps_world import world  # noqa: F401 - fixture
from tests.servers import free_port, mssante_operator
from tests.sharing_fixtures import Clock, Team, pdf_bytes

GP = "claire.durand@medecin.mssante.fr"
SECRETARIAT = "secretariat.oncologie@chu-test.mssante.fr"
CLOSED = "ancien.cabinet@medecin.mssante.fr"  # in the portal's directory, unknown to the operator
FULL = "cabinet.sature@medecin.mssante.fr"  # known to the operator, but its mailbox cannot take the message
PORTAL = "dcc@onco-test.mssante.fr"  # the sending mailbox, where the notifications come back
GP_CLIENT = "Dr Claire Durand, client de messagerie"  # the common name of the GP's certificate


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return mssante_pki.ensure(tmp_path_factory.mktemp("mss-pki"))


@pytest.fixture
def operator(pki, tmp_path):
    owners = {mssante_pki.common_name_of(pki.client[0]): {PORTAL}, GP_CLIENT: {GP}}
    peer = mssante_operator(pki=pki, store=tmp_path / "received", mailboxes={GP, SECRETARIAT, FULL, PORTAL},
                            full={FULL}, owners=owners)
    yield peer
    peer.down()


def config(pki, port: int, **changes) -> MssConfig:
    cert, key = pki.client
    values = dict(host="127.0.0.1", port=port, cert=str(cert), key=str(key), ca=str(pki.ca), timeout=5.0,
                  sender=f"DCC ONCO-TEST <{PORTAL}>")
    return MssConfig(**(values | changes))


def worker(db_url, pki, port, clock=None, **changes) -> MssWorker:
    return MssWorker(config(pki, port, **changes), db_url=db_url, clock=clock or Clock(), rng=random.Random(5))


def directory(db: Session, t: Team) -> None:
    mss_directory.set_address(db, actor=t.admin_actor, address=GP, professional_public_id=t.gp.public_id)
    mss_directory.set_address(db, actor=t.admin_actor, address=SECRETARIAT, organisation_public_id=t.org.public_id,
                        label="Secrétariat d'oncologie")


def rows(db_url) -> list[MssMessage]:
    with dbmod.transaction(db_url) as session:
        return list(session.exec(select(MssMessage).order_by(MssMessage.id)).all())


def sent_report(db: Session) -> tuple[Team, str]:
    t = Team(db)
    directory(db, t)
    document, _ = t.report(db)
    db.commit()
    return t, document.public_id


def test_a_validated_report_reaches_the_medecin_traitant_with_a_valid_xdm_and_pdf(db: Session, db_url, pki, operator):
    t, document_id = sent_report(db)
    [offered] = mssante.default_recipients(db, actor=t.oncologist_actor, document_public_id=document_id)
    assert offered.address == GP and offered.preselected and "médecin traitant" in offered.label
    assert mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP, SECRETARIAT]) == [GP, SECRETARIAT]
    assert mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP]) == []  # idempotent
    db.commit()

    results = worker(db_url, pki, operator.port).run_once()
    assert [r.outcome for r in results] == ["sent", "sent"]
    received = operator.messages()
    assert sorted(r.entry["rcpt_tos"][0] for r in received) == [GP, SECRETARIAT]
    assert all("dcc-portal.onco-demo.test" in r.entry["client"] for r in received)  # the application's certificate
    message = next(r.message for r in received if r.entry["rcpt_tos"] == [GP])
    text = message["Subject"] + message.get_body(("plain",)).get_content()
    for secret in (t.patient.birth_family_name, t.patient.ins, "Scanner", "thoraco"):
        assert secret.lower() not in text.lower()
    parts = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    archive = zipfile.ZipFile(io.BytesIO(parts["IHE_XDM.ZIP"]))
    assert {"README.TXT", "INDEX.HTM", "IHE_XDM/SUBSET01/METADATA.XML", "IHE_XDM/SUBSET01/DOC0001.XML"} <= set(archive.namelist())
    assert xdm.schema_errors(archive.read("IHE_XDM/SUBSET01/METADATA.XML")) == []
    cda = archive.read("IHE_XDM/SUBSET01/DOC0001.XML")
    assert cda_n1.validate(cda).ok
    pdf = next(content for name, content in parts.items() if name.endswith(".pdf"))
    assert pdf.startswith(b"%PDF-")
    assert message["X-MSS-CODECDA"] and message["X-MSS-CODECDA"].encode() in cda
    assert message["X-MSS-INS"] == "O"

    statuses = mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id).items
    assert {s.status_label for s in statuses} == {"Envoyé"}
    details = db.exec(select(AuditEvent.detail).where(AuditEvent.patient_id == t.patient.id)).all()
    assert sum("adressé à" in detail and GP in detail for detail in details) == 1  # the sender's act
    assert any("remis à l'opérateur" in detail for detail in details)  # the delivery
    db.commit()
    purposes = [row.purpose for row in audit_log.access_log(db, actor=t.patient_actor).items]
    assert "Document adressé à un professionnel par messagerie sécurisée" in purposes  # the patient sees it


def test_an_operator_whose_imap_port_is_taken_says_so_and_frees_its_smtp_port(pki, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        smtp_port = free_port()
        peer = Operator(pki=pki, store=tmp_path / "received", mailboxes={GP}, port=smtp_port,
                        imap_port=taken.getsockname()[1])
        with pytest.raises(OSError):
            peer.up()
    assert peer.controller is None and peer.imap is None
    with socket.socket() as again:  # as a server binds: only a socket still listening there would refuse it
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", smtp_port))
        again.listen()


@pytest.mark.parametrize("which", ["none", "other_ca"])
def test_a_client_without_a_certificate_of_the_trusted_ca_is_refused(db: Session, db_url, pki, operator, tmp_path, which):
    t, document_id = sent_report(db)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP])
    db.commit()
    if which == "none":
        changes = {"cert": "", "key": ""}
    else:
        stranger = mssante_pki.ensure(tmp_path / "stranger")
        changes = {"cert": str(stranger.client[0]), "key": str(stranger.client[1])}
    [result] = worker(db_url, pki, operator.port, **changes).run_once()
    assert result.outcome == "retry"
    assert operator.messages() == []
    assert rows(db_url)[0].status == MailStatus.RETRYING


def test_an_unknown_recipient_is_refused_and_reported_to_the_sender(db: Session, db_url, pki, operator):
    t, document_id = sent_report(db)
    mss_directory.set_address(db, actor=t.admin_actor, address=CLOSED, professional_public_id=t.oncologist.public_id)
    mssante.send(db, actor=t.secretary_actor, document_public_id=document_id, addresses=[CLOSED])
    db.commit()
    [result] = worker(db_url, pki, operator.port).run_once()
    assert result.outcome == "failed" and "550" in result.detail
    [status] = mssante.sendings(db, actor=t.secretary_actor, document_public_id=document_id).items
    assert status.status_label == "Refusé par l'opérateur" and "inconnue" in status.detail and status.resendable
    mssante.resend(db, actor=t.secretary_actor, message_public_id=status.public_id)
    db.commit()
    assert rows(db_url)[0].status == MailStatus.PENDING


def _gp_reads_and_acknowledges(pki, operator, tmp_path) -> None:
    """The GP's own mail client: opens its mailbox over IMAP with the GP's certificate, reads the message and sends
    the read notification the message asked for, through the operator."""
    cert, key = mssante_pki.issue_client(pki, GP_CLIENT, out=(tmp_path / "gp.pem", tmp_path / "gp.key"))
    gp_config = MssConfig(host="127.0.0.1", port=operator.port, cert=str(cert), key=str(key), ca=str(pki.ca), timeout=5.0)
    with imaplib.IMAP4("127.0.0.1", operator.imap_port, timeout=5) as imap:
        imap.starttls(client_context(gp_config))
        imap.authenticate("EXTERNAL", lambda _: GP.encode())
        imap.select("INBOX")
        [uid] = imap.uid("SEARCH", None, "UNSEEN")[1][0].split()
        original = imap.uid("FETCH", uid, "(BODY[])")[1][0][1]
    receipt = mssante_reports.read_receipt(original=original, reader=GP)
    with smtplib.SMTP("127.0.0.1", operator.port, timeout=5) as smtp:
        smtp.starttls(context=client_context(gp_config))
        smtp.sendmail(GP, [PORTAL], receipt)


def test_delivery_and_read_notifications_come_back_to_the_senders_board_once(db: Session, db_url, pki, operator, tmp_path):
    t, document_id = sent_report(db)
    mss_directory.set_address(db, actor=t.admin_actor, address=FULL, professional_public_id=t.oncologist.public_id)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP, FULL])
    db.commit()
    assert [r.outcome for r in worker(db_url, pki, operator.port).run_once()] == ["sent", "sent"]
    inbox = MssInbox(config(pki, operator.port, imap_port=operator.imap_port), db_url=db_url)
    ids = {row.to_address: row.public_id for row in rows(db_url)}
    assert sorted(inbox.run_once(), key=lambda n: n.recipient) == [
        Notice(ids[FULL], FULL, "failed", "boîte aux lettres du destinataire pleine (552 5.2.2 Mailbox full)"), Notice(ids[GP], GP, "delivered")]
    board = {s.address: s for s in mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id).items}
    assert board[GP].status_label == "Remis" and not board[GP].resendable
    assert board[FULL].status_label == "Non remis" and "pleine" in board[FULL].detail and board[FULL].resendable
    db.commit()

    _gp_reads_and_acknowledges(pki, operator, tmp_path)
    assert inbox.run_once() == [Notice(ids[GP], GP, "read")]
    assert inbox.run_once() == []  # every notice read once
    board = {s.address: s for s in mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id).items}
    assert board[GP].status_label == "Lu" and "Ouvert par le destinataire" in board[GP].detail
    details = db.exec(select(AuditEvent.detail).where(AuditEvent.patient_id == t.patient.id)).all()
    assert sum("ouvert par" in detail for detail in details) == 1 and sum("non remis" in detail for detail in details) == 1
    with pytest.raises(ValidationFailed):
        mssante.resend(db, actor=t.oncologist_actor, message_public_id=ids[GP])
    mssante.resend(db, actor=t.oncologist_actor, message_public_id=ids[FULL])  # a new message, which the operator takes
    db.commit()
    again = next(row for row in rows(db_url) if row.to_address == FULL)
    assert again.status == MailStatus.PENDING and again.public_id != ids[FULL] and again.delivery == ""

    outsider = config(pki, operator.port, imap_port=operator.imap_port, cert=str(tmp_path / "gp.pem"),
                      key=str(tmp_path / "gp.key"))
    assert MssInbox(outsider, db_url=db_url).run_once() == []  # the GP's certificate does not open the portal's mailbox


def test_a_notice_read_by_two_processes_at_once_is_recorded_and_audited_once(db: Session, db_url, pki, operator):
    # The row lock is what serialises them on PostgreSQL; on SQLite every transaction already waits at its start.
    t, document_id = sent_report(db)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP])
    db.commit()
    worker(db_url, pki, operator.port).run_once()
    [sending] = rows(db_url)
    notice = Notice(sending.public_id, GP, "read")
    second: list[bool] = []
    with dbmod.transaction(db_url) as first:
        assert mssante_inbox.apply(first, notice, now=utcnow())
        other = threading.Thread(target=lambda: second.append(_apply_alone(db_url, notice)))
        other.start()
        other.join(0.5)
        assert other.is_alive()  # waits for the first to commit
    other.join(10)
    assert second == [False]
    details = db.exec(select(AuditEvent.detail).where(AuditEvent.patient_id == t.patient.id)).all()
    assert sum("ouvert par" in detail for detail in details) == 1


def _apply_alone(db_url, notice) -> bool:
    with dbmod.transaction(db_url) as db:
        return mssante_inbox.apply(db, notice, now=utcnow())


def test_a_down_operator_is_retried_and_later_succeeds(db: Session, db_url, pki, operator):
    t, document_id = sent_report(db)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP])
    db.commit()
    operator.down()
    clock = Clock()
    sender = worker(db_url, pki, operator.port, clock)
    [first] = sender.run_once()
    assert first.outcome == "retry"
    [waiting] = mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id).items
    assert waiting.status_label == "En attente (nouvel essai prévu)"
    db.commit()
    assert sender.run_once() == []  # not due yet
    operator.up()
    clock.advance(3600)
    [second] = sender.run_once()
    assert second.outcome == "sent"
    assert len(operator.messages()) == 1


def test_a_crash_between_the_operator_acceptance_and_its_record_delivers_once(db: Session, db_url, pki, operator):
    t, document_id = sent_report(db)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP])
    db.commit()
    clock = Clock()
    crashed = worker(db_url, pki, operator.port, clock)
    row_id = crashed.claim(clock())
    with dbmod.transaction(db_url) as session:
        message, _ = crashed.prepare(session, session.get(MssMessage, row_id))
    assert crashed._send(message, GP)[0] == "sent"  # accepted, then the worker dies before recording it
    clock.advance(crashed.config.lease_seconds + 1)
    [result] = worker(db_url, pki, operator.port, clock).run_once()
    assert result.outcome == "sent"
    assert len(operator.messages()) == 1 and rows(db_url)[0].attempts == 2


def test_only_the_care_team_may_send(db: Session, pki):
    t, document_id = sent_report(db)
    for actor in (t.gp_actor, t.nurse_actor, t.patient_actor):
        with pytest.raises(AccessDenied):
            mssante.send(db, actor=actor, document_public_id=document_id, addresses=[GP])
    assert db.exec(select(MssMessage)).all() == []
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.MSS_SEND,
                                              AuditEvent.outcome == AuditOutcome.DENIED)).all()
    assert len(denied) == 3
    with pytest.raises(AccessDenied):
        mss_directory.set_address(db, actor=t.oncologist_actor, address="x.y@medecin.mssante.fr",
                            professional_public_id=t.gp.public_id)
    with pytest.raises(ValidationFailed) as refused:
        mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=["dr.who@gmail.com"])
    assert "annuaire" in refused.value.errors["recipients"]


def test_the_reader_and_its_sending_panel_look_the_document_up_once_and_audit_one_access(db: Session):
    t, document_id = sent_report(db)
    access.require_document(db, actor=t.oncologist_actor, document_public_id=document_id, detail="lecture")
    looked_up = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT DOCUMENT.") or "FROM patient" in statement:
            looked_up.append(statement)

    event.listen(db.get_bind(), "before_cursor_execute", count)
    try:
        shown = mssante.panel(db, actor=t.oncologist_actor, document_public_id=document_id)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", count)
    assert shown is not None and [r.address for r in shown.recipients] == [GP]
    assert looked_up == []
    db.commit()
    details = db.exec(select(AuditEvent.detail).where(AuditEvent.account_id == t.oncologist_actor.account_id,
                                                      AuditEvent.action == AuditAction.READ)
                      .order_by(AuditEvent.seq.desc())).all()
    assert details[0] == "lecture ; messagerie sécurisée : destinataires ; messagerie sécurisée : suivi des envois"
    assert not any("lecture" in detail for detail in details[1:])


def test_a_pps_without_the_patients_agreement_is_never_sent_to_the_medecin_traitant(world):  # noqa: F811
    w = world
    db = w.db
    w.gp_pro.family_name = "Durand"
    admin = pps_world.factories.actor_for(db, pps_world.factories.account(db, role=pps_world.Role.ADMIN)[0])
    mss_directory.set_address(db, actor=admin, address=GP, professional_public_id=w.gp_pro.public_id)
    pps_world.write(w)
    pps_world.hand_over(w, consent=GpConsent.REFUSED)
    document = pps_world.document_of(w)
    assert mssante.default_recipients(db, actor=w.onco, document_public_id=document.public_id) == []
    with pytest.raises(ValidationFailed) as refused:
        mssante.send(db, actor=w.onco, document_public_id=document.public_id, addresses=[GP])
    assert "pas accepté" in refused.value.errors["recipients"]
    assert db.exec(select(MssMessage)).all() == []
    pps_world.pps.record_gp_consent(db, actor=w.onco, patient_public_id=w.patient.public_id, gp_consent=GpConsent.AGREED,
                                    now=pps_world.NOW + timedelta(hours=1))
    [offered] = mssante.default_recipients(db, actor=w.onco, document_public_id=document.public_id)
    assert offered.address == GP

    # Sent, refused by the operator, then the patient withdraws the agreement: « renvoyer » must not deliver it.
    mssante.send(db, actor=w.onco, document_public_id=document.public_id, addresses=[GP])
    message = db.exec(select(MssMessage)).one()
    message.status = MailStatus.FAILED
    db.add(message)
    pps_world.pps.record_gp_consent(db, actor=w.onco, patient_public_id=w.patient.public_id, gp_consent=GpConsent.REFUSED,
                                    now=pps_world.NOW + timedelta(hours=2))
    with pytest.raises(ValidationFailed) as refused:
        mssante.resend(db, actor=admin, message_public_id=message.public_id)
    assert "pas accepté" in refused.value.errors["recipients"]
    assert db.get(MssMessage, message.id).status == MailStatus.FAILED


def test_the_administrator_is_told_what_is_wrong_with_a_directory_entry_and_nothing_is_saved(db: Session):
    t = Team(db)
    with pytest.raises(ValidationFailed) as refused:
        mss_directory.set_address(db, actor=t.admin_actor, address="durand@gmail.com", owner="12345")
    assert "invalide" in refused.value.errors["address"] and "RPPS" in refused.value.errors["owner"]
    with pytest.raises(ValidationFailed) as unnamed:
        mss_directory.set_address(db, actor=t.admin_actor, address="secretariat@chu-test.mssante.fr", owner=t.org.finess)
    assert "Nommez" in unnamed.value.errors["label"]
    assert db.exec(select(MssAddress)).all() == []
    entry = mss_directory.set_address(db, actor=t.admin_actor, address=" Claire.Durand@Medecin.MSSante.fr ", owner=t.gp.rpps)
    assert entry.address == GP and entry.professional_id == t.gp.id
    assert mss_directory.set_active(db, actor=t.admin_actor, entry_public_id=entry.public_id, active=False)
    assert mss_directory.search(db, actor=t.oncologist_actor, query="durand") == []  # a closed mailbox is not offered


def test_the_sender_and_the_administrator_follow_each_recipient_page_by_page(db: Session, db_url, pki, operator):
    t, document_id = sent_report(db)
    mss_directory.set_address(db, actor=t.admin_actor, address=CLOSED, professional_public_id=t.oncologist.public_id)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=[GP, CLOSED])
    db.commit()
    worker(db_url, pki, operator.port).run_once()

    page = mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id)
    assert {s.address: s.status_label for s in page.items} == {GP: "Envoyé", CLOSED: "Refusé par l'opérateur"}
    board = mssante.board(db, actor=t.admin_actor)
    assert board.total == 2
    refused = next(row for row in board.items if row.address == CLOSED)
    assert "inconnue" in refused.detail and refused.resendable  # the operator's reason
    assert "MOREAU" in refused.sender and refused.document_kind
    shown = " ".join(str(value) for row in board.items for value in vars(row).values())
    assert t.patient.birth_family_name not in shown and "Scanner" not in shown  # no patient, no title
    with pytest.raises(AccessDenied):
        mssante.board(db, actor=t.oncologist_actor)

    mssante.resend(db, actor=t.admin_actor, message_public_id=refused.public_id)  # « renvoyer » from the board
    db.commit()
    assert {row.to_address: row.status for row in rows(db_url)}[CLOSED] == MailStatus.PENDING

    more = [f"correspondant.{n}@medecin.mssante.fr" for n in range(mssante.SENDINGS_PER_PAGE)]
    for address in more:
        mss_directory.set_address(db, actor=t.admin_actor, address=address, professional_public_id=t.gp.public_id)
    mssante.send(db, actor=t.oncologist_actor, document_public_id=document_id, addresses=more)
    first = mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id)
    second = mssante.sendings(db, actor=t.oncologist_actor, document_public_id=document_id, page=2)
    assert (first.total, first.page_count, len(first.items), len(second.items)) == (12, 2, 10, 2)
    assert {s.address for s in second.items} == {GP, CLOSED}  # the oldest come last


@pytest.fixture
def board_world(db):
    return test_rcp.world.__wrapped__(db)


def test_correspondents_named_at_registration_follow_the_case_and_are_preselected_for_its_fiche(db: Session, board_world):
    w = board_world
    admin = factories.actor_for(db, factories.account(db, role=Role.ADMIN)[0])
    mss_directory.set_address(db, actor=admin, address=GP, professional_public_id=w.gp.public_id)
    cardiologist = factories.professional(db, specialty="G15_10/SM04", family="Bernard")
    cardiologist.given_name = "Anne"
    mss_directory.set_address(db, actor=admin, address="anne.bernard@cardio.mssante.fr",
                              professional_public_id=cardiologist.public_id)
    unreachable = factories.professional(db, specialty="G15_10/SM04", family="Bernardin")  # no MSSanté mailbox
    for n in range(rcp_correspondents.CHOICES_PER_PAGE):
        namesake = factories.professional(db, specialty="G15_10/SM04", family=f"Bernardet{n}")
        mss_directory.set_address(db, actor=admin, address=f"bernardet{n}@medecin.mssante.fr",
                                  professional_public_id=namesake.public_id)

    found = rcp_correspondents.choices(db, actor=w.clinician_actor, query="bernard")
    assert (found.total, found.page_count, len(found.items)) == (9, 2, 8)  # a page at a time, mailboxes only
    assert found.items[0].address == "anne.bernard@cardio.mssante.fr"
    assert unreachable.public_id not in {c.public_id for c in found.items}
    assert len(rcp_correspondents.choices(db, actor=w.clinician_actor, query="bernard", page=2).items) == 1
    with pytest.raises(AccessDenied):
        rcp_correspondents.choices(db, actor=w.gp_actor, query="bernard")

    session_id = test_rcp._session(db, w)
    register = dict(actor=w.clinician_actor, patient_public_id=w.patient.public_id, session_public_id=session_id,
                    reason="treatment_proposal", question="Chirurgie d'emblée ?", declared={}, now=test_rcp.NOW)
    with pytest.raises(ValidationFailed) as refused:
        rcp_registration.register_case(db, correspondent_public_ids=[cardiologist.public_id, unreachable.public_id], **register)
    assert "messagerie sécurisée" in refused.value.errors["correspondents"]
    assert db.exec(select(RcpCase)).all() == [] and db.exec(select(RcpCorrespondent)).all() == []  # nothing half-saved
    too_many = [f"x{n}" for n in range(rcp_correspondents.MAX_CORRESPONDENTS + 1)]
    with pytest.raises(ValidationFailed) as crowded:
        rcp_registration.register_case(db, correspondent_public_ids=too_many, **register)
    assert "au plus" in crowded.value.errors["correspondents"]

    case_id = rcp_registration.register_case(db, correspondent_public_ids=[cardiologist.public_id], **register)
    context = rcp_registration.registration_context(db, actor=w.clinician_actor, patient_public_id=w.patient.public_id,
                                                    now=test_rcp.NOW)
    assert next(row for row in context.cases if row.public_id == case_id).correspondents == "Dr Anne BERNARD"
    agenda = rcp_sitting.session_detail(db, actor=w.secretary_actor, session_public_id=session_id, now=test_rcp.NOW)
    assert [row.correspondents for row in agenda.cases] == ["Dr Anne BERNARD"]

    test_rcp._sit(db, w, session_id)
    test_rcp._decide(db, w, case_id)
    when = utcnow()
    document_id = frcp.sign(db, actor=w.coordinator_actor, case_public_id=case_id, expected_version=1,
                            code=factories.code_for(w.coordinator_secret, when), now=when)
    db.flush()
    offered = {r.address: r for r in mssante.default_recipients(db, actor=w.clinician_actor, document_public_id=document_id)}
    assert offered[GP].preselected and "médecin traitant" in offered[GP].label
    assert offered["anne.bernard@cardio.mssante.fr"].preselected
    assert "correspondant à informer" in offered["anne.bernard@cardio.mssante.fr"].label

    report, _ = documents.create(db, actor=w.clinician_actor, patient=w.patient, kind="consultation", title="Consultation",
                                 file_bytes=pdf_bytes(), mime_type="application/pdf")
    documents.validate(db, actor=w.clinician_actor, document=report)
    db.flush()  # a later report of the patient goes to the same correspondents
    later = mssante.default_recipients(db, actor=w.clinician_actor, document_public_id=report.public_id)
    assert {r.address for r in later} == {GP, "anne.bernard@cardio.mssante.fr"}
