"""The demo's later DMP steps, as `make run` plays them: the demo region's first versions go through the real worker
to the real test recipient, then `sharing-demo` corrects a fiche RCP (replacement), withdraws a misfiled report and
makes a scanner invisible to the patient (metadata update), and the worker sends those too."""

from __future__ import annotations

import os

import pytest
from sqlmodel import select

from dcc_portal import db as dbmod
from dcc_portal.demo import dmp_stories, seed
from dcc_portal.models import (
    Account,
    Document,
    DocumentStatus,
    Role,
    SharingSubmission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.exchange import sharing, sharing_updates
from dcc_portal.services.record import documents
from tests import factories
from tests.conftest import cloned_database
from tests.sharing_fixtures import Clock, Peer
from tests.test_sharing_delivery import make_worker


@pytest.fixture(scope="module")
def demo(template_db, postgres, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dmp-demo")
    previous = os.environ.get("DCC_DATA_DIR")
    os.environ["DCC_DATA_DIR"] = str(folder / "data")
    peer = Peer(folder)
    try:
        with cloned_database(template_db, postgres, folder) as url:
            with dbmod.transaction(url) as db:
                seed.load_demo_region(db)
            yield url, peer.start()
    finally:
        peer.stop()
        if previous is None:
            os.environ.pop("DCC_DATA_DIR", None)
        else:
            os.environ["DCC_DATA_DIR"] = previous


def drain(worker) -> list[str]:
    outcomes = []
    while batch := worker.run_once():
        outcomes += [result.outcome for result in batch]
    return outcomes


def documents_of_stories(url: str) -> list[Document]:
    with dbmod.transaction(url) as db:
        return [story.find(db) for story in dmp_stories.STORIES]


def submissions(url: str, document: Document) -> list[SharingSubmission]:
    with dbmod.transaction(url) as db:
        return list(db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)
                            .order_by(SharingSubmission.id)).all())


def test_the_demo_corrects_withdraws_and_hides_documents_through_the_worker_and_the_recipient(demo):
    url, peer = demo
    fiche, misfiled, scanner = documents_of_stories(url)
    assert (fiche.kind, misfiled.title, scanner.title) == ("frcp", dmp_stories.MISFILED_TITLE, dmp_stories.GATED_TITLE)
    with dbmod.transaction(url) as db:  # nothing registered yet: every story waits for the DMP
        assert dmp_stories.advance(db) == ([], [story.name for story in dmp_stories.STORIES])

    clock = Clock()
    worker = make_worker(url, peer, clock)
    assert "acknowledged" in drain(worker)
    said = []
    assert dmp_stories.run(url, wait=0, say=said.append) == 0
    assert said == [f"{story.name} : fait, envoi au DMP en file d'attente." for story in dmp_stories.STORIES]
    clock.advance(to=utcnow())
    assert drain(worker) == ["acknowledged"] * 3

    # Replacement: the corrected fiche replaces the registered one, at the recipient and in the CDA.
    first, corrected = submissions(url, fiche)
    assert (corrected.kind, corrected.document_version, corrected.status) == (SubmissionKind.REPLACEMENT, 2, SubmissionStatus.ACKNOWLEDGED)
    registry = {item["entry_uuid"]: item for item in peer.registry()}
    assert registry[f"urn:uuid:{first.entry_uuid}"]["status"] == "superseded"
    assert registry[f"urn:uuid:{corrected.entry_uuid}"]["status"] == "current"
    reference = registry[f"urn:uuid:{corrected.entry_uuid}"]["document_reference"]
    assert reference["relatesTo"][0]["code"] == "replaces"
    with dbmod.transaction(url) as db:
        content = documents.content_of(documents.version_row(db, document=db.get(Document, fiche.id)))
    assert content["correction_reason"] == dmp_stories.CORRECTION_REASON
    assert content["additional_exams"] == dmp_stories.CORRECTED_EXAMS
    assert 'typeCode="RPLC"' in content["cda"] and "clairance de la créatinine" in content["cda"]

    # Withdrawal: the misfiled report is deprecated at the DMP, no document sent again.
    registered, withdrawal = submissions(url, misfiled)
    assert (withdrawal.kind, withdrawal.status) == (SubmissionKind.WITHDRAWAL, SubmissionStatus.ACKNOWLEDGED)
    assert registry[f"urn:uuid:{registered.entry_uuid}"]["status"] == "deprecated"

    # Visibility update: the scanner is now invisible to the patient at the DMP.
    _registered, update = submissions(url, scanner)
    assert (update.kind, update.status) == (SubmissionKind.UPDATE, SubmissionStatus.ACKNOWLEDGED)
    labels = [label["coding"][0]["code"] for label in registry[f"urn:uuid:{update.entry_uuid}"]["document_reference"]["securityLabel"]]
    assert "INVISIBLE_PATIENT" in labels

    with dbmod.transaction(url) as db:
        assert db.get(Document, misfiled.id).status == DocumentStatus.ENTERED_IN_ERROR
        drifted = {drift.document_public_id for drift in sharing_updates.drifted(db)[0]}
        assert not drifted & {fiche.public_id, misfiled.public_id, scanner.public_id}
        assert dmp_stories.advance(db) == ([], [])  # each story once
        admin = db.exec(select(Account).where(Account.role == Role.ADMIN)).first()
        board = sharing.board(db, actor=factories.actor_for(db, admin))
    kinds = {row.submission_kind_label for row in board.page.items}
    assert {"Remplacement", "Retrait du DMP", "Mise à jour de la visibilité"} <= kinds
