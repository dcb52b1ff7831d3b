"""The HL7 v2 feed's service layer: filing by exact identity, LOINC kinds, versions, release gating, notifications,
replay, refusals that store nothing, and the identity-vigilance queue."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import func, select

from dcc_portal.models import (
    AuditEvent,
    Document,
    DocumentVersion,
    Hl7Message,
    Notification,
    PatientLocalId,
    Role,
)
from dcc_portal.peers import hl7_sender
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.exchange import hl7_inbound, hl7_vigilance
from dcc_portal.services.exchange import hl7_messages as messages
from dcc_portal.services.record import documents
from tests import factories as f
from tests.pathway_builders import team as make_team

FACILITY = "LABO-ACP-NORD"
SENDERS = {FACILITY: hl7_inbound.Sender(FACILITY, max_bytes=200_000, secret="s3cret", name="Laboratoire ACP Nord")}
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DCC_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def team(db):
    return make_team(db)


def of(patient, **extra) -> dict:
    values = dict(family=patient.birth_family_name, given=patient.first_names.split()[0], birth=patient.birth_date,
                  sex=patient.sex, ins=patient.ins, security="s3cret", facility=FACILITY)
    return {**values, **extra}


def send(db, **fields) -> hl7_inbound.Received:
    fields.setdefault("control_id", f"MSG{next(_ids):05d}")
    raw = hl7_sender.message(**fields).encode()
    result = hl7_inbound.receive(db, raw, senders=SENDERS)
    db.commit()  # as the listener does before it answers (audit events are written at commit)
    return result


def count(db, model) -> int:
    return db.exec(select(func.count(model.id))).one()


def test_an_exact_identity_files_a_validated_cr_acp_hidden_from_the_patient_and_tells_the_team_and_the_gp(db, team):
    result = send(db, **of(team.patient), control_id="CRACP-1", document_ref="ACP-2026-1")
    assert (result.code, result.status) == ("AA", "filed")
    assert messages.ack_code(result.ack)[0] == "AA" and "MSA|AA|CRACP-1" in result.ack

    document = db.exec(select(Document).where(Document.patient_id == team.patient.id)).one()
    assert (document.kind, document.status, document.announces_cancer) == ("cr_acp", "validated", True)
    assert not access.patient_may_see(document, team.patient)  # until the announcement
    version = documents.version_row(db, document=document)
    assert version.mime_type == "application/pdf" and documents.file_of(version).startswith(b"%PDF-")
    assert FACILITY in version.reason and "CRACP-1" in version.reason
    assert documents.content_of(version)["message_control_id"] == "CRACP-1"

    told = set(db.exec(select(Notification.account_id).where(Notification.document_id == document.id)).all())
    assert {team.gp_account_id, team.clinician.account_id, team.nurse.account_id} <= told
    assert team.outsider.account_id not in told

    event = db.exec(select(AuditEvent).where(AuditEvent.action == "hl7_receive", AuditEvent.patient_id == team.patient.id)).one()
    assert "CRACP-1" in event.detail and FACILITY in event.detail and event.document_id == document.public_id
    row = db.exec(select(Hl7Message)).one()
    assert (row.document_id, row.document_version, row.ack) == (document.id, 1, result.ack)


def test_a_replayed_control_id_gets_the_same_ack_and_is_stored_once(db, team):
    first = send(db, **of(team.patient), control_id="REPLAY-1")
    again = send(db, **of(team.patient), control_id="REPLAY-1")
    assert again.ack == first.ack and again.status == "replay"
    assert count(db, Document) == 1 and count(db, Hl7Message) == 1


def test_a_document_id_received_before_becomes_a_new_version(db, team):
    send(db, **of(team.patient), document_ref="ACP-7", title="Biopsie")
    result = send(db, **of(team.patient), document_ref="ACP-7", title="Biopsie (complément)")
    assert result.status == "filed"
    document = db.exec(select(Document)).one()
    assert (document.current_version, document.title) == (2, "Biopsie (complément)")
    assert count(db, DocumentVersion) == 2


def test_kinds_follow_the_loinc_code_and_imaging_is_not_gated(db, team):
    send(db, **of(team.patient), loinc="18748-4", title="Scanner thoraco-abdominal")
    send(db, **of(team.patient), loinc="34874-8", title="Mastectomie")
    send(db, **of(team.patient), loinc="99999-9", title="Inconnu")
    kinds = {doc.kind: doc for doc in db.exec(select(Document)).all()}
    assert set(kinds) == {"imaging", "cro", "other"}
    assert access.patient_may_see(kinds["imaging"], team.patient)


def test_a_cda_n1_is_filed_as_its_pdf(db, team):
    pdf = hl7_sender.blank_pdf()
    cda = hl7_sender.n1_cda(pdf, loinc="51969-4", title="Génétique moléculaire", set_id="1.2.250.1.999.7")
    result = send(db, **of(team.patient), media="cda", payload=cda, loinc="", title="")
    assert result.status == "filed", result.text
    document = db.exec(select(Document)).one()
    assert (document.kind, document.title) == ("cr_gm", "Génétique moléculaire")
    assert documents.file_of(documents.version_row(db, document=document)) == pdf
    assert db.exec(select(Hl7Message.document_ref)).one() == "1.2.250.1.999.7"



def test_a_structured_cda_is_filed_as_the_text_of_its_sections(db, team):
    cda = hl7_sender.n1_cda(b"", loinc="11502-2", title="Bilan biologique", set_id="1.2.250.1.999.8").decode()
    body = ('<component><structuredBody><component><section><title>Hémogramme</title><text>Leucocytes 6,2 G/L'
            '</text></section></component></structuredBody></component>')
    cda = cda[:cda.index("<component><nonXMLBody>")] + body + "\n</ClinicalDocument>\n"
    result = send(db, **of(team.patient), media="cda", payload=cda.encode(), loinc="", title="")
    assert result.status == "filed", result.text
    document = db.exec(select(Document)).one()
    version = documents.version_row(db, document=document)
    assert (document.kind, version.file_name) == ("biology", None)
    assert "Leucocytes 6,2 G/L" in documents.content_of(version)["body"]
    assert "Leucocytes" in documents.print_html(db, document=document, version=version, patient=team.patient)

def test_the_local_id_learnt_with_a_qualified_ins_files_the_next_message_without_ins(db, team):
    send(db, **of(team.patient), local_id="IPP-77")
    assert db.exec(select(PatientLocalId.patient_id).where(PatientLocalId.value == "IPP-77")).one() == team.patient.id
    result = send(db, **of(team.patient, ins=""), local_id="IPP-77")
    assert result.status == "filed"
    assert count(db, Document) == 2


ACTIVE_PDF = hl7_sender.blank_pdf().replace(b"%%EOF", b"/JavaScript (app.alert(1))\n%%EOF")
BAD_CDA = b'<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>x</title></ClinicalDocument>'


@pytest.mark.parametrize("change, reason", [
    ({"raw": b"ceci n'est pas un message HL7"}, "mal formé"),
    ({"raw": b"MSH|^~\\&|SGL|LABO-ACP-NORD|\xff\xfe"}, "UTF-8"),
    ({"raw": b"MSH|^~\\&|SGL|LABO-ACP-NORD|DCC|DCC|20261201|s3cret|ORU^R01|SHORT-1"}, "Version HL7 absente"),
    ({"version": "2.3"}, "Version HL7 2.3"),
    ({"message_type": "ADT^A01"}, "ADT^A01"),
    ({"with_obx": False}, "OBX"),
    ({"payload": b"x" * 180_000}, "trop volumineux"),
    ({"facility": "INCONNU"}, "non autorisé"),
    ({"security": "faux"}, "Secret partagé"),
    ({"payload": ACTIVE_PDF}, "contenu actif"),
    ({"payload": b"pas un pdf"}, "pas un PDF"),
    ({"payload": BAD_CDA, "media": "cda"}, "schéma CDA"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(db, team, change, reason):
    change = dict(change)
    raw = change.pop("raw", None) or hl7_sender.message(control_id="BAD-1", **{**of(team.patient), **change}).encode()
    result = hl7_inbound.receive(db, raw, senders=SENDERS)
    db.commit()
    assert result.code == "AR" and reason in result.text, result.text
    assert messages.ack_code(result.ack) == ("AR", result.text)
    assert count(db, Hl7Message) == 0 and count(db, Document) == 0 and count(db, Notification) == 0
    refusal = db.exec(select(AuditEvent).where(AuditEvent.action == "hl7_receive")).one()
    assert refusal.outcome == "error" and reason in refusal.detail


def test_a_refused_message_sent_again_once_fixed_is_filed(db, team):
    assert send(db, **of(team.patient), control_id="FIX-1", version="2.3").code == "AR"
    assert send(db, **of(team.patient), control_id="FIX-1").status == "filed"


# --- Identity vigilance ---

@pytest.fixture
def referent(db):
    org = f.organisation(db, "Réseau")
    account, _ = f.account(db, role=Role.ADMIN, professional=f.professional(db, specialty="SECRETARIAT_MEDICAL", org=org))
    return f.actor_for(db, account)


@pytest.mark.parametrize("change, reason", [
    ({"birth": "19591231"}, "date de naissance"),
    ({"family": "DURAND"}, "nom de naissance"),
    ({"ins": "299990000000017"}, "INS inconnu"),
    ({"ins": "", "local_id": "NOBODY"}, "patient inconnu"),
])
def test_an_identity_that_does_not_match_exactly_waits_and_nothing_is_filed(db, team, change, reason):
    result = send(db, **of(team.patient, **change))
    assert (result.code, result.status) == ("AA", "waiting")
    assert count(db, Document) == 0
    assert reason in db.exec(select(Hl7Message.vigilance_reason)).one()


def test_two_candidates_wait(db, team):
    other = f.patient(db)
    send(db, **of(other), local_id="IPP-1")  # learns IPP-1 for the other patient
    result = send(db, **of(team.patient), local_id="IPP-1")
    assert result.status == "waiting"
    assert "deux patients" in db.exec(select(Hl7Message.vigilance_reason).where(Hl7Message.status == "waiting")).one()


def test_the_referent_sees_the_identity_beside_the_candidates_and_attaches_it(db, team, referent):
    send(db, **of(team.patient, birth="19591231"), control_id="VIG-1")
    [row] = hl7_vigilance.queue(db, actor=referent).items
    waiting = hl7_vigilance.detail(db, actor=referent, message_public_id=row.public_id)
    assert waiting.family_name == team.patient.birth_family_name and waiting.birth_date == "31/12/1959"
    [candidate] = waiting.candidates
    assert candidate.public_id == team.patient.public_id and "date de naissance" in candidate.differences

    hl7_vigilance.attach(db, actor=referent, message_public_id=row.public_id, patient_public_id=team.patient.public_id)
    document = db.exec(select(Document)).one()
    assert document.patient_id == team.patient.id and document.status == "validated"
    assert hl7_vigilance.queue(db, actor=referent).total == 0
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "identity_vigilance",
                                             AuditEvent.patient_id == team.patient.id)).one()
    assert event.account_id == referent.account_id and "VIG-1" in event.detail
    with pytest.raises(ValidationFailed):  # already handled
        hl7_vigilance.attach(db, actor=referent, message_public_id=row.public_id, patient_public_id=team.patient.public_id)


def test_the_referent_may_attach_only_to_a_candidate(db, team, referent):
    stranger = f.patient(db, family="ETRANGER")
    send(db, **of(team.patient, birth="19591231"))
    [row] = hl7_vigilance.queue(db, actor=referent).items
    with pytest.raises(ValidationFailed):
        hl7_vigilance.attach(db, actor=referent, message_public_id=row.public_id, patient_public_id=stranger.public_id)
    assert count(db, Document) == 0


def test_the_referent_creates_the_patient_or_rejects_with_a_reason(db, team, referent):
    send(db, family="NOUVEAU", given="Paul", birth="19700505", sex="M", ins="", local_id="X-1", security="s3cret",
         facility=FACILITY)
    send(db, **of(team.patient, family="AUTRE"))
    first, second = hl7_vigilance.queue(db, actor=referent).items
    hl7_vigilance.create_patient(db, actor=referent, message_public_id=first.public_id)
    created = db.exec(select(Document)).one()
    assert created.patient_id not in (team.patient.id,)
    with pytest.raises(ValidationFailed):
        hl7_vigilance.reject(db, actor=referent, message_public_id=second.public_id, reason="")
    hl7_vigilance.reject(db, actor=referent, message_public_id=second.public_id, reason="Homonyme, identité à corriger")
    assert db.exec(select(Hl7Message.status).where(Hl7Message.public_id == second.public_id)).one() == "rejected"
    assert count(db, Document) == 1
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "identity_vigilance",
                                             AuditEvent.justification == "Homonyme, identité à corriger")).one()
    assert event.account_id == referent.account_id


def test_only_the_identity_vigilance_referent_sees_the_queue(db, team):
    send(db, **of(team.patient, birth="19591231"))
    with pytest.raises(AccessDenied):
        hl7_vigilance.queue(db, actor=team.clinician)
    db.commit()
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "identity_vigilance", AuditEvent.outcome == "denied")).one()
    assert denied.account_id == team.clinician.account_id


def test_the_ack_of_an_unreadable_message_names_no_message():
    code, text = messages.ack_code(messages.ack(None, "AR", "Message mal formé"))
    assert (code, text) == ("AR", "Message mal formé")
