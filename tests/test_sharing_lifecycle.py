"""Removal and updates at the DMP, against the real test recipient (subprocess on localhost) and the real worker
(a new version replacing the registered one: test_sharing_delivery): a document entered in error is withdrawn (metadata update to
superseded / Deprecated), a change of visibility is sent as a metadata update; the recipient refuses a replacement of
an unknown document and a metadata update of someone else's document; the operator's drift list shows what the DMP
holds that no longer matches the document."""

from __future__ import annotations

import copy
import json

import httpx
from sqlmodel import Session, select

from dcc_portal import cli
from dcc_portal import db as dbmod
from dcc_portal.models import (
    SharingSubmission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.access import visibility
from dcc_portal.services.exchange import mhd, sharing, sharing_updates
from dcc_portal.services.record import announcement, documents, reports
from tests.sharing_fixtures import PEER_TOKEN, Clock, Team
from tests.test_sharing_delivery import data_dir, make_worker, peer  # noqa: F401 - fixtures

HEADERS = {"Authorization": f"Bearer {PEER_TOKEN}", "Content-Type": mhd.FHIR_JSON}


def rows(db_url: str, document) -> list[SharingSubmission]:
    with dbmod.transaction(db_url) as session:
        return list(session.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)
                                 .order_by(SharingSubmission.document_version, SharingSubmission.metadata_version)).all())


def last_request(recipient) -> tuple[dict, dict]:
    """The last Bundle the recipient received: (its DocumentReference entry, the whole Bundle)."""
    bundle = recipient.received()[-1]["bundle"]
    return next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"), bundle


def registered_report(db: Session, db_url: str, recipient):
    """A report validated, sent and registered by the running recipient: (team, document, clock, worker)."""
    team = Team(db)
    document, _ = team.report(db)
    db.commit()
    recipient.start()
    clock = Clock()
    worker = make_worker(db_url, recipient, clock)
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    return team, document, clock, worker


def test_a_document_entered_in_error_is_withdrawn_from_the_dmp(db: Session, db_url, data_dir, peer):  # noqa: F811
    team, document, clock, worker = registered_report(db, db_url, peer)
    documents.mark_entered_in_error(db, actor=team.oncologist_actor, document=document, reason="mauvais patient")
    db.commit()
    registered, withdrawal = rows(db_url, document)
    assert (withdrawal.kind, withdrawal.metadata_version, withdrawal.status) == (SubmissionKind.WITHDRAWAL, 2, SubmissionStatus.PENDING)
    with dbmod.transaction(db_url) as session:  # the drift is visible until the DMP has acknowledged the withdrawal
        drifts, _next = sharing_updates.drifted(session)
    assert [(d.document_public_id, d.problem) for d in drifts] == [
        (document.public_id, "Document retiré (saisi par erreur) mais toujours actif dans le DMP.")]

    clock.advance(to=utcnow())
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    entry, bundle = last_request(peer)
    assert entry["request"] == {"method": "PUT", "url": f"DocumentReference/{registered.recipient_id}"}
    assert entry["resource"]["status"] == "superseded" and entry["resource"]["meta"]["versionId"] == "2"
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["List", "DocumentReference"]  # no document again
    (item,) = peer.registry()
    assert (item["status"], item["version"]) == ("deprecated", 2)
    with dbmod.transaction(db_url) as session:
        assert sharing_updates.drifted(session)[0] == []
        assert sharing_updates.withdraw(session, document=document) is None  # once


def test_a_change_of_visibility_after_sending_is_a_metadata_update(db: Session, db_url, data_dir, peer):  # noqa: F811
    _team, document, clock, worker = registered_report(db, db_url, peer)
    assert sharing_updates.on_visibility_changed(db, document=document) is None  # nothing changed
    document.hidden_from_professionals = True
    db.add(document)
    update = sharing_updates.on_visibility_changed(db, document=document)
    assert sharing_updates.on_visibility_changed(db, document=document) is None  # one update waits, reading flags at send
    db.commit()
    assert (update.kind, update.metadata_version) == (SubmissionKind.UPDATE, 2)
    with dbmod.transaction(db_url) as session:
        (drift,), _ = sharing_updates.drifted(session)
    assert drift.problem == "Visibilité envoyée « normale », actuelle « MASQUE_PS »."

    clock.advance(to=utcnow())
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    entry, _bundle = last_request(peer)
    assert [label["coding"][0]["code"] for label in entry["resource"]["securityLabel"]] == ["N", "MASQUE_PS"]
    (item,) = peer.registry()
    assert item["version"] == 2 and item["status"] == "current"
    assert [label["coding"][0]["code"] for label in item["document_reference"]["securityLabel"]] == ["N", "MASQUE_PS"]
    with dbmod.transaction(db_url) as session:
        assert sharing_updates.drifted(session)[0] == []


def test_a_clinician_masking_a_sent_document_queues_its_metadata_update(db: Session, db_url, data_dir, peer):  # noqa: F811
    team, document, _clock, _worker = registered_report(db, db_url, peer)
    visibility.set_flags(db, actor=team.oncologist_actor, document_public_id=document.public_id,
                         hidden_from_professionals=True, reason="demande de la patiente")
    db.commit()
    update = rows(db_url, document)[-1]
    assert (update.kind, update.metadata_version, update.status) == (SubmissionKind.UPDATE, 2, SubmissionStatus.PENDING)


def _labels(entry: dict) -> list[str]:
    return [label["coding"][0]["code"] for label in entry["resource"]["securityLabel"]]


def test_release_gating_changes_after_sending_are_metadata_updates(db: Session, db_url, data_dir, peer):  # noqa: F811
    """A pathology report announcing the cancer is registered invisible to the patient until the announcement. The
    team releasing one early, then the medical announcement releasing the other, each send a visibility update;
    holding the released one again sends another."""
    team = Team(db)
    released_early, _ = team.report(db, kind="cr_acp", title="Biopsie mammaire")
    by_announcement, _ = team.report(db, kind="cr_acp", title="Biopsie ganglionnaire")
    db.commit()
    peer.start()
    clock = Clock()
    worker = make_worker(db_url, peer, clock)
    assert [r.outcome for r in worker.run_once()] == ["acknowledged", "acknowledged"]
    for received in peer.received():
        entry = next(e for e in received["bundle"]["entry"] if e["resource"]["resourceType"] == "DocumentReference")
        assert _labels(entry) == ["N", "INVISIBLE_PATIENT"]

    reports.set_release(db, actor=team.oncologist_actor, document_public_id=released_early.public_id, mode="released",
                        reason="La patiente a demandé ses résultats après la consultation d'annonce reportée")
    db.commit()
    (update,) = [r for r in rows(db_url, released_early) if r.kind == SubmissionKind.UPDATE]
    assert (update.metadata_version, update.status) == (2, SubmissionStatus.PENDING)
    assert [r.kind for r in rows(db_url, by_announcement)] == [SubmissionKind.INITIAL]  # still gated
    clock.advance(to=utcnow())
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    assert _labels(last_request(peer)[0]) == ["N"]

    announcement.record(db, actor=team.oncologist_actor, patient_public_id=team.patient.public_id,
                        temps="medical_diagnosis", values={"occurred_on": utcnow().date().isoformat(),
                                                           "notes": "Annonce du diagnostic, en présence du conjoint."})
    db.commit()
    assert [r.kind for r in rows(db_url, by_announcement)] == [SubmissionKind.INITIAL, SubmissionKind.UPDATE]
    assert len(rows(db_url, released_early)) == 2  # its visibility did not change
    clock.advance(to=utcnow())
    assert [r.outcome for r in worker.run_once()] == ["acknowledged"]
    entry, _bundle = last_request(peer)
    assert _labels(entry) == ["N"] and entry["request"]["method"] == "PUT"

    reports.set_release(db, actor=team.oncologist_actor, document_public_id=released_early.public_id, mode="held",
                        reason="Résultat à reprendre avec la patiente en consultation")
    db.commit()
    assert [(r.kind, r.metadata_version) for r in rows(db_url, released_early)][-1] == (SubmissionKind.UPDATE, 3)
    with dbmod.transaction(db_url) as session:
        board = sharing.board(session, actor=team.secretary_actor, status_filter="waiting")
        (drift,), _next = sharing_updates.drifted(session)  # until the DMP acknowledges it
    assert [(row.document, row.submission_kind_label) for row in board.page.items] == [
        ("Biopsie mammaire", "Mise à jour de la visibilité")]
    assert (drift.document_public_id, drift.problem) == (
        released_early.public_id, "Visibilité envoyée « normale », actuelle « INVISIBLE_PATIENT ».")


def _bundle_of(db: Session, document) -> dict:
    submission = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)).one()
    meta, data = sharing.metadata_for(db, submission=submission, now=utcnow())
    return mhd.provide_bundle(meta, data)


def test_the_recipient_refuses_an_unknown_replacement_and_an_update_of_someone_elses_document(db: Session, data_dir, peer):  # noqa: F811
    mine, theirs = Team(db), Team(db)
    my_document, _ = mine.report(db)
    their_document, _ = theirs.report(db)
    peer.start()
    registered = httpx.post(peer.url, content=json.dumps(_bundle_of(db, their_document)), headers=HEADERS, timeout=10)
    assert registered.status_code == 200
    their_id = registered.json()["entry"][1]["response"]["location"].split("/")[1]

    replacing = _bundle_of(db, my_document)
    entry = next(e for e in replacing["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    entry["resource"]["relatesTo"] = [{"code": "replaces", "target": {
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:6a1f9d1e-0000-4000-8000-000000000001"}}}]
    refused = httpx.post(peer.url, content=json.dumps(replacing), headers=HEADERS, timeout=10)
    answer = mhd.read_answer(refused.status_code, refused.content)
    assert answer.outcome == "rejected" and "Document remplacé inconnu" in answer.message

    hijack = copy.deepcopy(_bundle_of(db, my_document))  # my patient's metadata, aimed at their registered document
    entry = next(e for e in hijack["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    hijack["entry"] = [e for e in hijack["entry"] if e["resource"]["resourceType"] != "Binary"]
    entry["request"] = {"method": "PUT", "url": f"DocumentReference/{their_id}"}
    entry["resource"]["meta"]["versionId"] = "2"
    del entry["resource"]["content"][0]["attachment"]["url"]
    refused = httpx.post(peer.url, content=json.dumps(hijack), headers=HEADERS, timeout=10)
    answer = mhd.read_answer(refused.status_code, refused.content)
    assert answer.outcome == "rejected" and "document d'un autre patient" in answer.message

    entry["request"]["url"] = "DocumentReference/999999"
    refused = httpx.post(peer.url, content=json.dumps(hijack), headers=HEADERS, timeout=10)
    assert "document inconnu du destinataire" in mhd.read_answer(refused.status_code, refused.content).message
    assert [item["version"] for item in peer.registry()] == [1]  # nothing changed at the recipient


def test_the_board_shows_each_kind_and_the_operator_command_lists_and_queues_the_drift(
        db: Session, db_url, data_dir, peer, monkeypatch, capsys):  # noqa: F811
    team = Team(db)
    kept, _ = team.report(db, title="Scanner de contrôle")
    erroneous, _ = team.report(db, title="Compte rendu d'un autre patient")
    db.commit()
    peer.start()
    clock = Clock()
    worker = make_worker(db_url, peer, clock)
    worker.run_once()
    kept.invisible_to_legal_reps = True  # as the team's visibility screen records it, without telling the DMP feed
    erroneous.status = "entered_in_error"
    db.add_all([kept, erroneous])
    db.commit()

    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    assert cli.main(["sharing-drift"]) == 0
    listed = capsys.readouterr().out
    assert "Visibilité envoyée « normale », actuelle « INVISIBLE_REPRESENTANTS_LEGAUX »" in listed
    assert "Document retiré (saisi par erreur) mais toujours actif dans le DMP." in listed
    assert "2 document(s)" in listed
    assert cli.main(["sharing-drift", "--queue"]) == 0
    assert listed.count("\n") + 2 == capsys.readouterr().out.count("\n")  # one "->" line per document

    clock.advance(to=utcnow())
    assert sorted(r.outcome for r in worker.run_once()) == ["acknowledged", "acknowledged"]
    assert cli.main(["sharing-drift"]) == 0
    assert "Aucun écart avec le DMP." in capsys.readouterr().out

    with dbmod.transaction(db_url) as session:
        board = sharing.board(session, actor=team.secretary_actor)
    kinds = sorted((row.document, row.submission_kind_label) for row in board.page.items)
    assert kinds == [("Compte rendu d'un autre patient", "Envoi initial"), ("Compte rendu d'un autre patient", "Retrait du DMP"),
                     ("Scanner de contrôle", "Envoi initial"), ("Scanner de contrôle", "Mise à jour de la visibilité")]
