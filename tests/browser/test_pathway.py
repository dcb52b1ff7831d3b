"""The team's patient file (tablet), the GP's view of new steps and the patient's released documents (phone)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import select

from dcc_portal.models import (
    AnnouncementStep,
    Document,
    DocumentVersion,
    Notification,
    Patient,
)
from dcc_portal.services.common import render
from tests.browser.helpers import account, assert_fits_width, enrol, login, shot, visit

HOSTILE = '<script>window.__pwned=1</script> javascript:alert(1)'


def patient_id(server, local_id: str) -> str:
    with server.session() as db:
        return db.exec(select(Patient.public_id).where(Patient.local_id == local_id)).one()


def no_injection(page: Page) -> None:
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator("a[href^='javascript']").count() == 0


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert not violations, [(v["id"], [n["html"][:100] for n in v["nodes"][:3]]) for v in violations]


def open_tab(page: Page, name: str) -> None:
    page.get_by_test_id(f"tab-{name}").click()


def test_nurse_records_the_nursing_time_with_needs_and_referrals(page_factory, server):
    p = patient_id(server, "DEMO-000023")  # diagnosis stage, nurse ide.marchand, nothing recorded yet
    secret = enrol(server, "ide.marchand")
    page = page_factory("tablet")
    login(page, server, "ide.marchand", secret, lands_on="/team")
    page.goto(f"/team/patient?p={p}")
    expect(page.get_by_test_id("patient-header")).to_be_visible()
    open_tab(page, "announcement")
    expect(page.get_by_test_id("status-nursing")).to_have_attribute("data-done", "no")
    expect(page.get_by_test_id("record-medical_diagnosis")).to_have_count(0)  # a nurse does not record the medical time
    page.get_by_test_id("record-nursing").click()
    form = page.get_by_test_id("step-form")
    # Allowed before any medical time, and said so before and after saving.
    expect(form.get_by_test_id("no-medical-warning")).to_contain_text("Aucun temps médical enregistré")
    form.get_by_label("Ce qui a été dit").fill(f"Patient inquiet, questions sur la chimiothérapie. {HOSTILE}")
    form.locator("#need_nutrition").select_option("ORG-036")
    form.locator("#need_psychological").select_option("PSYCHO")
    form.locator("#need_pain").select_option("none")
    form.locator("#need_social").select_option("need")
    assert_accessible(page)
    shot(page, "announcement-nursing-form-tablet")
    form.get_by_test_id("step-submit").dblclick()  # a double submit records one step
    expect(page.get_by_test_id("step-notice")).to_be_visible()
    expect(page.get_by_test_id("step-warning")).to_contain_text("Aucun temps médical enregistré pour ce patient.")
    card = page.get_by_test_id("step-card").first
    expect(card).to_contain_text("Temps d'accompagnement soignant")
    expect(card).to_contain_text("nutrition, psychologique, social")
    expect(card).to_contain_text("Diététicien(ne), Psychologue / psycho-oncologue")
    expect(card).to_contain_text("<script>window.__pwned=1</script> javascript:alert(1)")
    expect(page.get_by_test_id("status-nursing")).to_have_attribute("data-done", "yes")
    no_injection(page)
    assert_fits_width(page)
    shot(page, "announcement-nursing-recorded-tablet")
    with server.session() as db:
        patient = db.exec(select(Patient).where(Patient.public_id == p)).one()
        steps = db.exec(select(AnnouncementStep).where(AnnouncementStep.patient_id == patient.id)).all()
        assert [s.temps for s in steps] == ["nursing"]
        assert patient.medical_announcement_at is None
        gp_account = db.exec(select(Notification).where(Notification.patient_id == patient.id,
                                                        Notification.kind == "announcement_recorded")).all()
        assert [n.title.split(" : ")[-1] for n in gp_account] == ["nouvelle étape du dispositif d'annonce"]
    open_tab(page, "pathway")
    expect(page.get_by_test_id("timeline-item").first).to_contain_text("besoins : nutrition, psychologique, social")


def test_announcement_releases_the_cr_acp_to_the_patient_and_the_gp_is_told(page_factory, server):
    p = patient_id(server, "DEMO-000002")  # patient.dubois: CR-ACP filed, not yet announced; onco.girard, mg.garnier
    # 1. The patient does not see the CR-ACP yet.
    patient_secret = enrol(server, "patient.dubois")
    phone = page_factory("phone")
    login(phone, server, "patient.dubois", patient_secret, lands_on="/patient")
    phone.goto("/patient/documents")
    expect(phone.get_by_role("heading", name="Mes documents")).to_be_visible()
    phone.wait_for_timeout(500)
    expect(phone.get_by_test_id("document-card")).to_have_count(0)
    expect(phone.get_by_text("Aucun document pour l'instant.")).to_be_visible()
    assert_fits_width(phone)
    shot(phone, "patient-documents-before-announcement-phone")
    with server.session() as db:
        acp = db.exec(select(Document).join(Patient).where(Patient.public_id == p, Document.kind == "cr_acp")).one().public_id
    phone.goto(f"/document?d={acp}")
    expect(phone).to_have_url(re.compile(r"/forbidden/?$"))

    # 2. The physician sets the diagnosis with the pickers and records the medical time (tablet).
    secret = enrol(server, "onco.girard")
    tablet = page_factory("tablet")
    login(tablet, server, "onco.girard", secret, lands_on="/team")
    visit(tablet, f"/team/patient?p={p}")
    tablet.get_by_test_id("edit-diagnosis").click()
    tablet.get_by_test_id("icd10-search").fill("bronches poumon lobe supérieur")
    tablet.get_by_test_id("icd10-option").filter(has_text="C34.1").click()
    expect(tablet.get_by_test_id("icd10-picked")).to_have_text("Tumeur maligne du lobe supérieur, bronches ou poumon")
    tablet.get_by_test_id("morphology-search").fill("EPIDERMOIDE SAI")
    tablet.get_by_test_id("morphology-option").filter(has_text="8070/3").click()
    tablet.locator("#tnm_t").fill("t3")
    tablet.locator("#performance").select_option("1")
    tablet.locator("#performance_date").fill("2100-01-01")
    tablet.get_by_test_id("diagnosis-save").click()
    expect(tablet.get_by_test_id("performance_date-error")).to_contain_text("futur")
    expect(tablet.locator("#tnm_t")).to_have_value("t3")  # what was typed is kept
    shot(tablet, "diagnosis-form-error-tablet")
    tablet.locator("#performance_date").fill("2024-02-29")
    tablet.get_by_test_id("diagnosis-save").click()
    summary = tablet.get_by_test_id("diagnosis-summary")
    expect(summary).to_contain_text("C34.1 Tumeur maligne du lobe supérieur, bronches ou poumon")
    expect(summary).to_contain_text("8070/3 Carcinome épidermoïde, SAI")
    expect(summary).to_contain_text("cT3 N1 M0")
    expect(summary).to_contain_text("OMS 1")
    assert_accessible(tablet)
    shot(tablet, "pathway-tab-tablet")

    open_tab(tablet, "documents")
    release = tablet.get_by_test_id("team-document").filter(has_text="anatomo-cytopathologie").get_by_test_id("release-label")
    expect(release).to_have_attribute("data-state", "waiting")
    open_tab(tablet, "announcement")
    expect(tablet.get_by_test_id("held-documents")).to_be_visible()
    expect(tablet.get_by_test_id("record-nursing")).to_have_count(0)
    tablet.get_by_test_id("record-medical_diagnosis").click()
    form = tablet.get_by_test_id("step-form")
    form.get_by_label("Personne présente").fill("Son épouse")
    form.get_by_label("Ce qui a été dit").fill("Annonce du carcinome épidermoïde bronchique ; le patient reformule bien.")
    form.get_by_test_id("step-submit").click()
    expect(tablet.get_by_test_id("announced-on")).to_be_visible()
    expect(tablet.get_by_test_id("status-medical_diagnosis")).to_have_attribute("data-done", "yes")
    expect(tablet.get_by_test_id("held-documents")).to_have_count(0)
    # Announced once: the button gives way to the recorded step, which stays correctable.
    expect(tablet.get_by_test_id("record-medical_diagnosis")).to_have_count(0)
    recorded = tablet.get_by_test_id("recorded-medical_diagnosis")
    expect(recorded).to_contain_text(re.compile(r"Annonce du diagnostic enregistrée le \d\d/\d\d/\d{4}"))
    expect(tablet.get_by_test_id("record-medical_treatment")).to_be_visible()
    assert_fits_width(tablet)
    shot(tablet, "announcement-medical-recorded-tablet")
    recorded.get_by_test_id("correct-recorded").click()
    expect(tablet.get_by_test_id("step-form")).to_contain_text("Corriger : Temps médical : annonce du diagnostic (version 1)")
    tablet.get_by_test_id("step-form").get_by_role("button", name="Annuler").click()
    open_tab(tablet, "documents")
    expect(release).to_have_attribute("data-state", "visible")
    shot(tablet, "documents-tab-tablet")

    # 3. The patient now sees the CR-ACP, with the date it was released.
    phone.goto("/patient/documents")
    card = phone.get_by_test_id("document-card").filter(has_text="anatomo-cytopathologie")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("released-on")).to_contain_text(re.compile(r"Disponible depuis le \d\d/\d\d/\d{4} \d\d:\d\d"))
    assert_fits_width(phone)
    assert_accessible(phone)
    shot(phone, "patient-documents-after-announcement-phone")
    card.get_by_test_id("open-document").click()
    expect(phone.get_by_test_id("document-title")).to_be_visible()
    expect(phone.get_by_text(re.compile("Mis à votre disposition le"))).to_be_visible()
    shot(phone, "patient-reads-cr-acp-phone")

    # 4. The médecin traitant sees the notification and the new step on the phone.
    gp_secret = enrol(server, "mg.garnier")
    gp = page_factory("phone")
    login(gp, server, "mg.garnier", gp_secret, lands_on="/gp")
    expect(gp.get_by_test_id("unread-badge")).to_be_visible()
    gp.get_by_test_id("bell").click()
    item = gp.get_by_test_id("notification").filter(has_text="nouvelle étape du dispositif d'annonce").first
    expect(item).to_be_visible()
    assert "carcinome" not in item.inner_text().lower()
    shot(gp, "gp-notifications-phone")
    item.get_by_role("button", name="Ouvrir").click()
    expect(gp).to_have_url(re.compile(rf"/gp/patient/?\?p={p}$"))
    expect(gp.get_by_test_id("gp-diagnosis")).to_contain_text("C34.1")
    expect(gp.get_by_test_id("gp-suspected")).to_have_count(0)  # the CR-ACP date is recorded
    timeline = gp.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Temps médical : annonce du diagnostic")
    expect(timeline).to_contain_text("Compte rendu d'anatomo-cytopathologie")
    gp.get_by_test_id("section-documents").click()  # folded under the timeline
    expect(gp.get_by_test_id("document-card").filter(has_text="anatomo-cytopathologie")).to_be_visible()
    assert_fits_width(gp)
    assert_accessible(gp)
    shot(gp, "gp-patient-timeline-phone")


def _drop(page: Page, name: str, data: bytes, mime: str = "application/pdf") -> None:
    page.get_by_test_id("file-drop").locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_report_pdf_is_uploaded_checked_and_viewed(page_factory, server):
    p = patient_id(server, "DEMO-000004")  # onco.moreau is the referent physician
    secret = enrol(server, "onco.moreau")
    page = page_factory("tablet")
    login(page, server, "onco.moreau", secret, lands_on="/team")
    page.goto(f"/team/patient?p={p}")
    open_tab(page, "documents")
    page.get_by_test_id("new-upload").click()
    _drop(page, "compte-rendu.pdf", b"<html><body><script>alert(1)</script></body></html>")
    expect(page.get_by_test_id("file-error")).to_contain_text("n'est pas un PDF")
    _drop(page, "vide.pdf", b"")
    expect(page.get_by_test_id("file-error")).to_contain_text("vide")
    _drop(page, "gros.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024 + 10) + b"\n%%EOF\n")
    expect(page.get_by_test_id("file-error")).to_contain_text("20 Mo au plus")  # refused by the browser, never sent
    # The server refuses an oversized upload body before reading it, whatever the page does.
    big = httpx.post(f"{server.base_url}/_upload", content=b"x" * (22 * 1024 * 1024),
                     headers={"reflex-client-token": "x", "reflex-event-handler": "x"}, timeout=60)
    assert big.status_code == 413
    pdf = render.pdf("<html><body><h1>Compte rendu opératoire</h1><p>Tumorectomie gauche.</p></body></html>")
    _drop(page, "../../x.pdf", pdf)
    expect(page.get_by_test_id("file-ready")).to_contain_text("x.pdf")
    expect(page.get_by_test_id("file-error")).to_have_count(0)
    assert_accessible(page)
    form = page.get_by_test_id("document-form")
    form.locator("#kind").select_option("cro")
    form.locator("#service_date").fill("1900-01-01")
    form.locator("#title").fill(f"Tumorectomie {HOSTILE}")
    form.locator("#author").fill("Dr Julien ROUSSEAU")
    form.get_by_test_id("document-submit").click()
    expect(page.get_by_test_id("service_date-error")).to_contain_text("naissance")
    expect(form.locator("#title")).to_have_value(f"Tumorectomie {HOSTILE}")
    form.locator("#service_date").fill("2024-02-29")
    shot(page, "upload-form-tablet")
    form.get_by_test_id("document-submit").click()
    expect(page.get_by_test_id("document-notice")).to_be_visible()
    card = page.get_by_test_id("team-document").filter(has_text="Tumorectomie").first
    expect(card).to_contain_text(f"Tumorectomie {HOSTILE}")
    expect(card).to_contain_text("Compte rendu opératoire")
    expect(card).to_contain_text("Dr Julien ROUSSEAU")  # the report's author, not the person who filed it
    no_injection(page)
    assert_fits_width(page)
    shot(page, "upload-filed-tablet")
    with server.session() as db:
        document = db.exec(select(Document).where(Document.title == f"Tumorectomie {HOSTILE}")).one()
        version = db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).one()
        assert re.fullmatch(r"[0-9a-f]{64}", version.file_name) and version.size == len(pdf)
    files_root = Path(server.db_url.removeprefix("sqlite:///")).parent / "files"
    assert all(re.fullmatch(r"[0-9a-f]{2}|[0-9a-f]{64}", p.name) for p in files_root.rglob("*"))

    # Hold it back from the patient, with a reason (audited).
    card.get_by_test_id("release-document").click()
    release_form = page.get_by_test_id("document-form")
    release_form.locator("#mode").select_option("held")
    release_form.get_by_test_id("document-submit").click()
    expect(page.get_by_test_id("reason-error")).to_be_visible()
    release_form.locator("#reason").fill("Résultat à expliquer en consultation")
    release_form.get_by_test_id("document-submit").click()
    expect(card.get_by_test_id("release-label")).to_have_attribute("data-state", "held")
    expect(card.get_by_test_id("release-label")).to_contain_text("Résultat à expliquer en consultation")
    with server.session() as db:
        from dcc_portal.models import AuditEvent

        assert db.exec(select(AuditEvent).where(AuditEvent.justification == "Résultat à expliquer en consultation")).one()

    card.get_by_test_id("open-document").click()
    expect(page.get_by_test_id("document-title")).to_have_text(f"Tumorectomie {HOSTILE}")
    frame = page.get_by_test_id("document-frame")
    assert frame.get_attribute("src").startswith("/api/files/")
    no_injection(page)
    shot(page, "upload-viewed-tablet")
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    assert Path(download.value.path()).read_bytes() == pdf


def test_structured_report_print_view_pdf_and_concurrent_saves(page_factory, server):
    p = patient_id(server, "DEMO-000004")  # onco.moreau (referent) and chir.lambert (surgeon) share this patient
    secret = enrol(server, "onco.moreau")
    page = page_factory("tablet")
    login(page, server, "onco.moreau", secret, lands_on="/team")
    page.goto(f"/team/patient?p={p}")
    open_tab(page, "documents")
    page.get_by_test_id("new-structured").click()
    form = page.get_by_test_id("document-form")
    expect(form.locator("#establishment")).to_have_value("Institut de cancérologie Loire-Océan (fictif)")  # the author's
    form.locator("#title").fill(f"Consultation {HOSTILE}")
    form.locator("#body").fill(f"Examen clinique normal.\n{HOSTILE}")
    form.locator("#conclusion").fill(f"Conclusion {HOSTILE}")
    form.get_by_test_id("document-submit").click()
    card = page.get_by_test_id("team-document").filter(has_text="Consultation <script>").first
    expect(card).to_be_visible()
    no_injection(page)

    # The print view, as served to the reader's iframe, shows the text inert.
    card.get_by_test_id("open-document").click()
    frame = page.frame_locator("[data-testid=document-frame]")
    expect(frame.locator("body")).to_contain_text(f"Conclusion {HOSTILE}")
    assert frame.locator("script").count() == 1  # only the print button's own script
    assert page.frames[-1].evaluate("() => window.__pwned === undefined")
    shot(page, "structured-report-print-view-tablet")
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "<script>window.__pwned=1</script>" in text and "javascript:alert(1)" in text
    assert not any("/Annots" in pg for pg in reader.pages)

    # Two physicians open the correction from the same version; the second save is refused, nothing overwritten.
    other_secret = enrol(server, "chir.lambert")
    other = page_factory("tablet")
    login(other, server, "chir.lambert", other_secret, lands_on="/team")
    for who in (page, other):
        who.goto(f"/team/patient?p={p}")
        open_tab(who, "documents")
        who.get_by_test_id("team-document").filter(has_text="Consultation <script>").first.get_by_test_id("new-version").click()
        who.get_by_test_id("document-form").locator("#conclusion").fill(f"Conclusion de {who is page and 'Moreau' or 'Lambert'}")
        who.get_by_test_id("document-form").locator("#reason").fill("Précision")
    page.get_by_test_id("document-submit").click()
    expect(page.get_by_test_id("document-notice")).to_contain_text("Nouvelle version")
    other.get_by_test_id("document-submit").click()
    expect(other.get_by_test_id("form-error")).to_contain_text("modifié par quelqu'un d'autre")
    expect(other.get_by_test_id("document-form").locator("#conclusion")).to_have_value("Conclusion de Lambert")
    shot(other, "stale-save-refused-tablet")
    with server.session() as db:
        document = db.exec(select(Document).where(Document.title == f"Consultation {HOSTILE}")).one()
        assert document.current_version == 2
        versions = db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).all()
        assert len(versions) == 2 and "Moreau" in max(versions, key=lambda v: v.version).content_json
    assert account(server, "chir.lambert") is not None
    assert httpx.get(f"{server.base_url}/api/files/not-a-ticket").status_code == 403
