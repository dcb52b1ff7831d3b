"""Symptom follow-up end to end: patient.simon, in chemotherapy, reports a fever from the phone and is told at once
whom to call, then shares the detail of the answers with the médecin traitant and withdraws it; ide.petit
acknowledges the alert from the tablet worklist; the patient then sees it was acknowledged."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_fits_width, audit_events, enrol, login, shot, visit

PATIENT = "patient.simon"
NURSE = "ide.petit"


def test_a_fever_reported_from_the_phone_reaches_the_nurse_who_acknowledges_it(page_factory, server):
    phone = page_factory("phone")
    login(phone, server, PATIENT, enrol(server, PATIENT), lands_on="/patient")
    expect(phone.get_by_test_id("symptom-banner")).to_be_visible()
    phone.get_by_test_id("symptom-checkin-start").click()
    expect(phone).to_have_url(re.compile(r"/patient/symptoms/?$"))
    expect(phone.get_by_test_id("symptom-question")).to_contain_text("fièvre")

    phone.get_by_test_id("present-yes").click()
    phone.get_by_label("Température la plus haute mesurée (°C)").fill("60")
    phone.get_by_test_id("symptom-next").click()
    expect(phone.get_by_test_id("temperature-error")).to_contain_text("Température impossible (60 °C)")
    phone.get_by_label("Température la plus haute mesurée (°C)").fill("38,9")
    phone.get_by_test_id("symptom-next").click()
    counter = phone.get_by_text(re.compile(r"^Question \d+ sur \d+$"))
    expect(counter).to_have_text(re.compile(r"^Question 2 sur"))
    total = int(counter.inner_text().rsplit(" ", 1)[1])
    assert_fits_width(phone)
    shot(phone, "symptoms-question-phone")
    for number in range(2, total + 1):
        expect(counter).to_have_text(f"Question {number} sur {total}")
        phone.get_by_test_id("present-no").click()
    phone.get_by_test_id("symptom-send").click()
    instruction = phone.get_by_test_id("symptom-instruction")
    expect(instruction).to_contain_text("Appelez maintenant votre équipe au 02 99 20 20 20")
    expect(instruction).to_contain_text("appelez le 15")
    expect(phone.get_by_test_id("symptom-call")).to_have_attribute("href", re.compile(r"^tel:"))
    assert_fits_width(phone)
    shot(phone, "symptoms-immediate-phone")
    status = phone.get_by_test_id("symptom-gp-status")
    expect(status).to_contain_text("pas le détail de vos réponses")
    phone.get_by_test_id("symptom-gp-share").click()
    expect(status).to_contain_text("voit vos alertes et le détail de vos réponses")
    shot(phone, "symptoms-gp-shared-phone")
    phone.get_by_test_id("symptom-gp-share").click()  # withdrawn again: the demo GP keeps the alerts only
    expect(status).to_contain_text("pas le détail de vos réponses")

    tablet = page_factory("tablet")
    login(tablet, server, NURSE, enrol(server, NURSE), lands_on="/team")
    visit(tablet, "/team/symptoms")
    fever = tablet.get_by_test_id("symptom-alert").filter(has_text="Fièvre ≥ 38,5 °C")
    expect(fever).to_contain_text("Immédiate")
    expect(fever).to_contain_text("Chimiothérapie")
    shot(tablet, "symptoms-worklist-tablet")
    fever.get_by_test_id("symptom-acknowledge-open").click()
    fever.get_by_test_id("symptom-acknowledge").click()
    expect(fever.get_by_test_id("symptom-action-error")).to_have_text("Choisissez l'action menée.")
    fever.locator("#symptom-action").select_option("call")
    fever.get_by_label("Commentaire (facultatif)").fill("Rappelé : NFS ce jour en ville, rappel à 16 h.")
    fever.get_by_test_id("symptom-acknowledge").click()
    expect(tablet.get_by_test_id("symptom-notice")).to_be_visible()
    expect(tablet.get_by_test_id("symptom-alert").filter(has_text="Fièvre ≥ 38,5 °C")).to_have_count(0)
    assert_fits_width(tablet)
    shot(tablet, "symptoms-acknowledged-tablet")
    assert [event.detail for event in audit_events(server, action="acknowledge")][-1] == \
        "alerte symptômes prise en compte : Appel du patient"
    tablet.get_by_test_id("symptom-alert").first.get_by_role("link", name="Ouvrir le dossier").click()
    expect(tablet.get_by_test_id("symptom-summary")).to_contain_text("fièvre (38,9 °C) — alerte immédiate")
    expect(tablet.get_by_test_id("symptom-chart").first.locator("svg.recharts-surface")).to_be_visible()
    shot(tablet, "symptoms-team-file-tablet")

    visit(phone, "/patient")
    expect(phone.get_by_test_id("symptom-acknowledged").first).to_contain_text("Votre équipe a pris connaissance")
    shot(phone, "symptoms-patient-acknowledged-phone")
    assert phone.errors == [] and tablet.errors == []
