"""The DMP status board on a tablet: a document refused by the recipient, its reason, the resend and its audit;
the patient's opposition from the team's patient page and from the patient's own profile."""

from __future__ import annotations

import random
import re
import zipfile
from datetime import date

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import (
    Account,
    CareTeamMembership,
    Document,
    Patient,
    Role,
    SharingSubmission,
    utcnow,
)
from dcc_portal.services.exchange.sharing_worker import Worker, WorkerConfig
from dcc_portal.services.identity import sessions
from dcc_portal.services.record import documents
from tests.browser.helpers import (
    account,
    assert_fits_width,
    audit_events,
    enrol,
    login,
    shot,
    visit,
)
from tests.browser.test_accessibility import _serious
from tests.sharing_fixtures import PEER_TOKEN, Peer, pdf_bytes

REASON = "Le patient n'a pas de DMP ouvert : ouverture à proposer au patient."


def _refused_report(server, tmp_path) -> tuple[str, str]:
    """An oncologist of sec.roux's team validates a report; the recipient refuses it (a real worker, a real peer)."""
    with server.session() as db:
        secretary = db.exec(select(Account).where(Account.identifier == "sec.roux")).one()
        patient = db.exec(select(Patient).join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
                          .where(CareTeamMembership.professional_id == secretary.professional_id)
                          .where(Patient.dmp_opposed_at.is_(None)).order_by(Patient.id.desc())).first()
        oncologist_id = db.exec(select(CareTeamMembership.professional_id).where(
            CareTeamMembership.patient_id == patient.id, CareTeamMembership.team_role == "referent_physician")).first()
        author = db.exec(select(Account).where(Account.professional_id == oncologist_id, Account.role == Role.CLINICIAN)).one()
        token = sessions.open_session(db, account_id=author.id, client_ip="127.0.0.1")
        db.flush()
        actor = sessions.resolve(db, token=token)
        document, _ = documents.create(db, actor=actor, patient=patient, kind="imaging", title="TEP-scanner de réévaluation",
                                       file_bytes=pdf_bytes(), mime_type="application/pdf", service_date=date(2026, 3, 2),
                                       share_with_dmp=True)
        documents.validate(db, actor=actor, document=document)
        document_id, patient_id = document.public_id, patient.public_id
    peer = Peer(tmp_path).start("--mode", "reject", "--reject-message", REASON)
    try:
        worker = Worker(WorkerConfig(url=peer.url, token=PEER_TOKEN, timeout=5), db_url=server.db_url, clock=utcnow,
                        rng=random.Random(1))
        # The demo region has its own documents waiting: send until this one has had its answer.
        for _ in range(20):
            worker.run_once()
            with server.session() as db:
                status = db.exec(select(SharingSubmission.status).join(Document, Document.id == SharingSubmission.document_id)
                                 .where(Document.public_id == document_id)).one()
            if status != "pending":
                break
        assert status == "rejected"
    finally:
        peer.stop()
    return document_id, patient_id


def test_a_refused_document_is_shown_with_its_reason_and_resent(page_factory, server, tmp_path):
    document_id, patient_id = _refused_report(server, tmp_path)
    secret = enrol(server, "sec.roux")
    page = page_factory("tablet")
    login(page, server, "sec.roux", secret, lands_on="/team")
    page.get_by_role("link", name="Envois au DMP").first.click()
    expect(page).to_have_url(re.compile(r"/team/sharing/?$"))
    page.get_by_test_id("filter-rejected").click()
    card = page.get_by_test_id("submission").filter(has_text="TEP-scanner de réévaluation")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("status")).to_have_text("Refusé")
    expect(card.get_by_test_id("kind")).to_have_text("Envoi initial")
    expect(card.get_by_test_id("detail")).to_contain_text(f"Refusé par le destinataire (HTTP 422) : {REASON}")
    assert_fits_width(page)
    assert _serious(page) == []
    shot(page, "sharing-board-rejected-tablet")

    # The XDM archive for a manual upload, through a single-use ticket.
    with page.expect_download() as download_info:
        card.get_by_test_id("download-xdm").click()
    archive = zipfile.ZipFile(download_info.value.path())
    assert {"README.TXT", "INDEX.HTM", "IHE_XDM/SUBSET01/METADATA.XML", "IHE_XDM/SUBSET01/DOC0001.XML"} <= set(archive.namelist())
    assert b"TEP-scanner" in archive.read("IHE_XDM/SUBSET01/METADATA.XML")

    card.get_by_test_id("resend").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Renvoi demandé")
    expect(card).to_have_count(0)  # no longer among the refused
    page.get_by_test_id("filter-waiting").click()
    resent = page.get_by_test_id("submission").filter(has_text="TEP-scanner de réévaluation")
    expect(resent.get_by_test_id("status")).to_have_text("En attente d'envoi")
    assert_fits_width(page)
    shot(page, "sharing-board-resent-tablet")

    secretary = account(server, "sec.roux")
    [event] = [e for e in audit_events(server, action="share_resend", account_id=secretary.id) if e.document_id == document_id]
    assert event.outcome == "success" and event.grant == "care_team" and "était : Refusé" in event.detail
    with server.session() as db:
        document = db.exec(select(Document).where(Document.public_id == document_id)).one()
        row = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)).one()
        assert row.status == "pending" and row.last_error == ""

    # Cancelling asks first, with an optional reason (shown inert), and is audited.
    resent.get_by_test_id("cancel").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Annuler cet envoi au DMP ?")
    dialog.get_by_label("Motif (facultatif)").fill("<b>doublon</b> du CR papier")
    shot(page, "sharing-board-cancel-dialog-tablet")
    dialog.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Envoi annulé")
    page.get_by_test_id("filter-closed").click()
    closed = page.get_by_test_id("submission").filter(has_text="TEP-scanner de réévaluation")
    expect(closed.get_by_test_id("detail")).to_contain_text("<b>doublon</b> du CR papier")
    expect(closed.get_by_test_id("resend")).to_be_visible()
    [cancel_event] = [e for e in audit_events(server, action="share_cancel", account_id=secretary.id) if e.document_id == document_id]
    assert "doublon" in cancel_event.detail

    # The same board, for one patient, from the patient's page; a nurse sees it but cannot act.
    page.goto(f"/team/sharing?p={patient_id}")
    expect(page.get_by_test_id("submission").first).to_be_visible()
    nurse_secret = enrol(server, "ide.petit")
    nurse = page_factory("tablet")
    login(nurse, server, "ide.petit", nurse_secret, lands_on="/team")
    nurse.goto("/team/sharing")
    expect(nurse.get_by_test_id("submission").first).to_be_visible()
    expect(nurse.get_by_test_id("resend")).to_have_count(0)
    expect(nurse.get_by_test_id("cancel")).to_have_count(0)


def test_the_admin_board_shows_the_regions_refusals_without_clinical_titles(page_factory, server):
    secret = enrol(server, "admin.dsrc")
    page = page_factory("tablet")
    login(page, server, "admin.dsrc", secret, lands_on="/admin")
    visit(page, "/admin/sharing")
    page.get_by_test_id("filter-rejected").click()
    card = page.get_by_test_id("submission").first
    expect(card).to_contain_text("DEMO-")
    expect(card.get_by_test_id("detail")).to_contain_text("HTTP 422")
    expect(page.get_by_text("Compte rendu opératoire : tumorectomie")).to_have_count(0)  # the title stays clinical
    assert_fits_width(page)
    shot(page, "sharing-board-admin-tablet")


def test_the_team_records_the_patients_opposition_and_the_patient_sees_it(page_factory, server):
    with server.session() as db:
        leroy = db.exec(select(Account).where(Account.identifier == "patient.leroy")).one()
        patient = db.get(Patient, leroy.patient_id)
        patient_public_id = patient.public_id
    secret = enrol(server, "onco.moreau")
    page = page_factory("tablet")
    login(page, server, "onco.moreau", secret, lands_on="/team")
    page.goto(f"/team/patient?p={patient_public_id}")
    card = page.get_by_test_id("dmp-card")
    expect(card.get_by_test_id("dmp-status")).to_contain_text("sont envoyés à son DMP")
    card.get_by_test_id("dmp-toggle").click()
    expect(card).to_contain_text("À n'utiliser qu'à la demande du patient")
    card.get_by_test_id("dmp-confirm").click()
    expect(card.get_by_test_id("dmp-status")).to_contain_text("s'oppose")
    expect(card.get_by_test_id("dmp-status")).to_contain_text("l'équipe de soins")
    assert_fits_width(page)
    shot(page, "sharing-opposition-team-tablet")
    moreau = account(server, "onco.moreau")
    assert [e.detail for e in audit_events(server, action="dmp_opposition", account_id=moreau.id)][-1].startswith("opposition")

    patient_secret = enrol(server, "patient.leroy")
    phone = page_factory("phone")
    login(phone, server, "patient.leroy", patient_secret, lands_on="/patient")
    phone.goto("/patient/profile")
    mine = phone.get_by_test_id("dmp-card")
    expect(mine.get_by_test_id("dmp-status")).to_contain_text("ne soient pas envoyés")
    mine.get_by_test_id("dmp-toggle").click()
    mine.get_by_test_id("dmp-confirm").click()
    expect(mine.get_by_test_id("dmp-status")).to_have_text("Vos documents sont envoyés à Mon espace santé.")
    expect(mine.get_by_test_id("dmp-notice")).to_contain_text("Votre choix est enregistré")
    assert_fits_width(phone)
    assert _serious(phone) == []
    shot(phone, "sharing-opposition-patient-phone")
    assert audit_events(server, action="dmp_opposition", account_id=leroy.id)[-1].detail.startswith("levée")
