"""Reports: structured entry, PDF uploads and their checks, versions, validation, release gating, print view and PDF."""

import io
import os
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlmodel import select

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.demo.seed import demo_finess
from dcc_portal.models import (
    AuditEvent,
    Document,
    DocumentVersion,
    Notification,
    Organisation,
)
from dcc_portal.services.common.errors import (
    AccessDenied,
    StaleVersion,
    ValidationFailed,
)
from dcc_portal.services.exchange import cda_n1
from dcc_portal.services.record import announcement, documents, pathway, reports
from tests import free_text
from tests.factories import T0
from tests.pathway_builders import small_pdf, team

HOSTILE = '<script>alert("x")</script> javascript:alert(1)'


def consultation(**extra):
    return {"kind": "consultation", "service_date": "2026-03-09", "title": "Consultation d'oncologie",
            "establishment": "Institut Test", "conclusion": "Chimiothérapie adjuvante proposée.",
            "body": "Patiente vue ce jour.\nExamen clinique sans particularité.", "validate": "on", **extra}


def upload(**extra):
    return {"kind": "cr_acp", "service_date": "2026-03-05", "title": "Biopsie du sein gauche",
            "author": "Dr Anne PATHOLOGISTE", "establishment": "Cabinet d'anatomopathologie (fictif)",
            "conclusion": "Carcinome canalaire infiltrant.", "validate": "on", **extra}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DCC_DATA_DIR", str(tmp_path))
    return tmp_path


# --- Upload checks ---

@pytest.mark.parametrize("data, message", [
    (b"", "vide"),
    (b"<html><body><script>alert(1)</script></body></html>", "pas un pdf"),
    (b"MZ\x90\x00" + b"\x00" * 100, "pas un pdf"),
    (b"%PDF-1.7\n1 0 obj << >> endobj\n", "incomplet"),
    (b"%PDF-1.4\ngarbage garbage\n%%EOF\n", "endommagé"),
])
def test_fake_and_broken_pdfs_are_refused(data, message):
    with pytest.raises(ValidationFailed) as error:
        reports.check_pdf(data)
    assert message in error.value.errors["file"].lower()


def test_too_big_is_refused_before_parsing():
    data = small_pdf()
    big = data[:-6] + b" " * (reports.MAX_UPLOAD_BYTES) + b"%%EOF\n"
    with pytest.raises(ValidationFailed) as error:
        reports.check_pdf(big)
    assert "20 mo" in error.value.errors["file"].lower()


def test_active_content_is_refused():
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('x');"))
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationFailed) as error:
        reports.check_pdf(out.getvalue())
    assert "actif" in error.value.errors["file"]


def test_a_real_pdf_passes():
    reports.check_pdf(small_pdf())


@pytest.mark.parametrize("trailer", [
    b"<html><script>alert(document.domain)</script></html>",
    b"PK\x03\x04" + b"\x00" * 40,
    b"\n\n<svg onload=alert(1)>\n",
])
def test_bytes_after_the_final_eof_are_refused_like_active_content(trailer):
    with pytest.raises(ValidationFailed) as error:
        reports.check_pdf(small_pdf() + trailer)
    assert "actif" in error.value.errors["file"]


def test_whitespace_after_the_final_eof_is_accepted():
    reports.check_pdf(small_pdf() + b"\r\n \t\x00\x0c\n")


def test_staging_keeps_nothing_of_the_users_file_name(db, data_dir):
    t = team(db)
    staged = reports.stage_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, data=small_pdf(),
                               file_name="../../x.pdf")
    assert staged.name == "x.pdf"
    assert [p.name for p in (data_dir / "staging").iterdir()] == [staged.token]
    doc_id = reports.file_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, staged_token=staged.token,
                              values=upload(), now=T0)
    version = db.exec(select(DocumentVersion).join(Document).where(Document.public_id == doc_id)).one()
    assert len(version.file_name) == 64 and "x" not in version.file_name.replace("", "")[:0]
    stored = list((data_dir / "files").rglob("*"))
    assert all(".." not in str(p) and not p.name.endswith(".pdf") for p in stored)
    assert list((data_dir / "staging").iterdir()) == []  # taken when filed
    with pytest.raises(ValidationFailed):  # a token is used once
        reports.file_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, staged_token=staged.token,
                         values=upload(), now=T0)
    for token in ("../../etc/passwd", "", "0" * 63, "g" * 64):
        with pytest.raises(ValidationFailed):
            reports.file_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, staged_token=token,
                             values=upload(), now=T0)


def test_refused_uploads_save_nothing(db, data_dir):
    t = team(db)
    for data in (b"", b"<html></html>", b"%PDF-1.4 nothing"):
        with pytest.raises(ValidationFailed):
            reports.stage_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, data=data, file_name="a.pdf")
    assert not (data_dir / "staging").exists() or list((data_dir / "staging").iterdir()) == []
    assert db.exec(select(Document)).all() == []


# --- Writing and versions ---

def test_uploaded_report_is_validated_on_the_timeline_and_notified(db):
    t = team(db)
    staged = reports.stage_pdf(db, actor=t.secretary, patient_public_id=t.patient.public_id, data=small_pdf(), file_name="cr.pdf")
    with pytest.raises(ValidationFailed) as error:  # the secretariat files, a physician validates
        reports.file_pdf(db, actor=t.secretary, patient_public_id=t.patient.public_id, staged_token=staged.token,
                         values=upload(), now=T0)
    assert "validate" in error.value.errors
    doc_id = reports.file_pdf(db, actor=t.secretary, patient_public_id=t.patient.public_id, staged_token=staged.token,
                              values=upload(validate=""), now=T0)
    assert db.exec(select(Notification)).all() == []
    reports.validate_report(db, actor=t.clinician, document_public_id=doc_id, expected_version=1, now=T0)
    document = db.exec(select(Document).where(Document.public_id == doc_id)).one()
    assert document.status == "validated" and document.announces_cancer  # a CR-ACP waits for the announcement
    note = db.exec(select(Notification)).one()
    assert note.title.endswith("nouveau document disponible") and note.document_id == document.id
    items = pathway.timeline(db, actor=t.gp, patient_public_id=t.patient.public_id)
    assert [(i.kind, i.title, i.document_public_id) for i in items] == [
        ("report", "Compte rendu d'anatomo-cytopathologie : Biopsie du sein gauche", doc_id)]
    assert documents.file_of(documents.version_row(db, document=document)) == small_pdf()
    assert documents.content_of(documents.version_row(db, document=document))["author"] == "Dr Anne PATHOLOGISTE"


def test_roles_for_reports(db):
    t = team(db)
    p = t.patient.public_id
    for actor in (t.nurse, t.secretary, t.gp, t.outsider, t.patient_actor):
        with pytest.raises(AccessDenied):
            reports.create_structured(db, actor=actor, patient_public_id=p, values=consultation(), now=T0)
    for actor in (t.nurse, t.gp, t.outsider, t.patient_actor):
        with pytest.raises(AccessDenied):
            reports.stage_pdf(db, actor=actor, patient_public_id=p, data=small_pdf(), file_name="a.pdf")
    doc_id = reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation(validate=""), now=T0)
    for actor in (t.nurse, t.secretary, t.gp):
        with pytest.raises(AccessDenied):
            reports.validate_report(db, actor=actor, document_public_id=doc_id, expected_version=1)
        with pytest.raises(AccessDenied):
            reports.set_release(db, actor=actor, document_public_id=doc_id, mode="released", reason="demande")


def test_structured_versions_and_stale_saves(db):
    t = team(db)
    doc_id = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id, values=consultation(), now=T0)
    form = reports.edit_form(db, actor=t.clinician, document_public_id=doc_id)
    assert form.version == 1 and form.body.startswith("Patiente vue ce jour")
    assert reports.correct_structured(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                                      values=consultation(conclusion="Radiothérapie."), reason="Erreur de conclusion", now=T0) == 2
    with pytest.raises(StaleVersion):  # the second physician started from version 1 too
        reports.correct_structured(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                                   values=consultation(conclusion="Hormonothérapie."), reason="Autre", now=T0)
    document = db.exec(select(Document).where(Document.public_id == doc_id)).one()
    assert documents.content_of(documents.version_row(db, document=document))["conclusion"] == "Radiothérapie."
    assert documents.content_of(documents.version_row(db, document=document, version=1))["conclusion"].startswith("Chimio")
    with pytest.raises(ValidationFailed) as error:
        reports.correct_structured(db, actor=t.clinician, document_public_id=doc_id, expected_version=2,
                                   values=consultation(), reason=" ", now=T0)
    assert "reason" in error.value.errors
    with pytest.raises(StaleVersion):  # validating a version one has not read
        reports.validate_report(db, actor=t.clinician, document_public_id=doc_id, expected_version=1)


def test_pdf_versions(db):
    t = team(db)
    staged = reports.stage_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, data=small_pdf(), file_name="a.pdf")
    doc_id = reports.file_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, staged_token=staged.token,
                              values=upload(), now=T0)
    second = reports.stage_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                               data=small_pdf("Compte rendu corrigé"), file_name="b.pdf")
    assert reports.replace_pdf(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                               staged_token=second.token, reason="Erratum du laboratoire", now=T0) == 2
    third = reports.stage_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, data=small_pdf(), file_name="c.pdf")
    with pytest.raises(StaleVersion):
        reports.replace_pdf(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                            staged_token=third.token, reason="Autre", now=T0)
    document = db.exec(select(Document).where(Document.public_id == doc_id)).one()
    assert documents.file_of(documents.version_row(db, document=document)) == small_pdf("Compte rendu corrigé")
    assert documents.file_of(documents.version_row(db, document=document, version=1)) == small_pdf()
    assert documents.content_of(documents.version_row(db, document=document))["author"] == "Dr Anne PATHOLOGISTE"


def test_double_submit_files_one_document(db):
    t = team(db)
    first = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id, values=consultation(),
                                      submission_key="k1", now=T0)
    second = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id, values=consultation(),
                                       submission_key="k1", now=T0)
    assert first == second and len(db.exec(select(Document)).all()) == 1


@pytest.mark.parametrize("value, message", [("1900-01-01", "naissance"), ("2100-01-01", "futur"), ("2026-02-29", "invalide")])
def test_report_dates(db, value, message):
    t = team(db)
    with pytest.raises(ValidationFailed) as error:
        reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                                  values=consultation(service_date=value), now=T0)
    assert message in error.value.errors["service_date"]


# --- Release gating ---

def _filed_acp(db, t):
    staged = reports.stage_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, data=small_pdf(), file_name="a.pdf")
    return reports.file_pdf(db, actor=t.clinician, patient_public_id=t.patient.public_id, staged_token=staged.token,
                            values=upload(), now=T0)


def patient_sees(db, t):
    return {row.public_id: row.released for row in reports.my_documents(db, actor=t.patient_actor).items}


def test_gated_until_the_medical_announcement_then_released_with_its_date(db):
    t = team(db)
    acp = _filed_acp(db, t)
    imaging = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                                        values=consultation(kind="letter", title="Lettre"), now=T0)
    flagged = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                                        values=consultation(announces_cancer="yes"), now=T0)
    assert patient_sees(db, t) == {imaging: "10/03/2026 09:00"}
    rows = {r.public_id: r for r in reports.team_documents(db, actor=t.clinician, patient_public_id=t.patient.public_id).items}
    assert rows[acp].release_state == "waiting" and rows[flagged].release_state == "waiting"
    assert rows[imaging].release_state == "visible"
    with pytest.raises(AccessDenied):
        documents.describe(db, actor=t.patient_actor, document_public_id=acp)
    later = T0 + timedelta(days=2)
    announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_diagnosis",
                        values={"occurred_on": later.date().isoformat(), "notes": "Annonce."}, now=later)
    assert patient_sees(db, t) == {imaging: "10/03/2026 09:00", acp: "12/03/2026 09:00", flagged: "12/03/2026 09:00"}
    assert documents.describe(db, actor=t.patient_actor, document_public_id=acp).released == "12/03/2026 09:00"


def test_team_releases_earlier_or_holds_longer_with_an_audited_reason(db):
    t = team(db)
    acp = _filed_acp(db, t)
    with pytest.raises(ValidationFailed) as error:
        reports.set_release(db, actor=t.clinician, document_public_id=acp, mode="released", reason="")
    assert "reason" in error.value.errors
    early = T0 + timedelta(hours=5)
    reports.set_release(db, actor=t.clinician, document_public_id=acp, mode="released",
                        reason="Patiente informée par téléphone, souhaite lire le compte rendu", now=early)
    assert patient_sees(db, t) == {acp: "10/03/2026 14:00"}
    db.commit()  # audit events are chained at commit
    event = db.exec(select(AuditEvent).where(AuditEvent.document_id == acp, AuditEvent.justification != "")).one()
    assert event.justification.startswith("Patiente informée") and "Diffusé par l'équipe" in event.detail
    reports.set_release(db, actor=t.clinician, document_public_id=acp, mode="held", reason="Attendre la RCP", now=early)
    announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_diagnosis",
                        values={"occurred_on": "2026-03-10", "notes": "Annonce."}, now=early)
    assert patient_sees(db, t) == {}  # held longer than the announcement
    row = reports.team_documents(db, actor=t.clinician, patient_public_id=t.patient.public_id).items[0]
    assert row.release_state == "held" and "Attendre la RCP" in row.release_label
    reports.set_release(db, actor=t.clinician, document_public_id=acp, mode="auto", reason="RCP faite", now=early)
    assert acp in patient_sees(db, t)
    with pytest.raises(ValidationFailed):
        reports.set_release(db, actor=t.clinician, document_public_id=acp, mode="whenever", reason="x y z")


def test_patients_never_see_drafts_nor_another_patients_documents(db):
    t = team(db)
    draft = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                                      values=consultation(validate=""), now=T0)
    assert draft not in patient_sees(db, t)
    other = team(db)
    foreign = reports.create_structured(db, actor=other.clinician, patient_public_id=other.patient.public_id,
                                        values=consultation(), now=T0)
    assert foreign not in patient_sees(db, t)
    with pytest.raises(AccessDenied):
        documents.describe(db, actor=t.patient_actor, document_public_id=foreign)
    with pytest.raises(AccessDenied):
        reports.my_documents(db, actor=t.gp)


# --- Print view and PDF ---

def test_print_view_and_pdf_show_hostile_text_inert(db):
    t = team(db)
    doc_id = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                                       values=consultation(title=HOSTILE, conclusion=HOSTILE, body=HOSTILE,
                                                           establishment=HOSTILE), now=T0)
    view = documents.produce_view(db, actor=t.clinician, target=doc_id)
    html = view.data.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html
    pdf = documents.produce_pdf(db, actor=t.clinician, target=doc_id)
    assert pdf.mime_type == "application/pdf" and pdf.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert '<script>alert("x")</script>' in text and "javascript:alert(1)" in text
    assert "Chimiothérapie" not in text  # the hostile conclusion replaced it
    assert "/JavaScript" not in pdf.data.decode("latin-1") and "/URI" not in pdf.data.decode("latin-1")
    assert not any("/Annots" in page for page in reader.pages)  # no link was made out of the text


def test_upload_bodies_over_the_limit_are_refused_before_the_app_reads_them():
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from dcc_portal import web

    reached = []

    async def app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        reached.append(scope["path"])

    guarded = web.upload_limit(app)

    def call(path: str, length: int, chunks: list[bytes]):
        sent = []

        async def receive():
            body = chunks.pop(0) if chunks else b""
            return {"type": "http.request", "body": body, "more_body": bool(chunks)}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": path, "method": "POST", "headers": [(b"content-length", str(length).encode())]}
        # In a thread of its own: the browser tests may leave an event loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, guarded(scope, receive, send)).result()
        return sent

    refused = call("/_upload", web.UPLOAD_LIMIT + 1, [b"x"])
    assert refused[0]["status"] == 413 and reached == []
    with pytest.raises(ValueError):  # a body longer than it declared is cut off too
        call("/_upload", 10, [b"x" * (web.UPLOAD_LIMIT // 2), b"x" * (web.UPLOAD_LIMIT // 2), b"x" * 10])
    call("/_upload", 10, [b"x" * 10])
    call("/_event", web.UPLOAD_LIMIT * 2, [b"x"])
    assert reached == ["/_upload", "/_event"]


def test_pdf_is_laid_out_once_per_print_view_then_served_from_its_rendition(db, data_dir, monkeypatch):
    from dcc_portal.services.common import render

    t = team(db)
    doc_id = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id,
                                       values=consultation(), now=T0)
    first = documents.produce_pdf(db, actor=t.clinician, target=doc_id).data
    kept = [path for path in (data_dir / "renditions").rglob("*") if path.is_file()]
    assert [path.read_bytes() for path in kept] == [first] and not list(data_dir.rglob("*.part"))

    def no_layout(html):
        raise AssertionError("laid out again")

    monkeypatch.setattr(render, "pdf", no_layout)
    assert documents.produce_pdf(db, actor=t.clinician, target=doc_id).data == first
    db.commit()  # audit events are chained at commit
    exports = db.exec(select(AuditEvent).where(AuditEvent.document_id == doc_id, AuditEvent.action == "export")).all()
    assert len(exports) == 2  # served from the rendition, still checked and audited each time

    # A damaged rendition is not served: the PDF is laid out again.
    kept[0].write_bytes(b"damaged")
    with pytest.raises(AssertionError, match="laid out again"):
        documents.produce_pdf(db, actor=t.clinician, target=doc_id)
    kept[0].write_bytes(first)
    # A corrected version is another print view: laid out anew, never the previous version's PDF.
    reports.correct_structured(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                               values=consultation(conclusion="Carcinome lobulaire."), reason="type histologique")
    with pytest.raises(AssertionError, match="laid out again"):
        documents.produce_pdf(db, actor=t.clinician, target=doc_id)


def test_renditions_unused_for_a_month_are_swept_when_another_is_kept(data_dir):
    from dcc_portal.services.common import storage

    stale, used, fresh = "ab" + "0" * 62, "ab" + "1" * 62, "ab" + "2" * 62
    month_ago = time.time() - storage.RENDITION_LIFETIME_SECONDS - 60
    for key in (stale, used):
        storage.keep_rendition(key, b"%PDF-1.7 " + key.encode())
        path = data_dir / "renditions" / "ab" / key
        os.utime(path, (month_ago, month_ago))
    assert storage.rendition(used) == b"%PDF-1.7 " + used.encode()  # served today: kept for another month
    storage.keep_rendition(fresh, b"%PDF-1.7 fresh")
    assert storage.rendition(stale) is None
    assert storage.rendition(used) is not None and storage.rendition(fresh) == b"%PDF-1.7 fresh"


REPORT_FIELDS = ("title", "establishment", "conclusion", "body", "reason")


@pytest.fixture
def reporting_team(db):
    t = team(db)
    db.get(Organisation, t.clinician.organisation_id).finess = demo_finess("99000060")  # the CDA custodian's identifier
    return t


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=st.fixed_dictionaries({name: free_text.typed() for name in REPORT_FIELDS}))
def test_whatever_is_typed_in_a_report_it_is_stored_clean_and_its_cda_for_the_dmp_is_valid(db, reporting_team, typed):
    t = reporting_team
    values = consultation(**{name: "Texte " + typed[name] for name in REPORT_FIELDS if name != "reason"})
    doc_id = reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id, values=values, now=T0)
    reports.correct_structured(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                               values=values | {"conclusion": "Corrigée"}, reason="Motif " + typed["reason"], now=T0)
    document = db.exec(select(Document).where(Document.public_id == doc_id)).one()
    version = documents.version_row(db, document=document)
    content, first = documents.content_of(version), documents.content_of(documents.version_row(db, document=document, version=1))
    typed_in = (document.title, version.reason, content["establishment"], content["body"], first["conclusion"])
    assert all(free_text.carried(text) for text in typed_in)
    package = cda_n1.package(db, document=document, version=version, patient=t.patient)
    assert cda_validation.xsd_errors(package.xml) == []
