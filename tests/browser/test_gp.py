"""The GP's journey on a phone (390x844), through the real login with TOTP: my patients (search, what's new),
the notification of a newly signed fiche RCP, reading it in the page, the PDF, the document then read and the
"new" badge gone; then the patient's pathway (timeline, delays, next steps, care team), an uploaded PDF on the
phone, and e-mail notifications turned on in the account."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import select

from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    CancerDiagnosis,
    CareTeamMembership,
    Document,
    DocumentRead,
    DocumentVersion,
    Patient,
    PatientVisit,
    Professional,
    Rcp,
    RcpCase,
    RcpSessionStatus,
    utcnow,
)
from dcc_portal.services.identity import sessions
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.rcp import decision as rcp_decision
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import sessions as rcp_sessions
from dcc_portal.services.rcp import sitting as rcp_sitting
from tests.browser.helpers import (
    assert_fits_width,
    enrol,
    fresh_code,
    login,
    shot,
    visit,
)
from tests.pps_world import programme, treatment

GP = "mg.renaud"
COORDINATOR = "onco.moreau"


def actor(db, identifier: str):
    row = db.exec(select(Account).where(Account.identifier == identifier)).one()
    return sessions.resolve(db, token=sessions.open_session(db, account_id=row.id, client_ip="127.0.0.1"))


def professional(db, identifier: str) -> Professional:
    return db.exec(select(Professional).join(Account, Account.professional_id == Professional.id)
                   .where(Account.identifier == identifier)).one()


def patient_for(server) -> Patient:
    """A patient of Dr Renaud (médecin traitant) in Dr Moreau's care team with a colon cancer, not registered in an
    RCP yet."""
    with server.session() as db:
        registered = set(db.exec(select(RcpCase.patient_id)).all())
        candidates = db.exec(
            select(Patient).join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
            .join(CancerDiagnosis, CancerDiagnosis.patient_id == Patient.id).where(CancerDiagnosis.icd10_code.startswith("C18"))
            .where(CareTeamMembership.professional_id == professional(db, COORDINATOR).id,
                   CareTeamMembership.start_date <= formatting.paris_today() - timedelta(days=12),  # in the team then
                   Patient.gp_professional_id == professional(db, GP).id)
            .order_by(Patient.local_id)
        ).all()
        return next(p for p in candidates if p.id not in registered and pps.current_document(db, patient_id=p.id) is None)


def prepare(server, patient: Patient, coordinator_secret: str) -> str:
    """As the 3C and the coordinating physician would, through the services: a session of the digestive RCP a week
    ago, the case registered and discussed with quorum, the PPS handed over (shared with the médecin traitant), Dr
    Renaud's visit of the record; then the fiche signed today. Returns the fiche's public id."""
    past = utcnow() - timedelta(days=10)
    today = formatting.paris_today()
    session_day = today - timedelta(days=7)
    with server.session() as db:
        db.exec(select(CancerDiagnosis).where(CancerDiagnosis.patient_id == patient.id)).one().diagnosis_date = \
            today - timedelta(days=56)  # the CR-ACP eight weeks ago: the RCP came late
        secretary, coordinator = actor(db, "sec.roux"), actor(db, COORDINATOR)
        board = db.exec(select(Rcp.public_id).where(Rcp.name == "RCP digestive")).one()
        [session_id] = rcp_sessions.plan_sessions(db, actor=secretary, rcp_public_id=board, first_date=session_day.isoformat(),
                                         start_time="13:00", deadline_days=1, now=past)
        rcp_sessions.set_session_status(db, actor=secretary, session_public_id=session_id, status=RcpSessionStatus.PUBLISHED, now=past)
        case_id = rcp_registration.register_case(db, actor=coordinator, patient_public_id=patient.public_id, session_public_id=session_id,
                                    reason="treatment_proposal", question="Chirurgie d'emblée ?", now=past)
        rcp_sessions.set_session_status(db, actor=secretary, session_public_id=session_id, status=RcpSessionStatus.OPEN)
        for member in (COORDINATOR, "chir.lambert", "radiotherapie.blanc"):
            rcp_sitting.set_attendance(db, actor=secretary, session_public_id=session_id,
                               professional_public_id=professional(db, member).public_id, present=True)
        rcp_decision.save_decision(db, actor=coordinator, case_public_id=case_id, expected_version=0, status="discussed",
                          proposal=[{"type": "387713003", "intention": "first", "detail": "Colectomie droite"}],
                          guideline="Thésaurus national de cancérologie digestive")
        start = today + timedelta(days=45)
        pps.save(db, actor=coordinator, patient_public_id=patient.public_id, expected_version=0, form=programme(
            rcp_date=session_day.isoformat(), plan_summary="Chirurgie, puis chimiothérapie.",
            treatments=[treatment(start=start.isoformat(), title="Chimiothérapie FOLFOX")],
            follow_up=[{**programme()["follow_up"][0], "date": (start + timedelta(days=30)).isoformat()}]))
        pps.record_handover(db, actor=coordinator, patient_public_id=patient.public_id, expected_version=1,
                            handed_over_on=today.isoformat(), by_professional_public_id=professional(db, COORDINATOR).public_id,
                            gp_consent="agreed")
        gp_account = db.exec(select(Account).where(Account.identifier == GP)).one()
        db.add(PatientVisit(account_id=gp_account.id, patient_id=patient.id, last_seen_at=utcnow()))
        for document in db.exec(select(Document).where(Document.patient_id == patient.id)).all():
            db.add(DocumentRead(account_id=gp_account.id, document_id=document.id, version=document.current_version))
    code = fresh_code(server, COORDINATOR, coordinator_secret)
    with server.session() as db:
        return frcp.sign(db, actor=actor(db, COORDINATOR), case_public_id=case_id, expected_version=1, code=code)


def axe_problems(page: Page) -> list:
    page.wait_for_timeout(500)
    return [(v["id"], [n["html"][:100] for n in v["nodes"][:3]]) for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")]


def small_touch_targets(page: Page) -> list[str]:
    """Visible links, buttons and form controls less than 44 px high (WCAG 2.5.5 / platform guidance); a text
    field counts as its visible box."""
    return page.evaluate("""() => [...document.querySelectorAll('a[href], button, input, select, textarea, [role=switch]')]
        .filter(el => { const r = (el.closest('.rt-TextFieldRoot') || el).getBoundingClientRect();
                        const s = getComputedStyle(el);
                        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.height < 43.5
                               && !el.closest('label[for], label:has(input)') })
        .map(el => el.tagName + ' ' + (el.innerText || el.getAttribute('aria-label') || el.name || '').slice(0, 40)
                   + ' ' + Math.round(el.getBoundingClientRect().height) + 'px')""")


def frame_overflow(page: Page) -> int:
    frame = page.frame_locator("[data-testid=document-frame]")
    expect(frame.locator("body")).to_be_visible()
    handle = page.locator("[data-testid=document-frame]").element_handle().content_frame()
    return handle.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check_screen(page: Page, name: str) -> None:
    assert_fits_width(page)
    small = small_touch_targets(page)
    assert small == [], f"{name}: {small}"
    problems = axe_problems(page)
    assert problems == [], f"{name}: {problems}"
    shot(page, name)


def test_gp_journey_on_the_phone(page_factory, server):
    coordinator_secret = enrol(server, COORDINATOR)
    enrol(server, "sec.roux")  # the secretariat has accepted the charter
    gp_secret = enrol(server, GP)
    patient = patient_for(server)
    fiche = prepare(server, patient, coordinator_secret)
    family = (patient.used_family_name or patient.birth_family_name).upper()

    # 1. Login with the second factor; my patients: search, and the "new" badge of the signed fiche.
    page = page_factory("phone")
    login(page, server, GP, gp_secret, lands_on="/gp")
    expect(page.get_by_test_id("patient-card").first).to_be_visible()
    check_screen(page, "gp-my-patients-phone")
    page.get_by_test_id("patient-search").fill(family.lower())
    page.get_by_test_id("patient-search").press("Enter")
    # The search in force first: should the card then be missing, the search ran and the data is at fault.
    expect(page.get_by_test_id("search-summary")).to_contain_text(f"Résultats pour « {family.lower()} »")
    card = page.get_by_test_id("patient-card").filter(has_text=family)
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("new-badge")).to_have_text("Nouveau 1")
    expect(card.get_by_test_id("news")).to_have_text("Nouveau : fiche RCP")
    expect(card).to_contain_text("Étape du parcours : Traitement")  # the PPS was handed over
    check_screen(page, "gp-my-patients-search-phone")

    # 2. The notification of the fiche: non-clinical title, opened in the reader.
    expect(page.get_by_test_id("unread-badge")).to_be_visible()
    page.get_by_test_id("bell").click()
    item = page.get_by_test_id("notification").filter(has_text="fiche RCP disponible").first
    expect(item).to_be_visible()
    assert "colectomie" not in item.inner_text().lower() and "côlon" not in item.inner_text().lower()
    check_screen(page, "gp-notification-fiche-phone")
    item.get_by_role("button", name="Ouvrir").click()
    expect(page).to_have_url(re.compile(rf"/document/?\?d={fiche}$"))
    expect(page.get_by_test_id("document-title")).to_contain_text("Fiche RCP digestive du")
    frame = page.frame_locator("[data-testid=document-frame]")
    expect(frame.get_by_text("Colectomie droite")).to_be_visible()
    assert frame_overflow(page) <= 0  # the print view reads on a 390 px screen
    check_screen(page, "gp-fiche-in-reader-phone")

    # 3. The PDF.
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    data = open(download_info.value.path(), "rb").read()
    assert data[:4] == b"%PDF" and "Colectomie droite" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)

    # 4. Back to my patients (a new page: the search of step 1 is not in force any more): read, the badge is gone.
    visit(page, "/gp")
    expect(page.get_by_test_id("search-summary")).to_have_count(0)
    page.get_by_test_id("patient-search").fill(family.lower())
    page.get_by_test_id("patient-search").press("Enter")
    # The search in force first: should the card then be missing, the search ran and the data is at fault.
    expect(page.get_by_test_id("search-summary")).to_contain_text(f"Résultats pour « {family.lower()} »")
    card = page.get_by_test_id("patient-card").filter(has_text=family)
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("new-badge")).to_have_count(0)
    expect(card.get_by_test_id("news")).to_have_count(0)
    shot(page, "gp-my-patients-after-reading-phone")

    # 5. The pathway on the phone.
    card.click()
    expect(page).to_have_url(re.compile(rf"/gp/patient/?\?p={patient.public_id}&retour=1$"))  # from the results
    expect(page.get_by_test_id("patient-name")).to_contain_text(family)
    expect(page.get_by_test_id("stage-treatment")).to_have_attribute("data-state", "current")  # PPS handed over
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Inscription en RCP : RCP digestive")
    expect(timeline).to_contain_text("Décision de RCP : RCP digestive")
    expect(timeline).to_contain_text("Programme personnalisé de soins remis au patient")
    delays = page.get_by_test_id("delay")
    expect(delays.filter(has_text="Du diagnostic à la RCP")).to_have_attribute("data-exceeded", "yes")
    expect(delays.filter(has_text="Du diagnostic à la RCP")).to_contain_text("RCP tenue 7 semaines après le diagnostic")
    expect(delays.filter(has_text="De la RCP à la remise du PPS")).to_have_attribute("data-exceeded", "no")
    expect(delays.filter(has_text="premier traitement")).to_contain_text("Premier traitement prévu au PPS 7 semaines et 3 jours")
    expect(page.get_by_test_id("next-step").first).to_contain_text("Chimiothérapie FOLFOX")
    fiche_card = page.get_by_test_id("document-card").filter(has_text="Fiche RCP digestive")
    expect(fiche_card).to_have_attribute("data-unread", "no")
    team = page.get_by_test_id("care-team")
    tel = team.get_by_test_id("contact-tel").first
    expect(tel).to_have_attribute("href", re.compile(r"^tel:\+?\d+$"))
    expect(team.get_by_test_id("contact-mail").first).to_have_attribute("href", re.compile(r"^mailto:[\w.+-]+@[\w.-]+$"))
    assert page.locator("a[href^='javascript']").count() == 0
    check_screen(page, "gp-patient-pathway-phone")

    # 6. An uploaded PDF report: on the phone, a clear open / download instead of an inline frame.
    with server.session() as db:
        pdf_report = db.exec(
            select(Document.public_id).join(DocumentVersion, (DocumentVersion.document_id == Document.id)
                                            & (DocumentVersion.version == Document.current_version))
            .join(Patient, Patient.id == Document.patient_id)
            .where(DocumentVersion.file_name.is_not(None), Document.status == "validated",
                   Patient.gp_professional_id == professional(db, GP).id)
            .order_by(Document.id)).first()
    page.goto(f"/document?d={pdf_report}")
    expect(page.get_by_test_id("pdf-notice")).to_be_visible()
    expect(page.get_by_test_id("open-view")).to_have_text("Ouvrir le PDF")
    expect(page.get_by_test_id("document-frame")).to_be_hidden()
    check_screen(page, "gp-pdf-report-phone")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    assert open(download_info.value.path(), "rb").read(4) == b"%PDF"

    # 7. E-mail notifications, off by default, turned on from the account page.
    visit(page, "/account")
    switch = page.get_by_test_id("mail-switch")
    expect(switch).to_have_attribute("data-state", "unchecked")
    page.get_by_text("M'avertir par courriel").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Notifications par courriel activées")
    expect(switch).to_have_attribute("data-state", "checked")
    check_screen(page, "gp-account-mail-phone")
    with server.session() as db:
        assert db.exec(select(Account.email_notifications).where(Account.identifier == GP)).one() is True
    assert page.errors == []


def test_every_structured_kind_reads_on_a_phone(page_factory, server):
    """The print views of a fiche RCP, a PPS, a consultation report and a pathology report held as structured
    content fit a 390 px screen (no sideways scrolling inside the frame)."""
    with server.session() as db:
        kinds = {}
        for kind in ("frcp", "pps", "consultation", "cr_acp"):
            document = db.exec(
                select(Document).join(DocumentVersion, (DocumentVersion.document_id == Document.id)
                                      & (DocumentVersion.version == Document.current_version))
                .where(Document.kind == kind, Document.status == "validated", DocumentVersion.file_name.is_(None),
                       Document.withheld_from_medecin_traitant.is_(False), Document.hidden_from_professionals.is_(False))
                .order_by(Document.id)).first()
            assert document is not None, kind
            kinds[kind] = document
        owners = {kind: db.get(Patient, document.patient_id) for kind, document in kinds.items()}
        gp_ids = {kind: owner.gp_professional_id for kind, owner in owners.items()}
        identifiers = {kind: db.exec(select(Account.identifier).where(Account.professional_id == gp_id)).one()
                       for kind, gp_id in gp_ids.items()}
    for kind, document in kinds.items():
        secret = enrol(server, identifiers[kind])
        page = page_factory("phone")
        login(page, server, identifiers[kind], secret, lands_on="/gp")
        page.goto(f"/document?d={document.public_id}")
        expect(page.get_by_test_id("document-title")).to_be_visible()
        assert frame_overflow(page) <= 0, kind
        assert_fits_width(page)
        shot(page, f"reader-{kind}-phone")
