"""RCP services: quorum, registration deadline, RCP access grant, decision, signing, versioning, FRCP CDA."""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader
from sqlmodel import select

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.models import (
    AuditEvent,
    CancerDiagnosis,
    Document,
    DocumentVersion,
    Grant,
    Notification,
    PathwayEvent,
    Rcp,
    RcpCase,
    RcpCaseStatus,
    RcpKind,
    RcpSessionStatus,
    Role,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import (
    AccessDenied,
    StaleVersion,
    ValidationFailed,
)
from dcc_portal.services.exchange import exports
from dcc_portal.services.rcp import decision as rcp_decision
from dcc_portal.services.rcp import directory as rcp_directory
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import rules as rcp_rules
from dcc_portal.services.rcp import sessions as rcp_sessions
from dcc_portal.services.rcp import sitting as rcp_sitting
from dcc_portal.services.record import diagnosis, documents
from tests import factories as f
from tests import free_text

NS = {"c": "urn:hl7-org:v3"}
ONCO, SURGEON, RADIO, PATHO, HEMATO, GERIA, GP_CODE = (
    "G15_10/SM36", "G15_10/SM14", "G15_10/SM37", "G15_10/SM01", "G15_10/SM21", "G15_10/SM18", "G15_10/SM54")
NURSE = "G15_60"
XSS = '<script>alert("x")</script> javascript:alert(1)'


def board(kind=RcpKind.ORGAN, appareil="86762007", quorum="", pediatric=False) -> Rcp:
    return Rcp(national_id="X", name="RCP", organisation_id=1, kind=kind, appareil_code=appareil,
               quorum_specialties=quorum, is_pediatric=pediatric)


# --------------------------------------------------------------------------------------------------- quorum


def test_quorum_needs_three_physicians_of_different_specialties_and_a_surgeon():
    status = rcp_rules.quorum_rule(rcp=board(), present_specialties=[ONCO, SURGEON, RADIO])
    assert status.reached and status.surgeon_required and status.surgeon_present


def test_two_physicians_of_the_same_specialty_count_once():
    status = rcp_rules.quorum_rule(rcp=board(), present_specialties=[ONCO, ONCO, SURGEON])
    assert not status.reached
    assert "trois médecins de spécialités différentes" in status.summary


def test_non_physicians_do_not_count():
    status = rcp_rules.quorum_rule(rcp=board(), present_specialties=[ONCO, SURGEON, NURSE, "SECRETARIAT_MEDICAL"])
    assert not status.reached and status.physicians == 2


def test_organ_rcp_without_surgeon_fails_even_with_three_specialties():
    status = rcp_rules.quorum_rule(rcp=board(), present_specialties=[ONCO, RADIO, PATHO])
    assert not status.reached
    assert status.problems == ("un chirurgien doit être présent (RCP d'organe hors hématologie).",)


def test_haematology_rcp_needs_no_surgeon():
    status = rcp_rules.quorum_rule(rcp=board(appareil=rcp_rules.HAEMATOPOIETIC), present_specialties=[HEMATO, PATHO, RADIO])
    assert status.reached and not status.surgeon_required


def test_transversal_rcp_needs_no_surgeon():
    status = rcp_rules.quorum_rule(rcp=board(kind=RcpKind.TRANSVERSAL, appareil=""), present_specialties=[GERIA, ONCO, GP_CODE])
    assert status.reached and not status.surgeon_required


def test_only_the_quorum_specialties_of_the_rcp_count_when_listed():
    listed = board(quorum=f"{ONCO} {SURGEON} {RADIO}")
    assert not rcp_rules.quorum_rule(rcp=listed, present_specialties=[ONCO, SURGEON, GERIA]).reached
    assert rcp_rules.quorum_rule(rcp=listed, present_specialties=[ONCO, SURGEON, RADIO, GERIA]).reached


# --------------------------------------------------------------------------------------------------- world


@dataclass
class World:
    org: object
    coordinator: object
    coordinator_actor: object
    coordinator_secret: str
    surgeon: object
    radio: object
    clinician_actor: object
    clinician: object
    secretary_actor: object
    gp: object
    gp_actor: object
    outsider_actor: object
    patient: object
    rcp_public_id: str
    rcp_id: int


def _actor(db, pro, role=Role.CLINICIAN):
    account, secret = f.account(db, role=role, professional=pro)
    return f.actor_for(db, account), secret


@pytest.fixture
def world(db) -> World:
    f.publish_charter(db)
    org = f.organisation(db, "CHU <Villeneuve>")
    org.finess = "990000101"
    coordinator = f.professional(db, specialty=ONCO, org=org, family="Moreau")
    surgeon = f.professional(db, specialty=SURGEON, org=org, family="Lambert")
    radio = f.professional(db, specialty=RADIO, org=org, family="Blanc")
    clinician = f.professional(db, specialty=ONCO, org=org, family="Girard")
    secretary = f.professional(db, specialty="SECRETARIAT_MEDICAL", org=org, family="Roux")
    gp = f.professional(db, specialty=GP_CODE, family="Durand")
    outsider = f.professional(db, specialty=ONCO, family="Ailleurs")
    patient = f.patient(db, gp=gp, family="LEROY")
    patient.birth_place_code = "44109"
    f.member(db, patient=patient, pro=clinician)
    db.add(CancerDiagnosis(patient_id=patient.id, icd10_code="C18.9", icd10_label="Tumeur maligne du côlon",
                           morphology_code="8140/3", morphology_label="Adénocarcinome", tnm_t="3", tnm_n="1", tnm_m="0",
                           who_performance_status=1, diagnosis_date=date(2026, 2, 2), discovery_mode="screening"))
    coordinator_actor, coordinator_secret = _actor(db, coordinator)
    clinician_actor, _ = _actor(db, clinician)
    secretary_actor, _ = _actor(db, secretary, Role.RCP_SECRETARY)
    gp_actor, _ = _actor(db, gp, Role.GP)
    outsider_actor, _ = _actor(db, outsider)
    rcp_public_id = rcp_directory.save_rcp(db, actor=secretary_actor, form=rcp_directory.RcpForm(
        name="RCP digestive", national_id="44000123", network_id="5201", manager_id="520114", manager_name="3C Villeneuve",
        organisation_public_id=org.public_id, kind=RcpKind.ORGAN, appareil_code="86762007", organ_codes=["69695003"],
        usual_schedule="Mardi 13 h", place="Salle 2", visio_url="https://visio.example.org/rcp"))
    for pro, coordinating in ((coordinator, True), (surgeon, False), (radio, False)):
        rcp_directory.set_member(db, actor=secretary_actor, rcp_public_id=rcp_public_id, professional_public_id=pro.public_id,
                       member=True, coordinator=coordinating)
    db.flush()
    rcp_id = db.exec(select(Rcp.id).where(Rcp.public_id == rcp_public_id)).one()
    return World(org, coordinator, coordinator_actor, coordinator_secret, surgeon, radio, clinician_actor, clinician,
                 secretary_actor, gp, gp_actor, outsider_actor, patient, rcp_public_id, rcp_id)


NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def _session(db, w: World, *, first: str = "2026-03-31", start: str = "13:00", days: int = 2, deadline: str = "12:00") -> str:
    public_id = rcp_sessions.plan_sessions(db, actor=w.secretary_actor, rcp_public_id=w.rcp_public_id, first_date=first,
                                  start_time=start, deadline_days=days, deadline_time=deadline, now=NOW)[0]
    rcp_sessions.set_session_status(db, actor=w.secretary_actor, session_public_id=public_id, status=RcpSessionStatus.PUBLISHED, now=NOW)
    return public_id


def _register(db, w: World, session_id: str, now=NOW, question="Chirurgie d'emblée ?") -> str:
    return rcp_registration.register_case(db, actor=w.clinician_actor, patient_public_id=w.patient.public_id, session_public_id=session_id,
                             reason="treatment_proposal", question=question, summary=XSS, now=now)


def _sit(db, w: World, session_id: str, pros=None):
    rcp_sessions.set_session_status(db, actor=w.secretary_actor, session_public_id=session_id, status=RcpSessionStatus.OPEN)
    for pro in pros if pros is not None else (w.coordinator, w.surgeon, w.radio):
        rcp_sitting.set_attendance(db, actor=w.secretary_actor, session_public_id=session_id, professional_public_id=pro.public_id,
                           present=True)


def _decide(db, w: World, case_id: str, version: int = 0, status=RcpCaseStatus.DISCUSSED, **extra) -> int:
    values = dict(proposal=[{"type": "387713003", "intention": "first", "detail": "Colectomie " + XSS},
                            {"type": "C15632", "intention": "alternative", "detail": ""}],
                  guideline="Thésaurus national de cancérologie digestive " + XSS, trial_proposed=True,
                  trial_detail="PRODIGE " + XSS, additional_exams="Coloscopie", comment=XSS)
    values.update(extra)
    return rcp_decision.save_decision(db, actor=w.coordinator_actor, case_public_id=case_id, expected_version=version, status=status,
                             **values)


# --------------------------------------------------------------------------------------------------- sessions, deadline


def test_recurring_sessions_keep_the_paris_wall_clock_across_dst(db, world):
    ids = rcp_sessions.plan_sessions(db, actor=world.secretary_actor, rcp_public_id=world.rcp_public_id, first_date="2026-03-24",
                            start_time="13:00", recurrence="weekly", count=2, now=NOW)
    rows = [rcp_sessions.load_session(db, public_id)[0] for public_id in ids]
    # 24 March is CET (UTC+1), 31 March CEST (UTC+2): same 13:00 in Paris.
    assert [r.starts_at.replace(tzinfo=UTC).hour for r in rows] == [12, 11]
    # deadline two days before at noon, Paris time: 22 March 11:00 UTC, 29 March (DST day) 10:00 UTC
    assert [r.registration_deadline.replace(tzinfo=UTC) for r in rows] == [
        datetime(2026, 3, 22, 11, 0, tzinfo=UTC), datetime(2026, 3, 29, 10, 0, tzinfo=UTC)]


def test_registration_is_refused_from_the_deadline_on_with_a_clear_message(db, world):
    session_id = _session(db, world)  # deadline 29 March 2026 12:00 Paris = 10:00 UTC (DST day)
    just_before = datetime(2026, 3, 29, 9, 59, 59, tzinfo=UTC)
    assert _register(db, world, session_id, now=just_before)
    other = f.patient(db, gp=world.gp)
    f.member(db, patient=other, pro=world.clinician)
    with pytest.raises(ValidationFailed) as refused:
        rcp_registration.register_case(db, actor=world.clinician_actor, patient_public_id=other.public_id, session_public_id=session_id,
                          reason="treatment_proposal", question="Question ?", now=datetime(2026, 3, 29, 10, 0, tzinfo=UTC))
    assert "sont closes depuis le 29/03/2026 12:00" in refused.value.errors["session"]


def test_registration_needs_the_care_team(db, world):
    session_id = _session(db, world)
    with pytest.raises(AccessDenied):
        rcp_registration.register_case(db, actor=world.outsider_actor, patient_public_id=world.patient.public_id,
                          session_public_id=session_id, reason="treatment_proposal", question="Question ?", now=NOW)


def test_checklist_is_computed_from_the_record(db, world):
    items = {item.key: item for item in rcp_registration.checklist(db, patient=world.patient)}
    assert items["gp"].ok and items["who"].ok and items["diagnosis"].ok and items["tnm"].ok
    assert not items["pathology"].ok  # no CR-ACP in the record
    assert items["pathology"].computed and not items["patient_informed"].computed


# --------------------------------------------------------------------------------------------------- RCP grant


def test_rcp_members_see_registered_patients_only_while_the_case_stands(db, world):
    surgeon_actor, _ = _actor(db, world.surgeon)
    assert access.grant_for(db, actor=surgeon_actor, patient=world.patient) is None
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    assert access.grant_for(db, actor=surgeon_actor, patient=world.patient) == Grant.RCP
    # care team and médecin traitant keep their own grants first
    assert access.grant_for(db, actor=world.clinician_actor, patient=world.patient) == Grant.CARE_TEAM
    assert access.grant_for(db, actor=world.gp_actor, patient=world.patient) == Grant.MEDECIN_TRAITANT
    # a professional outside the RCP gets nothing
    assert access.grant_for(db, actor=world.outsider_actor, patient=world.patient) is None
    rcp_registration.withdraw_case(db, actor=world.clinician_actor, case_public_id=case_id, now=NOW)
    assert access.grant_for(db, actor=surgeon_actor, patient=world.patient) is None
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=surgeon_actor, patient_public_id=world.patient.public_id)


def test_rcp_grant_is_audited_as_rcp(db, world):
    surgeon_actor, _ = _actor(db, world.surgeon)
    _register(db, world, _session(db, world))
    access.require_patient(db, actor=surgeon_actor, patient_public_id=world.patient.public_id)
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.account_id == surgeon_actor.account_id)
                    .order_by(AuditEvent.id.desc())).first()
    assert event.grant == Grant.RCP and event.patient_id == world.patient.id


# --------------------------------------------------------------------------------------------------- decision


def test_case_discussed_without_quorum_is_flagged_for_representation(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id, pros=(world.coordinator, world.radio))  # no surgeon, two physicians
    _decide(db, world, case_id)
    decision = rcp_decision.case_decision(db, actor=world.coordinator_actor, case_public_id=case_id)
    assert decision.quorum_reached is False and decision.case.needs_representation


def test_recorded_case_must_cite_its_guideline(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id)
    with pytest.raises(ValidationFailed) as refused:
        _decide(db, world, case_id, status=RcpCaseStatus.RECORDED, guideline="")
    assert "référentiel" in refused.value.errors["guideline"]


def test_decision_is_for_member_physicians_and_stale_saves_are_refused(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id)
    with pytest.raises(AccessDenied):
        rcp_decision.save_decision(db, actor=world.secretary_actor, case_public_id=case_id, expected_version=0,
                          status=RcpCaseStatus.DISCUSSED, proposal=[{"type": "C15313", "intention": "first"}])
    assert _decide(db, world, case_id) == 1
    with pytest.raises(StaleVersion):
        _decide(db, world, case_id, version=0)  # a second user saving from the version they started from


# --------------------------------------------------------------------------------------------------- signing, FRCP


def _signed(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id)
    _decide(db, world, case_id)
    when = datetime.now(UTC)
    document_id = frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1,
                            code=f.code_for(world.coordinator_secret, when), now=when)
    db.flush()
    return case_id, document_id


def test_registration_and_signed_fiche_move_the_care_stage(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    assert (world.patient.care_stage, world.patient.care_stage_on) == ("rcp", date(2026, 3, 20))  # registered that day
    world.patient.care_stage = "announcement"  # say the diagnosis was announced meanwhile
    _sit(db, world, session_id)
    _decide(db, world, case_id)
    when = datetime.now(UTC)
    frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1,
              code=f.code_for(world.coordinator_secret, when), now=when)
    assert (world.patient.care_stage, world.patient.care_stage_on) == ("rcp", date(2026, 3, 31))  # the session's day


def test_signing_needs_the_coordinator_and_a_fresh_code(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id)
    _decide(db, world, case_id)
    surgeon_actor, surgeon_secret = _actor(db, world.surgeon)
    now = datetime.now(UTC)
    with pytest.raises(AccessDenied):
        frcp.sign(db, actor=surgeon_actor, case_public_id=case_id, expected_version=1, code=f.code_for(surgeon_secret, now))
    with pytest.raises(ValidationFailed) as wrong:
        frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1, code="000000", now=now)
    assert "Code incorrect" in wrong.value.errors["code"]
    good = f.code_for(world.coordinator_secret, now)
    frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1, code=good, now=now)
    db.flush()
    # a correction signed again with the same code is a replay: refused
    _decide(db, world, case_id, version=1, comment="Précision")
    with pytest.raises(ValidationFailed) as replay:
        frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=2, code=good,
                  correction_reason="précision", now=now + timedelta(seconds=5))
    assert "déjà été utilisé" in replay.value.errors["code"]


def test_signed_fiche_is_a_validated_frcp_document_shared_with_the_gp(db, world):
    case_id, document_id = _signed(db, world)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    assert document.kind == "frcp" and document.status == "validated"
    version = documents.version_row(db, document=document)
    assert version.signed_at is not None and version.signed_by_account_id == world.coordinator_actor.account_id
    gp_account = world.gp_actor.account_id
    assert db.exec(select(Notification).where(Notification.account_id == gp_account, Notification.kind == "rcp_decision")).first()
    assert db.exec(select(PathwayEvent).where(PathwayEvent.patient_id == world.patient.id,
                                              PathwayEvent.kind == "rcp_decision")).first().document_id == document.id
    # the GP reads it through the médecin traitant grant
    access.require_document(db, actor=world.gp_actor, document_public_id=document_id)


def test_generated_frcp_passes_schema_frcp_schematron_and_general_profiles(db, world):
    _, document_id = _signed(db, world)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    xml = documents.content_of(documents.version_row(db, document=document))["cda"]
    result = cda_validation.validate_frcp(xml)
    assert result.ok, result.summary()
    tree = etree.fromstring(xml.encode())
    assert tree.find("c:code", NS).get("code") == "34794-8"
    assert tree.find("c:templateId[@root='1.2.250.1.213.1.1.1.8']", NS) is not None
    gp_participant = tree.find("c:participant[@typeCode='INF']/c:functionCode", NS)
    assert gp_participant.get("code") == "PCP"
    assert tree.find("c:legalAuthenticator/c:assignedEntity/c:id", NS).get("extension") == "8" + world.coordinator.rpps
    assert len(tree.findall("c:componentOf/c:encompassingEncounter/c:id", NS)) == 4
    quorum = tree.xpath("//c:observation[c:code/@code='ORG-125']/c:value/@code", namespaces=NS)
    assert quorum == ["ORG-126"]
    # free text is escaped, never markup
    assert "&lt;script&gt;" in xml and not tree.xpath("//*[local-name()='script']")


def test_a_form_feed_pasted_in_the_decision_does_not_stop_the_signature(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id)
    _decide(db, world, case_id, comment="Page 1\x0cPage 2", additional_exams="Scanner\x0bIRM\x00")
    case = db.exec(select(RcpCase).where(RcpCase.public_id == case_id)).one()
    case.summary = "Synthèse enregistrée\x0cavant la règle\uffff"  # stored as typed, before the rule existed
    db.add(case)
    when = datetime.now(UTC)
    document_id = frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1,
                            code=f.code_for(world.coordinator_secret, when), now=when)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    content = documents.content_of(documents.version_row(db, document=document))
    assert (content["comment"], content["additional_exams"]) == ("Page 1\nPage 2", "Scanner\nIRM")
    assert cda_validation.xsd_errors(content["cda"]) == []
    text = "".join(etree.fromstring(content["cda"].encode()).itertext())
    assert "Page 2" in text and "Synthèse enregistrée\navant la règle" in text


def test_transversal_and_haematology_frcp_are_conformant_too(db, world):
    rcp_directory.save_rcp(db, actor=world.secretary_actor, rcp_public_id=world.rcp_public_id, expected_version=1, form=rcp_directory.RcpForm(
        name="RCP oncogériatrie", national_id="44000999", organisation_public_id=world.org.public_id,
        kind=RcpKind.TRANSVERSAL, transversal_code="ORG-130", manager_name="3C"))
    _, document_id = _signed(db, world)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    xml = documents.content_of(documents.version_row(db, document=document))["cda"]
    assert "ORG-132" in xml
    result = cda_validation.validate_frcp(xml, profiles=False)
    assert result.ok, result.summary()


def test_correction_is_a_new_version_with_same_set_id_and_rplc(db, world):
    case_id, document_id = _signed(db, world)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    first = documents.content_of(documents.version_row(db, document=document))
    with pytest.raises(ValidationFailed):  # nothing changed since signature
        frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1, code="123456")
    _decide(db, world, case_id, version=1, comment="Ajout : bilan gériatrique")
    later = datetime.now(UTC) + timedelta(seconds=31)
    with pytest.raises(ValidationFailed) as no_reason:
        frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=2,
                  code=f.code_for(world.coordinator_secret, later), now=later)
    assert "motif" in no_reason.value.errors["correction_reason"]
    frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=2,
              code=f.code_for(world.coordinator_secret, later), correction_reason="ajout du bilan", now=later)
    db.flush()
    db.refresh(document)
    assert document.current_version == 2
    second = documents.content_of(documents.version_row(db, document=document))
    tree = etree.fromstring(second["cda"].encode())
    assert second["cda_set_id"] == first["cda_set_id"] and second["cda_id"] != first["cda_id"]
    assert tree.find("c:setId", NS).get("root") == first["cda_set_id"]
    assert tree.find("c:versionNumber", NS).get("value") == "2"
    assert tree.find("c:relatedDocument[@typeCode='RPLC']/c:parentDocument/c:id", NS).get("root") == first["cda_id"]
    assert cda_validation.validate_frcp(second["cda"], profiles=False).ok
    versions = db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).all()
    assert [v.version for v in versions] == [1, 2]


def test_stale_signature_is_refused(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id)
    _sit(db, world, session_id)
    _decide(db, world, case_id)
    with pytest.raises(StaleVersion):
        frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=0, code="123456")


def test_print_view_and_pdf_keep_free_text_inert(db, world):
    _, document_id = _signed(db, world)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    version = documents.version_row(db, document=document)
    html = frcp.print_view(db, document=document, version=version, patient=world.patient)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    name, pdf = frcp.export_pdf(db, document=document, version=version, patient=world.patient)
    assert pdf.startswith(b"%PDF") and name.endswith(".pdf")


def test_operator_export_writes_cda_and_pdf_and_is_audited(db, world, tmp_path):
    _signed(db, world)
    result = exports.export_patient(db, reference=world.patient.local_id, fmt="cda", out_dir=tmp_path / "cda", operator="ops")
    assert len(result.written) == 1 and result.written[0].endswith(".xml")
    assert cda_validation.xsd_errors(open(result.written[0], "rb").read()) == []
    result = exports.export_patient(db, reference=world.patient.ins, fmt="pdf", out_dir=tmp_path / "pdf")
    assert open(result.written[0], "rb").read(4) == b"%PDF"
    db.commit()
    exported = db.exec(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.actor_role == "operator")).all()
    assert len(exported) == 2
    with pytest.raises(LookupError):
        exports.export_patient(db, reference="NOPE", fmt="cda", out_dir=tmp_path)
    assert json.dumps(exports.FORMATS)


def test_signed_fiche_pdf_is_laid_out_ahead_and_its_first_download_served_from_it(db, db_url, world, monkeypatch):
    from dcc_portal.services.common import render

    _, document_id = _signed(db, world)
    db.commit()
    documents.lay_out_pdf_ahead(document_id, db_url=db_url).result(timeout=120)

    def no_layout(html):
        raise AssertionError("laid out at download")

    def no_view(*args, **kwargs):
        raise AssertionError("print view rendered to find the kept PDF of a signed version")

    monkeypatch.setattr(render, "pdf", no_layout)
    monkeypatch.setattr(frcp, "print_view", no_view)
    pdf = documents.produce_pdf(db, actor=world.gp_actor, target=document_id)
    assert pdf.data.startswith(b"%PDF-") and pdf.filename.endswith("-v1.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert world.patient.birth_family_name in text.upper()


FICHE_FIELDS = ("rcp_name", "manager_name", "board_place", "session_place", "question", "summary", "first_detail",
                "other_detail", "guideline", "trial_detail", "additional_exams", "comment", "correction_reason",
                "other_staging")
_signatures = itertools.count()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=st.fixed_dictionaries({name: free_text.typed() for name in FICHE_FIELDS}))
def test_whatever_is_typed_in_its_fields_the_signed_fiche_is_well_formed_and_valid(db, world, typed):
    board = db.exec(select(Rcp).where(Rcp.id == world.rcp_id)).one()
    rcp_directory.save_rcp(db, actor=world.secretary_actor, rcp_public_id=world.rcp_public_id, expected_version=board.version,
                 form=rcp_directory.RcpForm(name="RCP " + typed["rcp_name"], national_id="44000123",
                                  organisation_public_id=world.org.public_id, kind=RcpKind.ORGAN, appareil_code="86762007",
                                  manager_name=typed["manager_name"], place=typed["board_place"]))
    session_id = rcp_sessions.plan_sessions(db, actor=world.secretary_actor, rcp_public_id=world.rcp_public_id,
                                   first_date="2026-03-31", start_time="13:00", deadline_days=2, deadline_time="12:00",
                                   place=typed["session_place"], now=NOW)[0]
    rcp_sessions.set_session_status(db, actor=world.secretary_actor, session_public_id=session_id, status=RcpSessionStatus.PUBLISHED,
                           now=NOW)
    patient = f.patient(db, gp=world.gp)
    f.member(db, patient=patient, pro=world.clinician)
    diagnosis.save(db, actor=world.clinician_actor, patient_public_id=patient.public_id, expected_version=0, now=NOW,
                   values={"icd10_code": "C18.9", "diagnosis_date": "2026-02-02", "other_staging": typed["other_staging"]})
    case_id = rcp_registration.register_case(db, actor=world.clinician_actor, patient_public_id=patient.public_id,
                                session_public_id=session_id, reason="treatment_proposal",
                                question="Quelle suite ? " + typed["question"], summary=typed["summary"], now=NOW)
    _sit(db, world, session_id)
    decision = dict(proposal=[{"type": "387713003", "intention": "first", "detail": typed["first_detail"]},
                              {"type": "C15632", "intention": "alternative", "detail": typed["other_detail"]}],
                    guideline=typed["guideline"], trial_proposed=True, trial_detail=typed["trial_detail"],
                    additional_exams=typed["additional_exams"], comment=typed["comment"])
    for version, reason in ((0, ""), (1, "Motif " + typed["correction_reason"])):  # the first signature, a correction
        _decide(db, world, case_id, version=version, **decision | {"comment": typed["comment"] + "." * version})
        when = datetime(2026, 4, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=next(_signatures))
        document_id = frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=version + 1,
                                code=f.code_for(world.coordinator_secret, when), correction_reason=reason, now=when)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    content = documents.content_of(documents.version_row(db, document=document))
    assert content["cda_version"] == 2
    assert cda_validation.xsd_errors(content["cda"]) == []
    stored = [content["rcp"]["name"], content["rcp"]["manager_name"], content["session"]["place"], content["case"]["question"],
              content["case"]["summary"], content["guideline"], content["trial_detail"], content["additional_exams"],
              content["comment"], content["correction_reason"], content["diagnosis"]["other_staging"],
              *(item["detail"] for item in content["proposal"])]
    assert all(free_text.carried(text) for text in stored)
