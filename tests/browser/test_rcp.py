"""A tumour board from planning to the GP's phone: plan, register, sit with quorum, decide, sign, read the fiche."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import Account, CareTeamMembership, Patient, RcpCase
from tests.browser.helpers import assert_fits_width, enrol, fresh_code, login, shot, visit

XSS = '<script>window.__xss=1</script> javascript:alert(1)'


def _patient_for(server) -> Patient:
    """A patient of Dr Moreau's care team whose médecin traitant is Dr Durand, not yet registered in an RCP."""
    with server.session() as db:
        moreau = db.exec(select(Account).where(Account.identifier == "onco.moreau")).one()
        durand = db.exec(select(Account).where(Account.identifier == "mg.durand")).one()
        registered = set(db.exec(select(RcpCase.patient_id)).all())
        candidates = db.exec(
            select(Patient).join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
            .where(CareTeamMembership.professional_id == moreau.professional_id,
                   Patient.gp_professional_id == durand.professional_id)
        ).all()
        return next(p for p in candidates if p.id not in registered)


def test_tumour_board_from_planning_to_the_gp(page_factory, server):
    secretary_secret = enrol(server, "sec.roux")
    onco_secret = enrol(server, "onco.moreau")
    gp_secret = enrol(server, "mg.durand")
    patient = _patient_for(server)
    day = date.today() + timedelta(days=3)
    shown_name = (patient.used_family_name or patient.birth_family_name).upper()

    # 1. The secretariat plans a session of the digestive RCP and publishes its agenda.
    secretary = page_factory("tablet")
    login(secretary, server, "sec.roux", secretary_secret, lands_on="/team")
    # The secretariat's menu offers only what it may open (symptom alerts are the clinicians' and nurses').
    expect(secretary.get_by_role("link", name="Réunions de concertation (RCP)")).to_be_visible()
    expect(secretary.get_by_role("link", name="Alertes symptômes")).to_have_count(0)
    secretary.goto("/team/rcp")
    secretary.get_by_role("link", name="Planifier des séances").click()
    expect(secretary).to_have_url(re.compile(r"/team/rcp/plan/?$"))
    secretary.get_by_label("RCP", exact=True).select_option(label="RCP digestive")
    secretary.get_by_label("Date de la (première) séance").fill(day.isoformat())
    # 17:30: never the hour of a demo session, which the same RCP may hold on the same day of the week.
    secretary.get_by_label("Heure de début").fill("17:30")
    secretary.get_by_label("Clôture des inscriptions (jours avant)").fill("1")
    secretary.get_by_label("Lieu").fill("Salle de staff, bâtiment B")
    shot(secretary, "rcp-plan-tablet")
    secretary.get_by_test_id("plan-submit").click()
    expect(secretary).to_have_url(re.compile(r"/team/rcp/session\?s=\w+$"))
    session_url = secretary.url
    expect(secretary.get_by_test_id("session-status")).to_have_text("Ordre du jour publié")
    assert_fits_width(secretary)

    # 2. The oncologist registers a patient of his care team, with the question for the board.
    onco = page_factory("tablet")
    login(onco, server, "onco.moreau", onco_secret, lands_on="/team")
    expect(onco.get_by_role("link", name="Alertes symptômes")).to_be_visible()
    visit(onco, f"/team/patient?p={patient.public_id}")
    onco.get_by_test_id("register-rcp").click()
    expect(onco).to_have_url(re.compile(r"/team/rcp/register\?p=\w+$"))
    expect(onco.get_by_test_id("checklist-item").first).to_be_visible()
    sessions = onco.get_by_label("Séance", exact=True)
    option = sessions.locator("option", has_text=f"RCP digestive, {day.strftime('%d/%m/%Y')} 17:30")
    sessions.select_option(option.get_attribute("value"))
    onco.get_by_label("Motif de présentation").select_option("treatment_proposal")
    onco.get_by_label("Question posée").fill("Chirurgie d'emblée ou traitement néoadjuvant ? " + XSS)
    onco.get_by_label("Le patient est informé de la présentation de son dossier").check()
    onco.get_by_test_id("register-submit").click()
    expect(onco.get_by_test_id("register-message")).to_be_visible()
    assert_fits_width(onco)
    shot(onco, "rcp-register-tablet")

    # 3. The session runs: attendance, and the quorum computed live.
    visit(secretary, session_url)
    secretary.get_by_test_id("open-session").click()
    expect(secretary.get_by_test_id("session-status")).to_have_text("En séance")
    expect(secretary.get_by_test_id("quorum")).to_contain_text("Quorum non atteint")
    for name in ("Paul MOREAU", "Anne LAMBERT"):
        secretary.get_by_test_id("attendee").filter(has_text=name).get_by_role("checkbox").click()
    expect(secretary.get_by_test_id("quorum")).to_contain_text("Quorum non atteint")
    secretary.get_by_test_id("attendee").filter(has_text="Émilie BLANC").get_by_role("checkbox").click()
    expect(secretary.get_by_test_id("quorum")).to_contain_text("Quorum atteint")
    expect(secretary.get_by_test_id("case-card").filter(has_text=shown_name)).to_be_visible()
    assert_fits_width(secretary)
    shot(secretary, "rcp-session-tablet")

    # 4. The coordinator records the proposal, then validates and signs the fiche with a fresh code.
    visit(onco, session_url)
    onco.get_by_test_id("case-card").filter(has_text=shown_name).click()
    expect(onco).to_have_url(re.compile(r"/team/rcp/case\?c=\w+$"))
    expect(onco.get_by_test_id("case-question")).to_contain_text("<script>")
    onco.locator("#type_0").select_option(label="Intervention chirurgicale")
    onco.locator("#detail_0").fill("Colectomie droite " + XSS)
    onco.locator("#type_1").select_option(label="Chimiothérapie")
    onco.get_by_label("Référentiel appliqué").fill("Thésaurus national de cancérologie digestive")
    onco.get_by_label("Commentaire").fill(XSS)
    onco.get_by_test_id("save-decision").click()
    expect(onco.get_by_test_id("case-message")).to_contain_text("Proposition enregistrée")
    onco.get_by_label("Code à 6 chiffres").fill("000000")
    onco.get_by_test_id("sign").click()
    expect(onco.get_by_test_id("code-error")).to_contain_text("Code incorrect")
    onco.get_by_label("Code à 6 chiffres").fill(fresh_code(server, "onco.moreau", onco_secret))
    onco.get_by_test_id("sign").click()
    expect(onco.get_by_test_id("case-message")).to_contain_text("signée")
    expect(onco.get_by_test_id("open-fiche")).to_be_visible()
    assert_fits_width(onco)
    shot(onco, "rcp-case-signed-tablet")
    assert onco.evaluate("() => window.__xss") is None

    # 5. The médecin traitant, on the phone, is notified, reads the fiche and downloads the PDF.
    gp = page_factory("phone")
    login(gp, server, "mg.durand", gp_secret, lands_on="/gp")
    expect(gp.get_by_test_id("unread-badge")).to_be_visible()
    gp.get_by_test_id("bell").click()
    item = gp.get_by_test_id("notification").filter(has_text="fiche RCP disponible").first
    expect(item).to_be_visible()
    shot(gp, "rcp-gp-notification-phone")
    item.get_by_role("button", name="Ouvrir").click()
    expect(gp).to_have_url(re.compile(r"/document/?\?d=\w+$"))
    expect(gp.get_by_test_id("document-title")).to_contain_text("Fiche RCP digestive du")
    frame = gp.frame_locator("[data-testid=document-frame]")
    expect(frame.get_by_text("Colectomie droite")).to_be_visible()
    assert_fits_width(gp)
    shot(gp, "rcp-gp-fiche-phone")
    assert gp.evaluate("() => window.__xss") is None
    with gp.expect_download() as download_info:
        gp.get_by_test_id("download-pdf").click()
    assert open(download_info.value.path(), "rb").read(4) == b"%PDF"
