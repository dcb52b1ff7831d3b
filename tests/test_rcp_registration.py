"""Registering a patient for an RCP session: the checklist's TNM, the patient's information carried from the form to
the agenda and the fiche, the refusal of a second registration, and one presenter entry per person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from dcc_portal.models import CancerDiagnosis, Document, Professional, RcpCase, RcpCaseStatus
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import sitting as rcp_sitting
from dcc_portal.services.record import diagnosis as diagnosis_service
from dcc_portal.services.record import documents
from tests import factories as f
from tests.test_rcp import NOW, _decide, _session, _sit, world  # noqa: F401  world is a fixture

INFORMED = "patient_informed"


def _diagnosis(db, patient) -> CancerDiagnosis:
    return db.exec(select(CancerDiagnosis).where(CancerDiagnosis.patient_id == patient.id)).one()


def _register(db, w, session_id: str, *, informed: bool, actor=None, presenter: str = "") -> str:
    return rcp_registration.register_case(
        db, actor=actor or w.clinician_actor, patient_public_id=w.patient.public_id, session_public_id=session_id,
        reason="treatment_proposal", question="Chirurgie d'emblée ?", presenter_public_id=presenter,
        declared={INFORMED: informed, "imaging_reviewed": False}, now=NOW)


def test_checklist_tnm_reads_as_the_diagnosis_writes_it(db, world):
    diagnosis = _diagnosis(db, world.patient)
    diagnosis.tnm_prefix, diagnosis.tnm_t, diagnosis.tnm_n, diagnosis.tnm_m = "c", "T1c", "N0", "M0"
    db.add(diagnosis)
    db.flush()
    items = {item.key: item for item in rcp_registration.checklist(db, patient=world.patient)}
    assert items["tnm"].detail == "cT1c N0 M0" == diagnosis_service.tnm_text(diagnosis)
    # values entered without their letter (older records) read the same way
    diagnosis.tnm_prefix, diagnosis.tnm_t, diagnosis.tnm_n, diagnosis.tnm_m = "p", "3", "1", "0"
    db.add(diagnosis)
    db.flush()
    items = {item.key: item for item in rcp_registration.checklist(db, patient=world.patient)}
    assert items["tnm"].detail == "pT3 N1 M0" == diagnosis_service.tnm_text(diagnosis)


def test_patient_informed_is_kept_and_carried_to_the_registration_the_agenda_and_the_fiche(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id, informed=True)
    context = rcp_registration.registration_context(db, actor=world.clinician_actor, patient_public_id=world.patient.public_id,
                                                    now=NOW)
    registered = next(row for row in context.cases if row.public_id == case_id)
    assert registered.patient_informed == "oui"
    assert "Patient informé" not in registered.missing
    detail = rcp_sitting.session_detail(db, actor=world.secretary_actor, session_public_id=session_id, now=NOW)
    assert [row.patient_informed for row in detail.cases] == ["oui"]

    _sit(db, world, session_id)
    _decide(db, world, case_id)
    when = datetime.now(UTC)
    document_id = frcp.sign(db, actor=world.coordinator_actor, case_public_id=case_id, expected_version=1,
                            code=f.code_for(world.coordinator_secret, when), now=when)
    db.flush()
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    html = frcp.print_view(db, document=document, version=documents.version_row(db, document=document), patient=world.patient)
    assert "Patient informé de la présentation de son dossier en RCP</th><td>Oui" in html


def test_a_patient_not_said_informed_reads_unconfirmed_everywhere(db, world):
    session_id = _session(db, world)
    case_id = _register(db, world, session_id, informed=False)
    context = rcp_registration.registration_context(db, actor=world.clinician_actor, patient_public_id=world.patient.public_id,
                                                    now=NOW)
    assert next(row for row in context.cases if row.public_id == case_id).patient_informed == "non confirmé"


def test_a_second_registration_for_the_same_session_is_refused_with_a_clear_message(db, world):
    session_id = _session(db, world)
    _register(db, world, session_id, informed=True)
    with pytest.raises(ValidationFailed) as refused:
        _register(db, world, session_id, informed=True)
    message = refused.value.errors["session"]
    assert "déjà inscrit" in message and "RCP digestive" in message and "31/03/2026 13:00" in message
    assert len(rcp_registration.registration_context(db, actor=world.clinician_actor, patient_public_id=world.patient.public_id,
                                                     now=NOW).cases) == 1


def test_the_presenter_list_names_each_physician_once_with_myself_first(db, world):
    f.member(db, patient=world.patient, pro=world.surgeon)
    context = rcp_registration.registration_context(db, actor=world.clinician_actor, patient_public_id=world.patient.public_id,
                                                    now=NOW)
    ids = [public_id for public_id, _label in context.presenters]
    assert ids == [world.clinician.public_id, world.surgeon.public_id]
    assert context.presenters[0][1].startswith("Moi-même")
    assert "Moi-même" not in context.presenters[1][1] and "LAMBERT" in context.presenters[1][1].upper()


def test_a_secretary_registering_chooses_the_presenter_and_has_no_myself_entry(db, world):
    f.member(db, patient=world.patient, pro=world.surgeon)
    f.member(db, patient=world.patient, pro=db.get(Professional, world.secretary_actor.professional_id), team_role="rcp_secretary")
    context = rcp_registration.registration_context(db, actor=world.secretary_actor, patient_public_id=world.patient.public_id,
                                                    now=NOW)
    assert [public_id for public_id, _label in context.presenters] == [world.clinician.public_id, world.surgeon.public_id]
    assert not [label for _id, label in context.presenters if "Moi-même" in label]


def test_the_database_itself_refuses_a_second_active_registration_but_not_after_a_withdrawal(db, world):
    """Two secretaries registering the same patient at the same moment both pass the check; the index decides."""
    session_id = _session(db, world)
    case_id = _register(db, world, session_id, informed=True)
    first = db.exec(select(RcpCase).where(RcpCase.public_id == case_id)).one()

    def twin() -> RcpCase:
        return RcpCase(session_id=first.session_id, patient_id=first.patient_id, reason=first.reason,
                       requester_professional_id=first.requester_professional_id, question="Même question ?")

    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(twin())
        db.flush()
    first.status = RcpCaseStatus.WITHDRAWN
    db.add(first)
    db.add(twin())
    db.flush()  # registered again once the first was withdrawn
