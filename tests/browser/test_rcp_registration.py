"""Registering a patient for an RCP on the tablet, and the secretariat opening every session it lists."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import Account, CancerDiagnosis, CareTeamMembership, Patient, RcpCase
from tests.browser.helpers import assert_fits_width, enrol, login, shot, visit


def _patient_of(server, identifier: str) -> Patient:
    """A patient of this clinician's care team with a diagnosis, never registered in an RCP; its TNM is set as the
    diagnosis form stores it (letters included)."""
    with server.session() as db:
        pro_id = db.exec(select(Account.professional_id).where(Account.identifier == identifier)).one()
        registered = set(db.exec(select(RcpCase.patient_id)).all())
        rows = db.exec(select(Patient, CancerDiagnosis)
                       .join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
                       .join(CancerDiagnosis, CancerDiagnosis.patient_id == Patient.id)
                       .where(CareTeamMembership.professional_id == pro_id).order_by(Patient.id.desc())).all()
        patient, diagnosis = next((p, d) for p, d in rows if p.id not in registered)
        diagnosis.tnm_prefix, diagnosis.tnm_t, diagnosis.tnm_n, diagnosis.tnm_m = "c", "T1c", "N0", "M0"
        db.add(diagnosis)
        db.commit()
        db.refresh(patient)
        return patient


def test_registration_shows_what_was_registered_and_refuses_a_second_one(page_factory, server):
    secret = enrol(server, "onco.girard")
    patient = _patient_of(server, "onco.girard")
    page = page_factory("tablet")
    login(page, server, "onco.girard", secret, lands_on="/team")
    visit(page, f"/team/rcp/register?p={patient.public_id}")

    expect(page.get_by_test_id("checklist-item").filter(has_text="Stade TNM")).to_have_text(re.compile(r"Stade TNM : cT1c N0 M0$"))
    presenters = page.get_by_label("Médecin qui présente le dossier")
    labels = presenters.locator("option").all_inner_texts()
    assert labels[0].startswith("Moi-même") and "GIRARD" in labels[0].upper()
    assert sum("GIRARD" in label.upper() for label in labels) == 1, labels

    sessions = page.get_by_label("Séance", exact=True)
    # The first session still open: the nearest one's registrations close two days before it, at noon.
    option = sessions.locator("option:not([value=''])", has_text="RCP digestive", has_not_text="inscriptions closes").first
    value = option.get_attribute("value")
    rcp_name, starts = option.inner_text().split(" (")[0].split(", ")
    sessions.select_option(value)
    page.get_by_label("Motif de présentation").select_option("treatment_proposal")
    page.get_by_label("Question posée").fill("Chirurgie d'emblée ou traitement néoadjuvant ?")
    page.get_by_label("Le patient est informé de la présentation de son dossier").check()
    shot(page, "rcp-register-form-tablet")
    page.get_by_test_id("register-submit").click()

    card = page.get_by_test_id("registered-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text(f"{rcp_name} · {starts}")
    expect(page.get_by_test_id("registered-informed")).to_have_text("Patient informé de la présentation : oui")
    expect(page.get_by_test_id("register-submit")).to_have_count(0)
    expect(page.get_by_test_id("registration").first).to_contain_text("Patient informé de la présentation : oui")
    assert_fits_width(page)
    shot(page, "rcp-registered-tablet")

    page.get_by_test_id("register-another").click()
    expect(page.get_by_test_id("registered-card")).to_have_count(0)
    expect(page.get_by_label("Question posée")).to_have_value("")
    page.get_by_label("Séance", exact=True).select_option(value)
    page.get_by_label("Motif de présentation").select_option("treatment_proposal")
    page.get_by_label("Question posée").fill("Même séance une seconde fois ?")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_text(re.compile("Ce patient est déjà inscrit à la séance"))).to_be_visible()
    shot(page, "rcp-register-twice-tablet")
    with server.session() as db:
        assert len(db.exec(select(RcpCase.id).where(RcpCase.patient_id == patient.id)).all()) == 1
    assert not page.errors


def test_the_secretariat_opens_every_session_it_lists(page_factory, server):
    secret = enrol(server, "sec.roux")
    page = page_factory("tablet")
    login(page, server, "sec.roux", secret, lands_on="/team")
    visit(page, "/team/rcp")
    cards = page.get_by_test_id("session-card")
    expect(cards.first).to_be_visible()
    texts = cards.all_inner_texts()
    assert not [text for text in texts if "RCP hématologie" in text or "RCP thoracique" in text]
    links = [cards.nth(index).get_attribute("href") for index in range(cards.count())]
    shot(page, "rcp-sessions-secretariat-tablet")
    for href in links:
        visit(page, href)
        expect(page.get_by_test_id("session-status")).to_be_visible()
        expect(page.get_by_text("Accès refusé")).to_have_count(0)
    assert not page.errors


def test_the_administrator_names_a_secretariat_on_the_directory_screen(page_factory, server):
    admin_secret = enrol(server, "admin.dsrc")
    admin = page_factory("tablet")
    login(admin, server, "admin.dsrc", admin_secret, lands_on="/admin")
    visit(admin, "/team/rcp/directory")
    admin.locator(".rt-Card", has_text="RCP hématologie").get_by_role("button", name="Voir les membres").first.click()
    rows = admin.get_by_test_id("secretariat-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("LECLERC")
    admin.get_by_label("Secrétariat à désigner").select_option(label="Nathalie ROUX")
    admin.get_by_test_id("assign-secretariat").click()
    expect(rows).to_have_count(2)
    shot(admin, "rcp-directory-secretariat-tablet")

    roux_secret = enrol(server, "sec.roux")
    roux = page_factory("tablet")
    login(roux, server, "sec.roux", roux_secret, lands_on="/team")
    visit(roux, "/team/rcp")
    card = roux.get_by_test_id("session-card").filter(has_text="RCP hématologie").first
    expect(card).to_be_visible()
    visit(roux, card.get_attribute("href"))
    expect(roux.get_by_test_id("session-status")).to_be_visible()

    rows.filter(has_text="ROUX").get_by_role("button", name="Retirer").click()
    expect(rows).to_have_count(1)
    assert not admin.errors and not roux.errors
