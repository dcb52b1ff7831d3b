"""Delivery to a real document recipient (`python -m dcc_portal sharing-peer` in a subprocess on localhost): the
worker sends over httpx, no mock. Time is an injectable clock; nothing sleeps for the backoff."""

from __future__ import annotations

import base64
import hashlib
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

import pytest
from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.list import List as FhirList
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import (
    AuditEvent,
    SharingAttempt,
    SharingSubmission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.common import storage
from dcc_portal.services.exchange import sharing
from dcc_portal.services.exchange.sharing_worker import Worker, WorkerConfig
from dcc_portal.services.record import documents
from tests.sharing_fixtures import (
    PEER_TOKEN,
    ROOT,
    Clock,
    Peer,
    Team,
    pdf_bytes,
    worker_env,
)

BASE, CAP = 30.0, 600.0


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("DCC_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def peer(tmp_path):
    instance = Peer(tmp_path)
    yield instance
    instance.stop()


def make_worker(db_url: str, peer: Peer, clock=None, *, name: str = "", timeout: float = 5.0) -> Worker:
    config = WorkerConfig(url=peer.url, token=PEER_TOKEN, timeout=timeout, retry_base=BASE, retry_max=CAP)
    return Worker(config, db_url=db_url, clock=clock or Clock(), rng=random.Random(7), name=name)


def submission_of(db_url: str, document) -> SharingSubmission:
    with dbmod.transaction(db_url) as session:
        return session.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)
                            .order_by(SharingSubmission.document_version.desc())).first()


def master(submission: SharingSubmission) -> str:
    """The masterIdentifier the recipient registers: the XDS uniqueId (the 2.25 OID of the CDA's UUID id)."""
    return f"urn:oid:2.25.{uuid.UUID(submission.unique_id).int}"


def attempts_of(db_url: str, submission_id: int) -> list[SharingAttempt]:
    with dbmod.transaction(db_url) as session:
        return list(session.exec(select(SharingAttempt).where(SharingAttempt.submission_id == submission_id)
                                 .order_by(SharingAttempt.id)).all())


def test_a_validated_report_reaches_the_recipient_once_with_its_dmp_metadata(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _version = team.report(db, title="Scanner <thoraco-abdominal> & pelvien")
    db.commit()
    peer.start()
    worker = make_worker(db_url, peer)

    results = worker.run_once()
    assert [r.outcome for r in results] == ["acknowledged"]
    assert worker.run_once() == []  # nothing left to send
    assert worker.run_once() == []

    received = peer.received()
    assert len(received) == 1 and received[0]["outcome"] == "registered"
    assert len(peer.registry()) == 1
    submission = submission_of(db_url, document)
    assert submission.status == SubmissionStatus.ACKNOWLEDGED and submission.recipient_id == peer.registry()[0]["id"]

    bundle = received[0]["bundle"]
    Bundle.model_validate(bundle)  # FHIR R4(B) structure of the whole transaction
    entries = {entry["resource"]["resourceType"]: entry for entry in bundle["entry"]}
    assert bundle["type"] == "transaction" and len(bundle["entry"]) == 3
    submission_set = FhirList.model_validate(entries["List"]["resource"])
    reference = DocumentReference.model_validate(entries["DocumentReference"]["resource"])
    binary = Binary.model_validate(entries["Binary"]["resource"])

    assert submission_set.code.coding[0].code == "submissionset" and submission_set.mode == "working"
    assert [item.item.reference for item in submission_set.entry] == [entries["DocumentReference"]["fullUrl"]]
    assert {i.use: i.value for i in submission_set.identifier}["official"] == f"urn:uuid:{submission.submission_set_uuid}"

    assert reference.masterIdentifier.value == master(submission)
    assert [i.value for i in reference.identifier] == [f"urn:uuid:{submission.entry_uuid}"]
    assert reference.status == "current"
    assert (reference.type.coding[0].system, reference.type.coding[0].code) == ("http://loinc.org", "18748-4")
    assert reference.category[0].coding[0].code == "31"  # ASS_X04: an imaging report is of class Imagerie médicale
    assert reference.content[0].format.code == "urn:ihe:iti:xds-sd:pdf:2008"
    assert [label.coding[0].code for label in reference.securityLabel] == ["N"]
    assert reference.context.facilityType.coding[0].code == "SA01"
    assert reference.context.practiceSetting.coding[0].code == "ETABLISSEMENT"
    assert reference.context.period.start.isoformat().startswith("2026-03-09")
    contained = {resource["id"]: resource for resource in entries["DocumentReference"]["resource"]["contained"]}
    set_contained = {resource["id"]: resource for resource in entries["List"]["resource"]["contained"]}
    # Subjects are contained FR Core Patients carrying the INS (test INS: slice INS-NIR-TEST), not search URLs.
    assert reference.subject.reference == "#source-patient" and submission_set.subject.reference == "#patient"
    for patient in (contained["source-patient"], set_contained["patient"]):
        ins = patient["identifier"][0]
        assert (ins["system"], ins["value"], ins["type"]["coding"][0]["code"]) == (
            "urn:oid:1.2.250.1.213.1.4.10", team.patient.ins, "INS-NIR-TEST")
    assert [(i["system"], i["value"]) for i in contained["author-practitioner"]["identifier"]] == [
        ("urn:oid:1.2.250.1.71.4.2.1", "8" + team.oncologist.rpps), ("https://rpps.esante.gouv.fr", team.oncologist.rpps)]
    local_ids = {i["system"]: i["value"] for i in contained["source-patient"]["identifier"]}
    assert team.patient.local_id in local_ids.values()
    attachment = reference.content[0].attachment
    assert binary.contentType == attachment.contentType == "text/xml"
    cda = base64.b64decode(entries["Binary"]["resource"]["data"])
    assert attachment.size == len(cda) == submission.cda_size
    raw_hash = entries["DocumentReference"]["resource"]["content"][0]["attachment"]["hash"]
    assert base64.b64decode(raw_hash) == hashlib.sha1(cda).digest()  # noqa: S324
    assert cda == storage.get(submission.cda_file)
    assert attachment.title == "Scanner <thoraco-abdominal> & pelvien"
    assert b"&lt;thoraco-abdominal&gt;" in cda and f'<id root="{submission.unique_id}"/>'.encode() in cda

    with dbmod.transaction(db_url) as session:
        exports = session.exec(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.actor_role == "sharing")).all()
    assert [(e.document_id, e.outcome) for e in exports] == [(document.public_id, "success")]


def test_visibility_flags_and_release_gating_travel_as_confidentiality_codes(db: Session, db_url, data_dir, peer):
    team = Team(db)
    # A pathology report announces a cancer: before the announcement consultation it is invisible to the patient.
    gated, _ = team.report(db, title="CR anatomopathologique", kind="cr_acp")
    flagged, _ = team.report(db, title="Compte rendu masqué", kind="consultation", hidden_from_professionals=True,
                             invisible_to_legal_reps=True)
    db.commit()
    peer.start()
    make_worker(db_url, peer).run_once()
    labels = {}
    for record in peer.received():
        reference = next(e["resource"] for e in record["bundle"]["entry"] if e["resource"]["resourceType"] == "DocumentReference")
        labels[reference["content"][0]["attachment"]["title"]] = [label["coding"][0]["code"] for label in reference["securityLabel"]]
    assert labels == {
        "CR anatomopathologique": ["N", "INVISIBLE_PATIENT"],
        "Compte rendu masqué": ["N", "MASQUE_PS", "INVISIBLE_REPRESENTANTS_LEGAUX"],
    }


def test_recipient_down_then_up_is_delivered_after_retries(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    clock = Clock()
    worker = make_worker(db_url, peer, clock)  # the peer's port is reserved but nothing listens yet

    first = worker.run_once()
    assert [r.outcome for r in first] == ["retry"] and "injoignable" in first[0].message
    submission = submission_of(db_url, document)
    assert submission.status == SubmissionStatus.RETRYING and submission.next_attempt_at > clock.now
    assert worker.run_once() == []  # not due yet

    clock.advance(to=submission.next_attempt_at)
    assert [r.outcome for r in worker.run_once()] == ["retry"]  # still down
    peer.start()
    clock.advance(to=submission_of(db_url, document).next_attempt_at)
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    assert len(peer.received()) == 1 and len(peer.registry()) == 1
    assert [a.outcome for a in attempts_of(db_url, submission.id)] == ["retry", "retry", "acknowledged"]


def test_a_storm_of_500_backs_off_exponentially_with_jitter_and_a_cap(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    peer.start("--mode", "error500")
    clock = Clock()
    worker = make_worker(db_url, peer, clock)
    delays = []
    for attempt in range(1, 10):
        started = clock.now
        assert [r.outcome for r in worker.run_once()] == ["retry"]
        submission = submission_of(db_url, document)
        assert submission.status == SubmissionStatus.RETRYING and submission.attempts == attempt
        assert "HTTP 500" in submission.last_error
        delay = (submission.next_attempt_at - started).total_seconds()
        ceiling = min(CAP, BASE * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling, (attempt, delay)
        delays.append(delay)
        clock.advance(to=submission.next_attempt_at - timedelta(seconds=1))
        assert worker.run_once() == []  # one second early: nothing is sent
        clock.advance(seconds=1)
    assert max(delays) <= CAP and delays[-1] >= CAP / 2  # capped
    assert delays[0] < delays[3] < delays[5]  # grows

    peer.mode("normal")
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    recorded = attempts_of(db_url, submission.id)
    assert [a.outcome for a in recorded] == ["retry"] * 9 + ["acknowledged"]
    assert [a.http_status for a in recorded] == [500] * 9 + [200]
    # The recorded schedule: each attempt started when the previous one planned it.
    assert all(later.started_at == earlier.next_attempt_at for earlier, later in zip(recorded, recorded[1:], strict=False))
    assert len(peer.received()) == 10 and len(peer.registry()) == 1


def test_a_timeout_after_the_recipient_registered_is_settled_by_its_duplicate_answer(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    peer.start("--mode", "slow", "--delay", "3")
    clock = Clock()
    worker = make_worker(db_url, peer, clock, timeout=1.0)
    first = worker.run_once()
    assert [r.outcome for r in first] == ["retry"] and "Pas de réponse" in first[0].message
    peer.mode("normal")
    clock.advance(to=submission_of(db_url, document).next_attempt_at)
    second = worker.run_once()
    assert [r.outcome for r in second] == ["duplicate"]
    assert submission_of(db_url, document).status == SubmissionStatus.ACKNOWLEDGED
    assert [r["outcome"] for r in peer.received()] == ["registered", "duplicate"]
    assert len(peer.registry()) == 1


def test_a_4xx_is_rejected_with_the_recipients_reason_on_the_board_then_resent(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    peer.start("--mode", "reject", "--reject-status", "422", "--reject-message", "INS inconnue du DMP pour ce patient.")
    clock = Clock()
    worker = make_worker(db_url, peer, clock)
    assert [r.outcome for r in worker.run_once()] == ["rejected"]
    clock.advance(seconds=24 * 3600)
    assert worker.run_once() == []  # a rejection is never retried on its own

    with dbmod.transaction(db_url) as session:
        board = sharing.board(session, actor=team.secretary_actor, status_filter="rejected")
    [row] = board.page.items
    assert row.status == "rejected" and row.status_label == "Refusé"
    assert row.detail == "Refusé par le destinataire (HTTP 422) : INS inconnue du DMP pour ce patient."
    assert row.can_resend and row.can_cancel and board.counts["rejected"] == 1

    peer.mode("normal")
    with dbmod.transaction(db_url) as session:
        sharing.resend(session, actor=team.secretary_actor, submission_public_id=row.public_id, now=clock.now)
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    assert len(peer.registry()) == 1


def test_wrong_credentials_are_a_visible_rejection(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    peer.start()
    worker = Worker(WorkerConfig(url=peer.url, token="wrong", timeout=5), db_url=db_url, clock=Clock())
    assert [r.outcome for r in worker.run_once()] == ["rejected"]
    assert "HTTP 401" in submission_of(db_url, document).last_error
    assert peer.registry() == []


def test_a_new_version_replaces_the_registered_one(db: Session, db_url, data_dir, peer):
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    peer.start()
    clock = Clock()
    worker = make_worker(db_url, peer, clock)
    worker.run_once()
    first = submission_of(db_url, document)
    documents.add_version(db, actor=team.oncologist_actor, document=document, expected_version=1,
                          file_bytes=pdf_bytes("addendum : nodule de 4 mm"), mime_type="application/pdf", reason="addendum")
    documents.validate(db, actor=team.oncologist_actor, document=document)
    db.commit()
    clock.advance(to=utcnow())
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    second = submission_of(db_url, document)
    assert (first.kind, second.kind) == (SubmissionKind.INITIAL, SubmissionKind.REPLACEMENT)  # as the board shows it
    reference = next(e["resource"] for e in peer.received()[-1]["bundle"]["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    assert reference["relatesTo"] == [{"code": "replaces", "target": {
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{first.entry_uuid}"},
        "reference": f"DocumentReference/{first.recipient_id}"}}]
    registry = {item["unique_id"]: item["status"] for item in peer.registry()}
    assert registry == {master(first): "superseded", master(second): "current"}
    cda = storage.get(second.cda_file)
    assert f'<relatedDocument typeCode="RPLC">\n<parentDocument>\n<id root="{first.unique_id}"/>'.encode() in cda


def test_concurrent_workers_never_send_the_same_submission(db: Session, db_url, data_dir, peer):
    team = Team(db)
    pdf = pdf_bytes()
    reports = [team.report(db, title=f"Compte rendu {n}", pdf=pdf)[0] for n in range(8)]
    db.commit()
    peer.start("--mode", "slow", "--delay", "0.2")
    workers = [make_worker(db_url, peer, utcnow, name=f"w{n}") for n in range(3)]
    threads = [threading.Thread(target=worker.run_once) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    unique_ids = [uid for record in peer.received() for uid in record["unique_ids"]]
    assert len(unique_ids) == len(reports) == len(set(unique_ids))
    assert len(peer.registry()) == len(reports)
    with dbmod.transaction(db_url) as session:
        statuses = session.exec(select(SharingSubmission.status)).all()
    assert statuses == [SubmissionStatus.ACKNOWLEDGED] * len(reports)


def _wait(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_nothing(db: Session, db_url, data_dir, peer, tmp_path):
    team = Team(db)
    killed_doc, _ = team.report(db, title="Compte rendu envoyé pendant la panne")
    db.commit()
    peer.start("--mode", "slow", "--delay", "2")
    env = worker_env(db_url, data_dir, peer, DCC_SHARING_TIMEOUT="3", DCC_SHARING_LEASE="4", DCC_SHARING_POLL="0.1")
    log = open(tmp_path / "worker.log", "w")
    first = subprocess.Popen([sys.executable, "-m", "dcc_portal", "sharing-worker"], cwd=ROOT, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: peer.received(), "the request to reach the recipient")
        first.send_signal(signal.SIGKILL)  # mid-send: the recipient has registered it and is slow to answer
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    claimed = submission_of(db_url, killed_doc)
    assert claimed.status == SubmissionStatus.SENDING and claimed.lease_expires_at is not None
    # While the worker was dead, another document was validated.
    later_doc, _ = team.report(db, title="Compte rendu validé pendant la panne")
    db.commit()

    second = subprocess.Popen([sys.executable, "-m", "dcc_portal", "sharing-worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: all(submission_of(db_url, doc).status == SubmissionStatus.ACKNOWLEDGED for doc in (killed_doc, later_doc)),
              "both documents acknowledged")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
        log.close()
    registry = peer.registry()
    assert sorted(item["unique_id"] for item in registry) == sorted(
        master(submission_of(db_url, doc)) for doc in (killed_doc, later_doc))
    killed_sends = [r["outcome"] for r in peer.received() if master(claimed) in r["unique_ids"]]
    assert killed_sends == ["registered", "duplicate"]  # sent again after the lease expired, recognised, not re-registered
    history = attempts_of(db_url, claimed.id)
    assert [a.outcome for a in history] == ["", "duplicate"] and history[0].finished_at is None
    # The second claim waited for the end of the first lease.
    assert history[1].started_at >= claimed.lease_expires_at
