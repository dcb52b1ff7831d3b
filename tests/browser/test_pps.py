"""The PPS end to end: a clinician writes and hands it over on a tablet; the patient reads it on a phone once the
announcement is recorded, sees the calendar, downloads the PDF and the calendar file, confirms reading; a new
version shows what changed. Free text typed as script stays text."""

from __future__ import annotations

import re
from datetime import date, timedelta

import icalendar
from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal import texts
from dcc_portal.models import Account, AuditEvent, Document, Notification, Patient, utcnow
from tests.browser.helpers import assert_fits_width, enrol, login, shot, visit

CLINICIAN = "onco.benali"  # referent oncologist of patient.morel in the demo region
PATIENT = "patient.morel"
HOSTILE = '<script>window.pwned=1</script> javascript:alert(1)'


def _patient(server, identifier: str) -> Patient:
    with server.session() as db:
        account = db.exec(select(Account).where(Account.identifier == identifier)).one()
        return db.get(Patient, account.patient_id)


def _watch_dialogs(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _write_and_hand_over(server, page, patient: Patient, start: date) -> None:
    visit(page, f"/team/patient?p={patient.public_id}")
    page.get_by_test_id("open-pps").click()
    expect(page).to_have_url(re.compile(r"/team/pps/?\?p="))
    expect(page.get_by_test_id("pps-write")).to_be_visible()
    shot(page, "pps-team-none-tablet")
    page.get_by_test_id("pps-write").click()
    expect(page.get_by_label("Date de la RCP")).to_be_visible()

    page.get_by_label("Date de la RCP").fill((date.today() - timedelta(days=5)).isoformat())
    page.get_by_label("Le programme en quelques mots, pour le patient").fill("Six cures de chimiothérapie. " + HOSTILE)
    # Lines prefilled from the last fiche RCP (when the patient has one) are replaced by the plan written here.
    prefilled = page.get_by_test_id("item-treatments")
    for left in range(prefilled.count(), 0, -1):
        prefilled.first.get_by_role("button", name=texts.PPS["remove"]).click()
        expect(prefilled).to_have_count(left - 1)
    page.get_by_test_id("add-treatments").click()
    page.locator("#treatments-type-0").select_option("C15632")
    page.locator("#treatments-start-0").fill(start.isoformat())
    page.locator("#treatments-time-0").fill("09:30")
    page.locator("#treatments-sessions-0").fill("6")
    page.locator("#treatments-every_days-0").fill("21")
    page.locator("#treatments-place-0").fill("Hôpital de jour " + HOSTILE)
    page.locator("#treatments-route-0").select_option("20045000")
    page.locator("#treatments-side_effects-0").fill("Fatigue, nausées. " + HOSTILE)
    page.get_by_test_id("add-contacts").click()
    page.locator("#contacts-who-0").fill("Infirmière de coordination " + HOSTILE)
    page.locator("#contacts-phone-0").fill("02 99 20 20 45")
    page.locator("#contacts-hours-0").fill("9 h - 17 h")
    page.get_by_test_id("pps-save").click()
    # The title is missing: the message sits next to the field and nothing typed is lost.
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    expect(page.locator("#treatments-place-0")).to_have_value("Hôpital de jour " + HOSTILE)
    shot(page, "pps-editor-error-tablet")
    page.locator("#treatments-title-0").fill("Chimiothérapie FOLFOX " + HOSTILE)
    assert_fits_width(page)
    shot(page, "pps-editor-tablet")
    page.get_by_test_id("pps-save").click()

    expect(page).to_have_url(re.compile(r"/team/pps/?\?p=.*saved=1"))
    expect(page.get_by_test_id("notice")).to_contain_text("PPS enregistré")
    expect(page.get_by_test_id("announcement-missing")).to_be_visible()
    page.get_by_text("Oui, il accepte").click()
    page.get_by_test_id("handover-submit").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Remise enregistrée")
    expect(page.get_by_test_id("consent-label")).to_contain_text("accepte")
    expect(page.get_by_test_id("pps-version")).to_have_count(1)
    assert_fits_width(page)
    shot(page, "pps-team-handed-over-tablet")


def test_clinician_hands_over_and_patient_reads_calendar_downloads_and_acknowledges(page_factory, server):
    patient = _patient(server, PATIENT)
    start = date.today() + timedelta(days=3)
    clinician_secret = enrol(server, CLINICIAN)
    team_page = page_factory("tablet")
    team_dialogs = _watch_dialogs(team_page)
    login(team_page, server, CLINICIAN, clinician_secret, lands_on="/team")
    _write_and_hand_over(server, team_page, patient, start)

    patient_secret = enrol(server, PATIENT)
    phone = page_factory("phone")
    phone_dialogs = _watch_dialogs(phone)
    login(phone, server, PATIENT, patient_secret, lands_on="/patient")
    phone.goto("/patient/pps")
    # Release gating: handed over, but the announcement consultation is not recorded yet.
    expect(phone.get_by_test_id("pps-not-available")).to_be_visible()
    shot(phone, "pps-patient-not-yet-phone")
    with server.session() as db:
        row = db.get(Patient, patient.id)
        row.medical_announcement_at = utcnow()
        db.add(row)

    phone.goto("/patient/pps")
    expect(phone.get_by_test_id("pps-unread")).to_contain_text("Votre programme de soins")
    expect(phone.get_by_test_id("calendar-event")).to_have_count(3)
    expect(phone.get_by_test_id("calendar-event").first).to_contain_text("Chimiothérapie FOLFOX " + HOSTILE)
    expect(phone.get_by_test_id("pps-treatment")).to_contain_text("Par perfusion dans une veine")
    assert phone.evaluate("() => window.pwned === undefined")
    assert_fits_width(phone)
    shot(phone, "pps-patient-first-read-phone")

    with phone.expect_download() as pdf_download:
        phone.get_by_test_id("pps-pdf").click()
    assert open(pdf_download.value.path(), "rb").read(5) == b"%PDF-"

    phone.get_by_role("link", name="Voir tout mon calendrier").click()
    expect(phone).to_have_url(re.compile(r"/patient/calendar/?$"))
    expect(phone.get_by_test_id("calendar-event")).to_have_count(6)
    assert_fits_width(phone)
    shot(phone, "pps-patient-calendar-phone")
    with phone.expect_download() as ics_download:
        phone.get_by_test_id("pps-ics").click()
    calendar = icalendar.Calendar.from_ical(open(ics_download.value.path(), "rb").read())
    events = calendar.walk("VEVENT")
    assert len(events) == 6 and all(str(event["SUMMARY"]).startswith("Rendez-vous médical") for event in events)
    first = min(event.decoded("DTSTART") for event in events)
    assert (first.date(), first.hour, first.minute, str(first.tzinfo)) == (start, 9, 30, "Europe/Paris")
    phone.get_by_test_id("ics-detailed").click()
    with phone.expect_download() as detailed_download:
        phone.get_by_test_id("pps-ics").click()
    detailed = icalendar.Calendar.from_ical(open(detailed_download.value.path(), "rb").read())
    assert any("FOLFOX" in str(event["SUMMARY"]) for event in detailed.walk("VEVENT"))

    phone.goto("/patient/contacts")
    expect(phone.get_by_test_id("tel-link").first).to_have_attribute("href", "tel:0299202045")
    shot(phone, "pps-patient-contacts-phone")
    assert_fits_width(phone)

    visit(phone, "/patient/pps")
    phone.get_by_test_id("pps-acknowledge").click()
    expect(phone.get_by_test_id("notice")).to_contain_text("c'est noté")
    expect(phone.get_by_test_id("pps-unread")).to_have_count(0)
    with server.session() as db:
        account_id = db.exec(select(Account.id).where(Account.identifier == PATIENT)).one()
        acknowledged = db.exec(select(AuditEvent).where(AuditEvent.action == "acknowledge", AuditEvent.account_id == account_id)).all()
    assert acknowledged and acknowledged[-1].outcome == "success"

    # A new version: the clinician moves the cures by a week, with the reason "calendar change".
    team_page.bring_to_front()  # back to the tablet's window, idle while the patient read
    team_page.get_by_test_id("pps-edit").click()
    expect(team_page.locator("#treatments-start-0")).to_have_value(start.isoformat())
    team_page.locator("#treatments-start-0").fill((start + timedelta(days=7)).isoformat())
    team_page.get_by_test_id("pps-save").click()
    expect(team_page.get_by_text("Choisissez le motif de la mise à jour.")).to_be_visible()
    team_page.locator("#reason").select_option("GEN-176")
    shot(team_page, "pps-editor-update-tablet")
    team_page.get_by_test_id("pps-save").click()
    expect(team_page).to_have_url(re.compile(r"saved=1"))
    expect(team_page.get_by_test_id("pps-version")).to_have_count(2)
    expect(team_page.get_by_test_id("pps-version").first).to_contain_text("Modification de calendrier")

    phone.goto("/patient/pps")
    expect(phone.get_by_test_id("pps-unread")).to_contain_text("Votre programme a changé")
    expect(phone.get_by_test_id("pps-unread")).to_contain_text("Changement de dates dans votre calendrier")
    change = phone.get_by_test_id("pps-change").first
    expect(change).to_contain_text("date de début — désormais " + (start + timedelta(days=7)).strftime("%d/%m/%Y"))
    assert_fits_width(phone)
    shot(phone, "pps-patient-changed-phone")
    phone.get_by_test_id("pps-acknowledge").click()
    expect(phone.get_by_test_id("pps-unread")).to_have_count(0)
    expect(phone.get_by_test_id("pps-history")).to_have_count(2)

    # The print view shows the script as text too.
    team_page.get_by_test_id("pps-view").click()
    frame = team_page.frame_locator("[data-testid=document-frame]")
    expect(frame.get_by_text("Chimiothérapie FOLFOX " + HOSTILE).first).to_be_visible()
    shot(team_page, "pps-print-view-tablet")
    assert team_dialogs == [] and phone_dialogs == []


def test_demo_patient_sees_the_newer_version_and_what_changed(page_factory, server):
    secret = enrol(server, "patient.simon")
    page = page_factory("phone")
    login(page, server, "patient.simon", secret, lands_on="/patient")
    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("dialog").get_by_role("link", name="Mon programme de soins").click()
    expect(page).to_have_url(re.compile(r"/patient/pps/?$"))
    expect(page.get_by_test_id("pps-unread")).to_contain_text("Votre programme a changé")
    expect(page.get_by_test_id("pps-change").first).to_contain_text("Immunothérapie d'entretien")
    assert_fits_width(page)
    shot(page, "pps-demo-simon-phone")


def test_the_gp_cannot_open_a_pps_the_patient_refused_to_share(page_factory, server):
    with server.session() as db:
        refused = next(document for document in db.exec(select(Document).where(Document.kind == "pps")).all()
                       if document.withheld_from_medecin_traitant)
        patient = db.get(Patient, refused.patient_id)
        gp = db.exec(select(Account).where(Account.professional_id == patient.gp_professional_id)).one()
        notified = db.exec(select(Notification).where(Notification.account_id == gp.id, Notification.document_id == refused.id)).all()
    assert notified == []
    secret = enrol(server, gp.identifier)
    page = page_factory("phone")
    login(page, server, gp.identifier, secret, lands_on="/gp")
    page.goto(f"/document?d={refused.public_id}")
    expect(page.get_by_test_id("forbidden")).to_be_visible()


def test_the_nurse_completes_supportive_care_only(page_factory, server):
    nurse = "ide.marchand"  # announcement nurse in patient.simon's care team
    simon = _patient(server, "patient.simon")
    secret = enrol(server, nurse)
    page = page_factory("tablet")
    login(page, server, nurse, secret, lands_on="/team")
    page.goto(f"/team/pps?p={simon.public_id}")
    expect(page.get_by_test_id("handover-submit")).to_have_count(0)  # handing over is the physician's
    page.get_by_test_id("pps-edit").click()
    expect(page.get_by_text("En tant qu'infirmier(ère)")).to_be_visible()
    expect(page.locator("#treatments-title-0")).to_be_disabled()
    expect(page.get_by_test_id("add-treatments")).to_have_count(0)
    cards = page.get_by_test_id("item-supportive_care")
    before = cards.count()
    page.get_by_test_id("add-supportive_care").click()
    expect(cards).to_have_count(before + 1)
    last = cards.nth(before)
    last.locator("select").select_option("ORG-037")
    last.locator("textarea").fill("Groupe de parole pour les proches, le premier jeudi du mois.")
    page.locator("#reason").select_option("MED-561")
    assert_fits_width(page)
    shot(page, "pps-editor-nurse-tablet")
    page.get_by_test_id("pps-save").click()
    expect(page).to_have_url(re.compile(r"saved=1"))
    expect(page.get_by_test_id("pps-version").first).to_contain_text("Réajustement des soins de support")
