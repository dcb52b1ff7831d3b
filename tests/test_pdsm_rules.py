"""The ANS PDSm profile rules (data/pdsm/rules.json, read from the guide's FSH): what the portal sends follows each of
them, and the DMP test recipient refuses a submission that breaks one, naming the rule and its reason.

One test per rule: each rule has a planted violation below that breaks it on an otherwise valid Bundle; a rule added
to the data without its planted violation fails `test_every_rule_has_its_planted_violation`."""

from __future__ import annotations

import copy
import json

import httpx
import pytest
from sqlmodel import Session, select

from dcc_portal.models import SharingSubmission
from dcc_portal.peers import pdsm_rules
from dcc_portal.peers.dmp_recipient import check_bundle
from dcc_portal.services.exchange import mhd, sharing
from tests.sharing_fixtures import PEER_TOKEN, Peer, Team

SEARCH_URL = {"reference": "Patient?identifier=urn:oid:1.2.250.1.213.1.4.10|279035121518989"}


def _set(resource: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for name in parents:
        resource = resource[name][0] if isinstance(resource[name], list) else resource[name]
    resource[last] = value


def _drop(resource: dict, path: str) -> None:
    *parents, last = path.split(".")
    for name in parents:
        resource = resource[name][0] if isinstance(resource[name], list) else resource[name]
    del resource[last]


def _contained(resource: dict, resource_id: str) -> dict:
    return next(item for item in resource["contained"] if item["id"] == resource_id)


def _designation(submission_set: dict) -> dict:
    return next(e for e in submission_set["extension"] if e["url"].endswith("ihe-designationType"))


def _coding(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


R02 = "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite"
A03 = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"

# rule id -> (List, DocumentReference) -> None: breaks that rule and nothing the rule does not own.
PLANTED = {
    "SS-contained": lambda s, d: s.update(contained=[]),
    "SS-extensions": lambda s, d: s.update(extension=s["extension"][:1]),
    "SS-content-type": lambda s, d: _designation(s).update(valueCodeableConcept=_coding(R02, "SA01")),  # not in J59
    "SS-subject": lambda s, d: s.update(subject=SEARCH_URL),
    "SS-source": lambda s, d: _contained(s, "author-practitioner").update(identifier=[]),
    "SS-unique-id": lambda s, d: s["identifier"][0].update(value="urn:uuid:0f5b5f3e-5c7e-4a57-9d7e-1b2c3d4e5f60"),
    "DR-contained": lambda s, d: d.update(contained=[]),
    "DR-custodian": lambda s, d: _drop(d, "custodian"),
    "DR-date": lambda s, d: _drop(d, "date"),
    "DR-author": lambda s, d: d.update(author=[{"reference": "Practitioner/123"}]),
    "DR-authenticator": lambda s, d: d.update(authenticator={"reference": "#source-patient"}),
    "DR-type": lambda s, d: d.update(type=_coding("http://loinc.org", "00000-0")),
    "DR-category": lambda s, d: d.update(category=[_coding(A03, "99")]),
    "DR-type-class": lambda s, d: d.update(category=[_coding(A03, "10")]),  # an imaging report is 31, not 10
    "DR-security-label": lambda s, d: d["securityLabel"].append(_coding("urn:oid:1.2.3", "SECRET")),
    "DR-language": lambda s, d: _set(d, "content.attachment.language", "en-US"),
    "DR-size": lambda s, d: _drop(d, "content.attachment.size"),
    "DR-hash": lambda s, d: _drop(d, "content.attachment.hash"),
    "DR-title": lambda s, d: _drop(d, "content.attachment.title"),
    "DR-attachment-url": lambda s, d: _set(d, "content.attachment.url", "https://example.org/document.xml"),
    "DR-format": lambda s, d: d["content"][0].update(format={"system": "urn:oid:1.3.6.1.4.1.19376.1.2.3", "code": "urn:x:y"}),
    "DR-period-start": lambda s, d: _drop(d, "context.period.start"),
    "DR-facility-type": lambda s, d: d["context"].update(facilityType=_coding(R02, "SA99")),
    "DR-practice-setting": lambda s, d: d["context"].update(practiceSetting=_coding("urn:oid:1.2.250.1.213.1.1.4.9", "HOPITAL")),
    "DR-subject": lambda s, d: d.update(subject=SEARCH_URL),
    "DR-source-patient": lambda s, d: d["context"].update(sourcePatientInfo={"reference": "#author-role"}),
    "DR-unique-id": lambda s, d: d["masterIdentifier"].update(value="urn:uuid:0f5b5f3e-5c7e-4a57-9d7e-1b2c3d4e5f60"),
}


@pytest.fixture
def bundle(db: Session, monkeypatch, tmp_path) -> dict:
    """The ITI-65 Bundle of a validated imaging report, as the worker would send it."""
    monkeypatch.setenv("DCC_DATA_DIR", str(tmp_path / "data"))
    team = Team(db)
    document, _ = team.report(db)
    submission = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)).one()
    meta, data = sharing.metadata_for(db, submission=submission, now=submission.created_at)
    return mhd.provide_bundle(meta, data)


def _parts(bundle: dict) -> tuple[dict, dict]:
    by_type = {entry["resource"]["resourceType"]: entry["resource"] for entry in bundle["entry"]}
    return by_type["List"], by_type["DocumentReference"]


def test_every_rule_has_its_planted_violation():
    assert {rule.id for rule in pdsm_rules.rules()} == set(PLANTED)
    for rule in pdsm_rules.rules():
        assert rule.source and rule.message and rule.resource in ("List", "DocumentReference"), rule.id


def test_what_the_portal_sends_follows_every_rule(bundle):
    assert check_bundle(bundle)[0] == []


@pytest.mark.parametrize("rule_id", sorted(PLANTED))
def test_the_recipient_refuses_a_submission_that_breaks_the_rule(bundle, rule_id):
    broken = copy.deepcopy(bundle)
    submission_set, document = _parts(broken)
    PLANTED[rule_id](submission_set, document)
    rule = next(rule for rule in pdsm_rules.rules() if rule.id == rule_id)
    problems = check_bundle(broken)[0]
    assert any(f"[{rule_id}] {rule.message}" in problem for problem in problems), problems


def test_the_running_recipient_refuses_a_planted_bad_submission_with_the_rule_and_its_reason(bundle, tmp_path):
    """Over HTTP, as the DMP would: a submission set whose contentTypeCode is a facility type outside JDV_J59 (what
    the portal used to send) is refused; the board shows the recipient's reason."""
    broken = copy.deepcopy(bundle)
    PLANTED["SS-content-type"](*_parts(broken))
    peer = Peer(tmp_path).start()
    try:
        response = httpx.post(peer.url, content=json.dumps(broken), timeout=10,
                              headers={"Authorization": f"Bearer {PEER_TOKEN}", "Content-Type": mhd.FHIR_JSON})
        assert peer.registry() == []
        good = httpx.post(peer.url, content=json.dumps(bundle), timeout=10,
                          headers={"Authorization": f"Bearer {PEER_TOKEN}", "Content-Type": mhd.FHIR_JSON})
        registered = peer.registry()
    finally:
        peer.stop()
    assert response.status_code == 400
    answer = mhd.read_answer(response.status_code, response.content)
    assert answer.outcome == "rejected"
    assert "[SS-content-type]" in answer.message and "JDV_J59-ContentTypeCode-DMP" in answer.message
    assert good.status_code == 200 and len(registered) == 1
    # Stored as the guide describes it: attachment.url rewritten to the Binary the recipient created.
    stored_url = registered[0]["document_reference"]["content"][0]["attachment"]["url"]
    assert stored_url.startswith("Binary/") and stored_url != _parts(bundle)[1]["content"][0]["attachment"]["url"]
