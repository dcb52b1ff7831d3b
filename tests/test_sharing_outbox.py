"""The DMP outbox without a recipient: queueing in the validating transaction, versions, opposition, the board's
scope and roles, resend and cancel (audited), the worker's claim order, the XDM export and the FHIR Bundle."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from lxml import etree
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import (
    AuditEvent,
    Document,
    SharingSubmission,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.common import storage
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.exchange import cda_n1, mhd, sharing, xdm
from dcc_portal.services.exchange.sharing_worker import Worker, WorkerConfig, backoff
from dcc_portal.services.record import documents
from tests import factories
from tests.sharing_fixtures import Team, pdf_bytes


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DCC_DATA_DIR", str(tmp_path / "data"))


def submissions(db: Session, document: Document | None = None) -> list[SharingSubmission]:
    statement = select(SharingSubmission).order_by(SharingSubmission.id)
    if document is not None:
        statement = statement.where(SharingSubmission.document_id == document.id)
    return list(db.exec(statement).all())


def events(db: Session, action: str) -> list[AuditEvent]:
    db.commit()  # audit events are chained and written when the transaction commits
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


# --------------------------------------------------------------------------------------------------- queueing


def test_validation_queues_the_version_in_the_same_transaction(db: Session, db_url):
    team = Team(db)
    db.commit()
    document, _ = team.report(db, validate=False)
    assert submissions(db) == []  # a draft is not shared
    documents.validate(db, actor=team.oncologist_actor, document=document)
    [queued] = submissions(db, document)
    assert (queued.status, queued.document_version, queued.cda_level) == ("pending", 1, "N1")
    assert queued.next_attempt_at is not None and queued.cda_size > 0
    db.rollback()  # the validation is abandoned: so is the submission
    with dbmod.transaction(db_url) as other:
        assert other.exec(select(SharingSubmission)).all() == []


def test_only_documents_marked_for_the_dmp_are_queued_and_only_once(db: Session):
    team = Team(db)
    private, _ = team.report(db, share=False)
    shared, _ = team.report(db)
    documents.validate(db, actor=team.oncologist_actor, document=shared)  # validated twice
    assert submissions(db, private) == []
    assert len(submissions(db, shared)) == 1


def test_every_producer_gets_it_a_volet_cda_is_sent_as_is(db: Session):
    """A producer that stores its own CDA (FRCP, PPS) in the version content: that CDA, its id and formatCode."""
    team = Team(db)
    cda_text = '<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1111-2222"/></ClinicalDocument>'
    document, _ = documents.create(db, actor=team.oncologist_actor, patient=team.patient, kind="frcp", title="Fiche RCP",
                                   content={"cda": cda_text, "cda_id": "1111-2222", "format_code": "urn:asip:ci-sis:frcp:2011"},
                                   organisation_id=team.org.id, share_with_dmp=True)
    documents.validate(db, actor=team.oncologist_actor, document=document)
    [queued] = submissions(db, document)
    assert (queued.cda_level, queued.unique_id, queued.format_code) == ("N3", "1111-2222", "urn:asip:ci-sis:frcp:2011")
    assert storage.get(queued.cda_file) == cda_text.encode()


def test_a_structured_document_without_cda_is_sent_as_n1_of_its_print_view(db: Session, monkeypatch):
    team = Team(db)
    monkeypatch.setitem(documents.RENDERERS, "announcement_summary", "tests.test_sharing_outbox:_print_view")
    document, _ = documents.create(db, actor=team.oncologist_actor, patient=team.patient, kind="announcement_summary",
                                   title="Synthèse de l'annonce", content={"text": "Consultation d'annonce réalisée."},
                                   organisation_id=team.org.id, share_with_dmp=True)
    documents.validate(db, actor=team.oncologist_actor, document=document)
    [queued] = submissions(db, document)
    assert (queued.status, queued.cda_level, queued.format_code) == ("pending", "N1", "urn:ihe:iti:xds-sd:pdf:2008")
    assert b'<code code="SYNTH"' in storage.get(queued.cda_file)


def _print_view(db, *, document, version, patient):
    return f"<html><body><p>{documents.content_of(version)['text']}</p></body></html>"


def test_a_file_that_is_not_a_pdf_is_rejected_with_a_reason_not_sent(db: Session):
    team = Team(db)
    document, _ = team.report(db, pdf=b"<html><script>alert(1)</script></html>")
    [queued] = submissions(db, document)
    assert queued.status == "rejected" and "n'est pas un PDF" in queued.last_error and queued.next_attempt_at is None


def test_without_an_ins_nothing_is_built_until_the_team_resends(db: Session):
    team = Team(db)
    team.patient.ins, team.patient.ins_oid = None, ""
    db.add(team.patient)
    document, _ = team.report(db)
    [queued] = submissions(db, document)
    assert queued.status == "rejected" and queued.cda_file is None and "INS" in queued.last_error
    with pytest.raises(ValidationFailed, match="INS"):
        sharing.resend(db, actor=team.oncologist_actor, submission_public_id=queued.public_id)
    team.patient.ins, team.patient.ins_oid = "265014400500544", "1.2.250.1.213.1.4.10"
    db.add(team.patient)
    sharing.resend(db, actor=team.oncologist_actor, submission_public_id=queued.public_id)
    db.refresh(queued)
    assert queued.status == "pending" and b'extension="265014400500544"' in storage.get(queued.cda_file)


def test_a_new_version_supersedes_an_unsent_one_and_waits_for_a_tried_one(db: Session, db_url):
    team = Team(db)
    document, _ = team.report(db)
    documents.add_version(db, actor=team.oncologist_actor, document=document, expected_version=1,
                          file_bytes=pdf_bytes("v2"), mime_type="application/pdf", reason="correction")
    documents.validate(db, actor=team.oncologist_actor, document=document)
    first, second = submissions(db, document)
    assert first.status == "superseded" and "version 2" in first.closed_reason and second.status == "pending"

    # Version 2 was tried once (it may be registered): version 3 must wait until it is settled.
    second.attempts, second.status, second.next_attempt_at = 1, SubmissionStatus.RETRYING, utcnow() + timedelta(hours=1)
    db.add(second)
    documents.add_version(db, actor=team.oncologist_actor, document=document, expected_version=2,
                          file_bytes=pdf_bytes("v3"), mime_type="application/pdf", reason="correction")
    documents.validate(db, actor=team.oncologist_actor, document=document)
    db.commit()
    third = submissions(db, document)[-1]
    assert (second.status, third.status) == ("retrying", "pending")
    db.commit()  # SQLite: the test's session must not hold the write lock while the worker claims
    worker = Worker(WorkerConfig(url="http://127.0.0.1:9/fhir"), db_url=db_url, clock=utcnow)
    assert worker.claim(utcnow()) is None  # v3 is due but v2 is still open
    assert worker.claim(utcnow() + timedelta(hours=2)) == second.id  # v2 first, when due


def test_a_withdrawn_document_is_not_sent(db: Session):
    team = Team(db)
    document, _ = team.report(db)
    documents.mark_entered_in_error(db, actor=team.oncologist_actor, document=document, reason="mauvais patient")
    [queued] = submissions(db, document)
    assert queued.status == "cancelled" and "retiré" in queued.closed_reason


def test_claims_are_exclusive_and_a_dead_workers_lease_expires(db: Session, db_url):
    team = Team(db)
    team.report(db)
    db.commit()
    now = utcnow() + timedelta(seconds=1)
    config = WorkerConfig(url="http://127.0.0.1:9/fhir", timeout=10, lease=30)
    one, two = (Worker(config, db_url=db_url, name=name) for name in ("one", "two"))
    claimed = one.claim(now)
    assert claimed is not None
    assert two.claim(now) is None and two.claim(now + timedelta(seconds=29)) is None
    assert two.claim(now + timedelta(seconds=31)) == claimed  # one died: its lease is over
    with dbmod.transaction(db_url) as session:
        row = session.get(SharingSubmission, claimed)
        assert (row.lease_owner, row.attempts) == ("two", 2)


def test_backoff_doubles_with_jitter_up_to_the_cap():
    import random

    rng = random.Random(3)
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (6, 960), (7, 1000), (30, 1000)]:
        for _ in range(20):
            delay = backoff(attempt, base=30, cap=1000, rng=rng).total_seconds()
            assert ceiling / 2 <= delay <= ceiling


# --------------------------------------------------------------------------------------------------- opposition


def test_the_patients_opposition_cancels_queued_submissions_and_stops_new_ones(db: Session):
    team = Team(db)
    queued, _ = team.report(db)
    cancelled = sharing.set_opposition(db, actor=team.patient_actor, opposed=True)
    assert cancelled == 1 and submissions(db, queued)[0].status == "cancelled"
    assert submissions(db, queued)[0].closed_reason == sharing.OPPOSITION_REASON
    later, _ = team.report(db, title="Compte rendu après opposition")
    [blocked] = submissions(db, later)
    assert blocked.status == "cancelled" and blocked.closed_reason == sharing.OPPOSITION_REASON
    with pytest.raises(ValidationFailed, match="s'oppose"):
        sharing.resend(db, actor=team.oncologist_actor, submission_public_id=blocked.public_id)
    state = sharing.opposition(db, actor=team.oncologist_actor, patient_public_id=team.patient.public_id)
    assert state.opposed and state.source == "le patient"
    [recorded] = events(db, "dmp_opposition")
    assert recorded.account_id == team.patient_account.id and recorded.patient_id == team.patient.id
    assert "par le patient" in recorded.detail and "1 envoi(s) annulé(s)" in recorded.detail


def test_the_team_records_the_opposition_on_the_patients_word_and_lifts_it(db: Session):
    team = Team(db)
    sharing.set_opposition(db, actor=team.nurse_actor, opposed=True, patient_public_id=team.patient.public_id)
    assert sharing.opposition(db, actor=team.patient_actor).source == "l'équipe de soins"
    sharing.set_opposition(db, actor=team.nurse_actor, opposed=False, patient_public_id=team.patient.public_id)
    document, _ = team.report(db)
    assert submissions(db, document)[0].status == "pending"
    details = [e.detail for e in events(db, "dmp_opposition")]
    assert details[0].startswith("opposition") and details[1].startswith("levée")


def test_only_the_patient_and_the_care_team_see_and_set_the_opposition(db: Session):
    team = Team(db)
    other = factories.patient(db)
    for actor in (team.gp_actor, team.admin_actor):
        with pytest.raises(AccessDenied):
            sharing.set_opposition(db, actor=actor, opposed=True, patient_public_id=team.patient.public_id)
    # The médecin traitant reads the record, but the DMP panel is the team's: none for them, and no refusal either.
    assert sharing.opposition(db, actor=team.gp_actor, patient_public_id=team.patient.public_id) is None
    with pytest.raises(AccessDenied):
        sharing.opposition(db, actor=team.admin_actor, patient_public_id=team.patient.public_id)
    # A patient naming another patient still acts on their own record only.
    sharing.set_opposition(db, actor=team.patient_actor, opposed=True, patient_public_id=other.public_id)
    db.refresh(other)
    db.refresh(team.patient)
    assert other.dmp_opposed_at is None and team.patient.dmp_opposed_at is not None


# --------------------------------------------------------------------------------------------------- board


def test_the_board_shows_my_patients_only_and_hides_masque_ps_from_other_members(db: Session):
    team = Team(db)
    mine, _ = team.report(db, title="Scanner visible")
    team.report(db, title="Consultation masquée", hidden_from_professionals=True)
    outsider = Team(db)
    outsider.report(db, title="Autre patient")
    board = sharing.board(db, actor=team.secretary_actor)
    assert [row.document for row in board.page.items] == ["Scanner visible"]
    assert board.page.items[0].patient == "LEROY Marie" and board.counts["pending"] == 1
    author_view = sharing.board(db, actor=team.oncologist_actor)
    assert sorted(row.document for row in author_view.page.items) == ["Consultation masquée", "Scanner visible"]
    [audited] = [e for e in events(db, "search") if e.account_id == team.secretary_account.id and "partage DMP" in e.detail]
    assert "1 ligne(s)" in audited.detail
    assert mine.public_id not in json.dumps([row.__dict__ for row in sharing.board(db, actor=outsider.secretary_actor).page.items])


def test_the_admin_board_lists_every_submission_without_clinical_content(db: Session):
    team = Team(db)
    team.report(db, title="Scanner confidentiel")
    Team(db).report(db, title="Autre")
    board = sharing.board(db, actor=team.admin_actor)
    assert board.page.total == 2
    assert {row.document for row in board.page.items} == {"Compte rendu d'imagerie"}
    assert team.patient.local_id in {row.patient for row in board.page.items}
    assert all(row.can_resend is False and row.can_cancel and not row.can_download for row in board.page.items)


def test_gps_and_patients_have_no_board(db: Session):
    team = Team(db)
    for actor in (team.gp_actor, team.patient_actor):
        with pytest.raises(AccessDenied):
            sharing.board(db, actor=actor)


def test_board_filters_and_pages_in_sql(db: Session):
    team = Team(db)
    pdf = pdf_bytes()
    for number in range(23):
        team.report(db, title=f"CR {number:02d}", pdf=pdf)
    last = submissions(db)[-1]
    last.status, last.last_error = SubmissionStatus.REJECTED, "Refusé par le destinataire (HTTP 422) : test."
    db.add(last)
    first_page = sharing.board(db, actor=team.secretary_actor)
    second_page = sharing.board(db, actor=team.secretary_actor, page=2)
    assert (first_page.page.total, first_page.page.page_count, len(first_page.page.items), len(second_page.page.items)) == (23, 2, 20, 3)
    assert first_page.page.items[0].document == "CR 22"  # newest first
    rejected = sharing.board(db, actor=team.secretary_actor, status_filter="rejected")
    assert [row.document for row in rejected.page.items] == ["CR 22"] and rejected.page.total == 1
    assert (rejected.counts["rejected"], rejected.counts["pending"]) == (1, 22)
    one_patient = sharing.board(db, actor=team.secretary_actor, patient_public_id=team.patient.public_id)
    assert one_patient.patient_name == "LEROY Marie" and one_patient.page.total == 23


def test_retrying_rows_show_the_next_attempt_in_paris_time(db: Session):
    from datetime import UTC, datetime

    team = Team(db)
    team.report(db)
    row = submissions(db)[0]
    row.status, row.next_attempt_at, row.last_error = SubmissionStatus.RETRYING, datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Erreur du destinataire (HTTP 503)."
    db.add(row)
    [item] = sharing.board(db, actor=team.secretary_actor).page.items
    assert item.status_label == "Nouvel essai prévu"
    assert item.detail.startswith("Prochain essai le 29/03/2026 03:30.")  # the night of the spring DST change


# --------------------------------------------------------------------------------------------------- actions


def _rejected(db: Session, team: Team) -> SharingSubmission:
    team.report(db)
    row = submissions(db)[-1]
    row.status, row.attempts, row.last_error, row.next_attempt_at = SubmissionStatus.REJECTED, 1, "Refusé (HTTP 422).", None
    db.add(row)
    db.flush()
    return row


def test_resend_and_cancel_are_role_checked_and_audited(db: Session):
    team = Team(db)
    row = _rejected(db, team)
    refused = (team.nurse_actor, team.gp_actor, team.patient_actor, Team(db).oncologist_actor)
    for actor in refused:
        with pytest.raises(AccessDenied):
            sharing.resend(db, actor=actor, submission_public_id=row.public_id)
    assert db.get(SharingSubmission, row.id).status == "rejected"
    sharing.resend(db, actor=team.secretary_actor, submission_public_id=row.public_id)
    row = db.get(SharingSubmission, row.id)
    assert row.status == "pending" and row.last_error == "" and row.next_attempt_at is not None
    [resent] = events(db, "share_resend")
    assert (resent.account_id, resent.outcome, resent.document_version) == (team.secretary_account.id, "success", 1)
    assert "était : Refusé" in resent.detail
    denied = db.exec(select(AuditEvent.account_id).where(AuditEvent.outcome == "denied")).all()
    assert sorted(denied) == sorted(actor.account_id for actor in refused)

    sharing.cancel(db, actor=team.oncologist_actor, submission_public_id=row.public_id, reason="doublon <script>")
    row = db.get(SharingSubmission, row.id)
    assert row.status == "cancelled" and row.closed_reason.startswith("Annulé par") and "<script>" in row.closed_reason
    [cancelled] = events(db, "share_cancel")
    assert cancelled.account_id == team.oncologist_account.id
    with pytest.raises(ValidationFailed):
        sharing.cancel(db, actor=team.oncologist_actor, submission_public_id=row.public_id)


def test_an_admin_may_resend_anywhere(db: Session):
    team = Team(db)
    row = _rejected(db, team)
    sharing.resend(db, actor=team.admin_actor, submission_public_id=row.public_id)
    [resent] = events(db, "share_resend")
    assert resent.grant == "admin" and resent.patient_id == team.patient.id


def test_no_action_on_an_acknowledged_or_in_flight_submission_nor_an_outdated_version(db: Session):
    team = Team(db)
    document, _ = team.report(db)
    row = submissions(db)[0]
    row.status = SubmissionStatus.SENDING
    db.add(row)
    with pytest.raises(ValidationFailed, match="Envoi en cours"):
        sharing.cancel(db, actor=team.oncologist_actor, submission_public_id=row.public_id)
    row.status = SubmissionStatus.ACKNOWLEDGED
    db.add(row)
    with pytest.raises(ValidationFailed):
        sharing.resend(db, actor=team.oncologist_actor, submission_public_id=row.public_id)
    row.status = SubmissionStatus.REJECTED
    db.add(row)
    documents.add_version(db, actor=team.oncologist_actor, document=document, expected_version=1,
                          file_bytes=pdf_bytes("v2"), mime_type="application/pdf", reason="correction")
    documents.validate(db, actor=team.oncologist_actor, document=document)
    with pytest.raises(ValidationFailed, match="plus récente"):
        sharing.resend(db, actor=team.oncologist_actor, submission_public_id=row.public_id)
    with pytest.raises(AccessDenied):
        sharing.resend(db, actor=team.oncologist_actor, submission_public_id="' OR 1=1 --")


# --------------------------------------------------------------------------------------------------- formats


def _meta(db: Session, team: Team):
    team.report(db, title="Scanner <b>gras</b> & co")
    row = submissions(db)[-1]
    return row, *sharing.metadata_for(db, submission=row, now=utcnow())


def test_the_itI65_bundle_is_valid_fhir(db: Session):
    team = Team(db)
    _row, meta, data = _meta(db, team)
    bundle = mhd.provide_bundle(meta, data)
    parsed = Bundle.model_validate(bundle)
    assert [entry.request.url for entry in parsed.entry] == ["List", "DocumentReference", "Binary"]
    from dcc_portal.peers.dmp_recipient import check_bundle

    assert check_bundle(bundle)[0] == []  # what the recipient checks
    broken = json.loads(json.dumps(bundle))
    broken["entry"][2]["resource"]["data"] = broken["entry"][2]["resource"]["data"][:-8] + "AAAAAAA="
    broken["entry"][0]["resource"]["contained"][-1]["identifier"][0]["value"] = "123"  # the List's Patient
    problems = check_bundle(broken)[0]
    assert any("SHA-1" in p for p in problems) and any("INS attendue" in p for p in problems)


def test_the_xdm_archive_carries_the_same_document_and_metadata(db: Session):
    team = Team(db)
    row, meta, data = _meta(db, team)
    archive = zipfile.ZipFile(io.BytesIO(xdm.archive(meta, data, sender="Dr Paul <Moreau>")))
    assert sorted(archive.namelist()) == ["IHE_XDM/SUBSET01/DOC0001.XML", "IHE_XDM/SUBSET01/METADATA.XML", "INDEX.HTM", "README.TXT"]
    document = archive.read("IHE_XDM/SUBSET01/DOC0001.XML")
    assert document == data
    tree = etree.fromstring(archive.read("IHE_XDM/SUBSET01/METADATA.XML"))
    ns = {"rim": xdm.RIM}
    entry = tree.find(".//rim:ExtrinsicObject", ns)
    slots = {slot.get("name"): [v.text for v in slot.iter(f"{{{xdm.RIM}}}Value")] for slot in entry.findall("rim:Slot", ns)}
    import hashlib

    assert slots["hash"] == [hashlib.sha1(document).hexdigest()]  # noqa: S324 - hex in XDS
    assert slots["size"] == [str(len(document))] and slots["URI"] == ["DOC0001.XML"]
    assert slots["sourcePatientId"][0].startswith(team.patient.local_id + "^^^&")
    externals = {e.find("rim:Name/rim:LocalizedString", ns).get("value"): e.get("value") for e in tree.iter(f"{{{xdm.RIM}}}ExternalIdentifier")}
    assert externals["XDSDocumentEntry.uniqueId"] == f"2.25.{uuid.UUID(row.unique_id).int}"  # an OID, never a UUID
    assert externals["XDSDocumentEntry.patientId"] == f"{team.patient.ins}^^^&1.2.250.1.213.1.4.10&ISO"
    codes = {c.get("classificationScheme"): c.get("nodeRepresentation") for c in entry.findall("rim:Classification", ns)}
    assert codes[xdm.ENTRY_TYPE] == "18748-4" and codes[xdm.ENTRY_CLASS] == "31" and codes[xdm.ENTRY_FORMAT] == "urn:ihe:iti:xds-sd:pdf:2008"
    index = archive.read("INDEX.HTM").decode()
    assert "&lt;b&gt;gras&lt;/b&gt;" in index and "Dr Paul &lt;Moreau&gt;" in index and "<b>gras" not in index


def test_the_xdm_download_is_for_the_patients_team_and_audited(db: Session):
    team = Team(db)
    team.report(db)
    row = submissions(db)[-1]
    payload = sharing.produce_xdm(db, actor=team.nurse_actor, target=row.public_id)
    assert payload.mime_type == "application/zip" and payload.filename == f"dmp-xdm-{team.patient.local_id}-v1.zip"
    exports = [e for e in events(db, "export") if e.account_id == team.nurse_account.id]
    assert exports and exports[0].document_version == 1
    for actor in (team.admin_actor, team.gp_actor, Team(db).secretary_actor):
        with pytest.raises(AccessDenied):
            sharing.produce_xdm(db, actor=actor, target=row.public_id)


def test_the_cli_export_writes_the_xdm_and_audits_the_operator(db: Session):
    team = Team(db)
    document, _ = team.report(db)
    name, data = sharing.export_xdm(db, document_public_id=document.public_id, operator="exploitant")
    assert name.endswith("-v1.zip") and zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    [operator] = [e for e in events(db, "export") if e.actor_role == "operator"]
    assert operator.document_id == document.public_id
    with pytest.raises(LookupError):
        sharing.export_xdm(db, document_public_id="unknown")


def test_the_n1_package_is_deterministic(db: Session):
    team = Team(db)
    document, version = team.report(db, validate=False)
    one = cda_n1.package(db, document=document, version=version, patient=team.patient)
    two = cda_n1.package(db, document=document, version=version, patient=team.patient)
    assert one == two and one.unique_id == cda_n1.cda_id(document, 1)
