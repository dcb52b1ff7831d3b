"""A clinician addresses a validated report by MSSanté from the document reader (tablet): the médecin traitant is
preselected, an organisational mailbox is added from the directory, and the status follows the real sending (mutual
TLS to the local operator). Then a correspondent chosen at the patient's RCP registration is preselected too, and the
administrator follows every recipient on the network-wide board (phone)."""

from __future__ import annotations

import random

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import (
    Account,
    CareTeamMembership,
    MssAddress,
    Patient,
    Professional,
    RcpCase,
    RcpSession,
    TeamRole,
)
from dcc_portal.peers import mssante_pki
from dcc_portal.services.common import render
from dcc_portal.services.exchange.mssante_config import MssConfig
from dcc_portal.services.exchange.mssante_inbox import MssInbox
from dcc_portal.services.exchange.mssante_worker import MssWorker
from dcc_portal.services.identity import sessions
from dcc_portal.services.rcp import sessions as rcp_sessions
from dcc_portal.services.record import documents
from tests.browser.helpers import assert_fits_width, enrol, login, shot, visit
from tests.servers import mssante_operator

SECRETARIAT = "secretariat@icloire-ocean.mssante.fr"
PORTAL = "dcc@onco-demo.mssante.fr"  # the sending mailbox, where the operator's notifications come back


def _validated_report(server) -> tuple[str, str, str]:
    """A validated report on the last patient onco.moreau follows as referent; returns (document, GP address, patient)."""
    pdf = render.pdf("<html><body><h1>Compte rendu de consultation</h1><p>Contenu de test.</p></body></html>")
    with server.session() as db:
        author = db.exec(select(Account).where(Account.identifier == "onco.moreau")).one()
        patient = db.exec(select(Patient).join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
                          .where(CareTeamMembership.professional_id == author.professional_id,
                                 CareTeamMembership.team_role == TeamRole.REFERENT_PHYSICIAN)
                          .order_by(Patient.id.desc())).first()
        gp_address = db.exec(select(MssAddress.address).where(MssAddress.professional_id == patient.gp_professional_id)).one()
        token = sessions.open_session(db, account_id=author.id, client_ip="127.0.0.1")
        db.flush()
        actor = sessions.resolve(db, token=token)
        document, _ = documents.create(db, actor=actor, patient=patient, kind="consultation", title="Consultation de suivi",
                                       file_bytes=pdf, mime_type="application/pdf")
        documents.validate(db, actor=actor, document=document)
        return document.public_id, gp_address, patient.public_id


def _correspondent_and_session(server, patient_public_id: str) -> tuple[str, str, str]:
    """A professional of the MSSanté directory other than the patient's GP and onco.moreau (family name, address), and
    the latest open session the patient is not registered in (few journeys look that far ahead)."""
    with server.session() as db:
        patient = db.exec(select(Patient).where(Patient.public_id == patient_public_id)).one()
        author = db.exec(select(Account.professional_id).where(Account.identifier == "onco.moreau")).one()
        family, address = db.exec(select(Professional.family_name, MssAddress.address)
                                  .join(MssAddress, MssAddress.professional_id == Professional.id)
                                  .where(MssAddress.active, Professional.id.not_in([patient.gp_professional_id, author]))
                                  .order_by(Professional.id.desc())).first()
        taken = set(db.exec(select(RcpSession.public_id).join(RcpCase, RcpCase.session_id == RcpSession.id)
                            .where(RcpCase.patient_id == patient.id)).all())
        session = [row for row in rcp_sessions.open_sessions_for_registration(db)
                   if row.public_id not in taken and not row.deadline_passed][-1]
        return family, address, session.public_id


def test_a_clinician_addresses_a_report_by_mssante_and_follows_its_status(page_factory, server, tmp_path):
    document_id, gp_address, patient_id = _validated_report(server)
    secret = enrol(server, "onco.moreau")
    page = page_factory("tablet")
    login(page, server, "onco.moreau", secret)
    visit(page, f"/document?d={document_id}")

    panel = page.get_by_test_id("mss-panel")
    expect(panel).to_be_visible()
    gp = panel.get_by_test_id("mss-recipient").filter(has_text=gp_address)
    expect(gp).to_contain_text("médecin traitant")
    expect(gp.get_by_role("checkbox")).to_be_checked()
    panel.get_by_test_id("mss-search").fill("secretariat icloire")
    panel.get_by_test_id("mss-found").filter(has_text=SECRETARIAT).click()
    expect(panel.get_by_test_id("mss-recipient")).to_have_count(2)
    panel.get_by_test_id("mss-send").click()
    expect(panel.get_by_test_id("mss-notice")).to_contain_text("2 envoi(s)")
    expect(panel.get_by_test_id("mss-status")).to_have_count(2)
    expect(panel.get_by_test_id("mss-status").first).to_have_text("En attente")

    with server.session() as db:  # the operator knows the directory's mailboxes but the secretariat's (closed)
        known = set(db.exec(select(MssAddress.address)).all()) - {SECRETARIAT}
    pki = mssante_pki.ensure(tmp_path / "pki")
    cert, key = pki.client
    operator = mssante_operator(pki=pki, store=tmp_path / "received", mailboxes=known | {PORTAL},
                                owners={mssante_pki.common_name_of(cert): {PORTAL}})
    try:
        config = MssConfig(host="127.0.0.1", port=operator.port, imap_port=operator.imap_port, cert=str(cert),
                           key=str(key), ca=str(pki.ca), timeout=10.0, sender=f"DCC <{PORTAL}>")
        MssWorker(config, db_url=server.db_url, rng=random.Random(1)).run_once()
        received = [item.entry["rcpt_tos"] for item in operator.messages()]
        assert [gp_address] in received and [SECRETARIAT] not in received
        MssInbox(config, db_url=server.db_url).run_once()  # the operator's delivery notification
    finally:
        operator.down()
    panel.get_by_test_id("mss-refresh").click()
    delivered = panel.get_by_test_id("mss-sending").filter(has_text=gp_address)
    expect(delivered.get_by_test_id("mss-status")).to_have_text("Remis")
    refused = panel.get_by_test_id("mss-sending").filter(has_text=SECRETARIAT)
    expect(refused.get_by_test_id("mss-status")).to_have_text("Refusé par l'opérateur")
    expect(refused).to_contain_text("inconnue")
    expect(refused.get_by_role("button", name="Renvoyer")).to_be_visible()
    assert_fits_width(page)
    shot(page, "mssante-sent-tablet")

    # A correspondent named at the RCP registration, searched in the directory, is preselected for the patient's report.
    family, correspondent, session_id = _correspondent_and_session(server, patient_id)
    visit(page, f"/team/rcp/register?p={patient_id}")
    page.get_by_test_id("correspondent-search").fill(family)
    page.get_by_test_id("correspondent-search").press("Enter")  # searches, does not submit the registration
    page.get_by_test_id("correspondent-found").filter(has_text=correspondent).click()
    expect(page.get_by_test_id("correspondent-chosen")).to_have_count(1)
    expect(page.get_by_test_id("session-error")).to_have_count(0)
    page.get_by_label("Séance", exact=True).select_option(session_id)
    page.get_by_label("Motif de présentation").select_option("treatment_proposal")
    page.get_by_label("Question posée").fill("Avis sur la suite du traitement ?")
    assert_fits_width(page)
    shot(page, "mssante-correspondents-register-tablet")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("registered-correspondents")).to_contain_text(family.upper())
    visit(page, f"/document?d={document_id}")
    named = page.get_by_test_id("mss-recipient").filter(has_text=correspondent)
    expect(named).to_contain_text("correspondant à informer")
    expect(named.get_by_role("checkbox")).to_be_checked()
    assert page.errors == []

    # The administrator's board: each recipient, its status and the operator's reason (phone).
    admin = page_factory("phone")
    login(admin, server, "admin.dsrc", enrol(server, "admin.dsrc"))
    visit(admin, "/admin/mssante")
    board = admin.get_by_test_id("mss-board")
    expect(board.get_by_test_id("mss-board-row").filter(has_text=gp_address).first.get_by_test_id("mss-status")).to_have_text("Remis")
    closed = board.get_by_test_id("mss-board-row").filter(has_text=SECRETARIAT).first
    expect(closed).to_contain_text("inconnue")
    expect(closed.get_by_test_id("mss-status")).to_have_text("Refusé par l'opérateur")
    closed.scroll_into_view_if_needed()
    assert_fits_width(admin)
    shot(admin, "mssante-board-phone")
    assert admin.errors == []
