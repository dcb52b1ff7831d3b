"""The identity-vigilance queue on a tablet, as the network's administrator (real login with TOTP): a received CR-ACP
whose birth date differs from the patient's waits; the referent sees the message's identity beside the candidate,
a rejection without a reason is refused next to the field, and the attachment files the document (audited)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.demo import hl7_samples
from dcc_portal.models import AuditEvent, Document, Hl7Message, Patient
from dcc_portal.services.exchange import hl7_inbound, hl7_listener
from tests.browser.helpers import account, assert_fits_width, enrol, login, shot


def _mismatched_message(server) -> str:
    raw = hl7_listener.framed((hl7_samples.FOLDER / "2-identite-discordante.hl7").read_text(encoding="utf-8"))
    with server.session() as db:
        result = hl7_inbound.receive(db, raw, senders=hl7_inbound.load_senders(hl7_samples.SENDERS))
    assert (result.code, result.status) in {("AA", "waiting"), ("AA", "replay")}
    return result.message_public_id


def test_the_referent_attaches_a_waiting_message_to_the_right_patient(page_factory, server):
    message_id = _mismatched_message(server)
    secret = enrol(server, "admin.dsrc")
    page = page_factory("tablet")
    login(page, server, "admin.dsrc", secret, lands_on="/admin")
    page.get_by_role("link", name="Identitovigilance").first.click()
    expect(page).to_have_url(re.compile(r"/admin/identity-vigilance/?$"))
    expect(page.locator("main[aria-busy=false]")).to_have_count(1)
    card = page.get_by_test_id("waiting-message").filter(has_text="12/09/1972")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("date de naissance")
    card.get_by_test_id("examine").click()

    expect(page.get_by_test_id("message-birth")).to_contain_text("12/09/1972")
    candidate = page.get_by_test_id("candidate").filter(has_text="21/09/1972")
    expect(candidate).to_have_count(1)
    expect(candidate.get_by_test_id("differences")).to_contain_text("date de naissance")
    assert_fits_width(page)
    shot(page, "identity-vigilance-tablet")

    page.get_by_test_id("reject").click()
    expect(page.get_by_test_id("reason-error")).to_contain_text("motif")
    candidate.get_by_test_id("attach").click()
    expect(page.get_by_test_id("notice")).to_contain_text("rattaché")
    expect(page.get_by_test_id("waiting-message").filter(has_text="12/09/1972")).to_have_count(0)
    assert not page.errors

    admin = account(server, "admin.dsrc")
    with server.session() as db:
        row = db.exec(select(Hl7Message).where(Hl7Message.public_id == message_id)).one()
        patient = db.exec(select(Patient).where(Patient.id == row.patient_id)).one()
        document = db.get(Document, row.document_id)
        assert (row.status, patient.local_id, row.resolved_by_account_id) == ("filed", "DEMO-000001", admin.id)
        assert (document.kind, document.status) == ("cr_acp", "validated")
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "identity_vigilance",
                                                AuditEvent.account_id == admin.id,
                                                AuditEvent.patient_id == patient.id)).first() is not None
