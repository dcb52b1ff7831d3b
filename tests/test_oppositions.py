"""The patient's opposition to a named professional outside the current care team."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from dcc_portal.models import AuditEvent, CareTeamMembership, Grant, Role
from dcc_portal.services.access import oppositions
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.record import patients
from tests import factories as f


@pytest.fixture
def world(db):
    f.publish_charter(db)
    gp = f.professional(db, specialty="G15_10/SM54", family="GENERALISTE")
    oncologist = f.professional(db, family="ONCOLOGUE")
    patient = f.patient(db, gp=gp)
    f.member(db, patient=patient, pro=oncologist)
    actors = {
        "gp": f.actor_for(db, f.account(db, role=Role.GP, professional=gp)[0]),
        "oncologist": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=oncologist)[0]),
        "patient": f.actor_for(db, f.account(db, role=Role.PATIENT, patient=patient)[0]),
    }
    db.commit()
    return patient, actors


def test_opposition_to_the_gp_outside_the_team_applies_at_once_and_can_be_withdrawn(db, world):
    patient, actors = world
    me = actors["patient"]
    assert patients.summary(db, actor=actors["gp"], patient_public_id=patient.public_id).grant == Grant.MEDECIN_TRAITANT
    [choice] = oppositions.search_professionals(db, actor=me, query="generaliste")
    assert choice.note == "Votre médecin traitant" and not choice.in_team
    opposition_id = oppositions.add(db, actor=me, professional_public_id=choice.public_id)
    db.commit()

    with pytest.raises(AccessDenied):
        patients.summary(db, actor=actors["gp"], patient_public_id=patient.public_id)
    assert [row.public_id for row in oppositions.list_current(db, actor=me)] == [opposition_id]

    oppositions.withdraw(db, actor=me, opposition_public_id=opposition_id)
    db.commit()
    assert patients.summary(db, actor=actors["gp"], patient_public_id=patient.public_id).grant == Grant.MEDECIN_TRAITANT
    assert oppositions.list_current(db, actor=me) == []
    details = [e.detail for e in db.exec(select(AuditEvent).where(AuditEvent.account_id == me.account_id)).all()]
    assert any(d.startswith("opposition enregistrée") for d in details) and any(d.startswith("opposition levée") for d in details)


def test_a_current_team_member_cannot_be_objected_to(db, world):
    patient, actors = world
    [choice] = oppositions.search_professionals(db, actor=actors["patient"], query="oncologue")
    assert choice.in_team
    with pytest.raises(ValidationFailed) as error:
        oppositions.add(db, actor=actors["patient"], professional_public_id=choice.public_id)
    assert "équipe de soins actuelle" in error.value.errors["professional"]
    assert access.is_opposed(db, professional_id=actors["oncologist"].professional_id, patient_id=patient.id) is False


def test_a_past_team_member_can_be_objected_to(db, world):
    patient, actors = world
    membership = db.exec(select(CareTeamMembership).where(CareTeamMembership.patient_id == patient.id)).one()
    membership.end_date = date(2021, 1, 1)
    db.add(membership)
    db.commit()
    [choice] = oppositions.search_professionals(db, actor=actors["patient"], query="oncologue")
    assert not choice.in_team
    oppositions.add(db, actor=actors["patient"], professional_public_id=choice.public_id)


def test_twice_is_refused_and_professionals_cannot_use_it(db, world):
    _patient, actors = world
    [choice] = oppositions.search_professionals(db, actor=actors["patient"], query="gene")
    oppositions.add(db, actor=actors["patient"], professional_public_id=choice.public_id)
    with pytest.raises(ValidationFailed):
        oppositions.add(db, actor=actors["patient"], professional_public_id=choice.public_id)
    with pytest.raises(AccessDenied):
        oppositions.list_current(db, actor=actors["oncologist"])
    with pytest.raises(ValidationFailed):
        oppositions.search_professionals(db, actor=actors["patient"], query="%")


def test_withdrawing_someone_elses_opposition_does_nothing(db, world):
    patient, actors = world
    other = f.patient(db)
    other_actor = f.actor_for(db, f.account(db, role=Role.PATIENT, patient=other)[0])
    [choice] = oppositions.search_professionals(db, actor=actors["patient"], query="gene")
    opposition_id = oppositions.add(db, actor=actors["patient"], professional_public_id=choice.public_id)
    with pytest.raises(ValidationFailed):
        oppositions.withdraw(db, actor=other_actor, opposition_public_id=opposition_id)
    assert access.is_opposed(db, professional_id=actors["gp"].professional_id, patient_id=patient.id)
