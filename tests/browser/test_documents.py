"""The shared document reader and the notification inbox, through single-use download tickets."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import Account, NotificationKind, Patient
from dcc_portal.services.common import render
from dcc_portal.services.identity import sessions
from dcc_portal.services.record import documents, notifications
from tests.browser.helpers import assert_fits_width, audit_events, enrol, login, shot


def _share_pdf_with_gp(server, gp_identifier: str) -> tuple[str, bytes]:
    """An oncologist of the team files a validated PDF report; the médecin traitant is notified."""
    pdf = render.pdf("<html><body><h1>Compte rendu de test</h1><p>Contenu.</p></body></html>")
    with server.session() as db:
        gp = db.exec(select(Account).where(Account.identifier == gp_identifier)).one()
        patient = db.exec(select(Patient).where(Patient.gp_professional_id == gp.professional_id)).first()
        author = db.exec(select(Account).where(Account.identifier == "onco.moreau")).one()
        token = sessions.open_session(db, account_id=author.id, client_ip="127.0.0.1")
        db.flush()
        actor = sessions.resolve(db, token=token)
        document, _ = documents.create(db, actor=actor, patient=patient, kind="imaging", title="Scanner thoraco-abdominal",
                                       file_bytes=pdf, mime_type="application/pdf")
        documents.validate(db, actor=actor, document=document)
        notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED,
                                              title="nouveau document disponible", document_id=document.id)
        return document.public_id, pdf


def test_gp_opens_a_notified_document_and_downloads_it(page_factory, server, viewport):
    identifier = "mg.durand"
    secret = enrol(server, identifier)
    document_id, pdf = _share_pdf_with_gp(server, identifier)
    page = page_factory(viewport)
    login(page, server, identifier, secret, lands_on="/gp")

    expect(page.get_by_test_id("unread-badge")).to_be_visible()
    page.get_by_test_id("bell").click()
    expect(page).to_have_url(re.compile(r"/notifications/?$"))
    item = page.get_by_test_id("notification").filter(has_text="nouveau document disponible").first
    expect(item).to_be_visible()
    shot(page, f"notifications-{viewport}")
    item.get_by_role("button", name="Ouvrir").click()

    expect(page).to_have_url(re.compile(rf"/document/?\?d={document_id}$"))
    expect(page.get_by_test_id("document-title")).to_have_text("Scanner thoraco-abdominal")
    frame_src = page.get_by_test_id("document-frame").get_attribute("src")
    assert frame_src.startswith("/api/files/")
    assert_fits_width(page)
    shot(page, f"document-reader-{viewport}")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    assert open(download_info.value.path(), "rb").read() == pdf

    reads = [event for event in audit_events(server, action="read") if event.document_id == document_id]
    exports = [event for event in audit_events(server, action="export") if event.document_id == document_id]
    assert reads and all(event.grant == "medecin_traitant" for event in reads)
    assert len(exports) >= 1
    # A ticket works once: the iframe already used its own.
    assert httpx.get(server.base_url + frame_src).status_code == 403


def test_a_ticket_does_not_open_another_patients_document(page_factory, server):
    identifier = "mg.faure"
    secret = enrol(server, identifier)
    other_document, _ = _share_pdf_with_gp(server, "mg.durand")
    page = page_factory("phone")
    login(page, server, identifier, secret, lands_on="/gp")
    page.goto(f"/document?d={other_document}")
    expect(page).to_have_url(re.compile(r"/forbidden/?$"))
    account_id = None
    with server.session() as db:
        account_id = db.exec(select(Account.id).where(Account.identifier == identifier)).one()
    denied = [event for event in audit_events(server, action="read", account_id=account_id) if event.outcome == "denied"]
    assert any(other_document in event.detail for event in denied)
