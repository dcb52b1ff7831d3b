"""Care-team management by the team itself and by the administrator: dates, roles, removal cutting access at
once, the médecin traitant."""

from __future__ import annotations

import pytest
from sqlmodel import select

from dcc_portal.models import AuditEvent, Grant, Role
from dcc_portal.services.access import care_teams
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.record import patients
from tests import factories as f


@pytest.fixture
def world(db):
    f.publish_charter(db)
    gp = f.professional(db, specialty="G15_10/SM54", family="GENERALISTE")
    new_gp = f.professional(db, specialty="G15_10/SM54", family="NOUVEAUGP")
    oncologist = f.professional(db, family="ONCOLOGUE")
    nurse = f.professional(db, specialty="G15_60", family="INFIRMIERE")
    surgeon = f.professional(db, specialty="G15_10/SM14", family="CHIRURGIEN")
    patient = f.patient(db, gp=gp)
    onco_membership = f.member(db, patient=patient, pro=oncologist)
    f.member(db, patient=patient, pro=nurse, team_role="nurse")
    actors = {
        "gp": f.actor_for(db, f.account(db, role=Role.GP, professional=gp)[0]),
        "new_gp": f.actor_for(db, f.account(db, role=Role.GP, professional=new_gp)[0]),
        "oncologist": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=oncologist)[0]),
        "nurse": f.actor_for(db, f.account(db, role=Role.NURSE, professional=nurse)[0]),
        "surgeon": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=surgeon)[0]),
        "admin": f.actor_for(db, f.account(db, role=Role.ADMIN)[0]),
    }
    db.commit()
    return patient, onco_membership, surgeon, new_gp, actors


def test_a_nurse_of_the_team_adds_a_member_with_dates_and_a_role(db, world):
    patient, _membership, surgeon, _new_gp, actors = world
    [option] = care_teams.search_professionals(db, actor=actors["nurse"], query="chirurgien")
    care_teams.add_member(db, actor=actors["nurse"], patient_public_id=patient.public_id, professional_public_id=option.public_id,
                          team_role="surgeon", start_date="2026-03-10", end_date="2026-06-30")
    db.commit()
    view = care_teams.view(db, actor=actors["nurse"], patient_public_id=patient.public_id, now=f.T0)
    row = next(m for m in view.members if "CHIRURGIEN" in m.name)
    assert (row.team_role, row.start, row.end, row.active) == ("Chirurgien", "10/03/2026", "30/06/2026", True)
    assert access.grant_for(db, actor=actors["surgeon"], patient=patient, now=f.T0) == Grant.CARE_TEAM
    assert access.grant_for(db, actor=actors["surgeon"], patient=patient, now=f.T0.replace(year=2027)) is None


def test_bad_dates_and_roles_are_refused_in_french(db, world):
    patient, _membership, surgeon, _new_gp, actors = world
    with pytest.raises(ValidationFailed) as error:
        care_teams.add_member(db, actor=actors["nurse"], patient_public_id=patient.public_id, professional_public_id=surgeon.public_id,
                              team_role="pilot", start_date="2026-02-30", end_date="2100-01-01")
    assert set(error.value.errors) == {"team_role", "start_date", "end_date"}
    with pytest.raises(ValidationFailed) as error:
        care_teams.add_member(db, actor=actors["nurse"], patient_public_id=patient.public_id, professional_public_id=surgeon.public_id,
                              team_role="surgeon", start_date="2026-03-10", end_date="2026-03-01")
    assert error.value.errors == {"end_date": "La date de fin précède la date de début."}


def test_removal_ends_access_at_once_and_is_audited(db, world):
    patient, membership, _surgeon, _new_gp, actors = world
    onco = actors["oncologist"]
    assert patients.summary(db, actor=onco, patient_public_id=patient.public_id).grant == Grant.CARE_TEAM
    care_teams.remove_member(db, actor=actors["nurse"], patient_public_id=patient.public_id, membership_public_id=membership.public_id)
    db.commit()
    with pytest.raises(AccessDenied):
        patients.summary(db, actor=onco, patient_public_id=patient.public_id)
    with pytest.raises(AccessDenied):
        care_teams.view(db, actor=onco, patient_public_id=patient.public_id)
    denied = db.exec(select(AuditEvent).where(AuditEvent.account_id == onco.account_id, AuditEvent.outcome == "denied")).all()
    assert len(denied) == 2 and all(e.patient_id == patient.id for e in denied)
    removed = [e.detail for e in db.exec(select(AuditEvent).where(AuditEvent.account_id == actors["nurse"].account_id)).all()]
    assert any(d.startswith("membre retiré : RPPS") for d in removed)


@pytest.mark.parametrize("who", ["gp", "surgeon"])
def test_outside_the_team_nobody_manages_it(db, world, who):
    patient, membership, _surgeon, _new_gp, actors = world
    with pytest.raises(AccessDenied):
        care_teams.remove_member(db, actor=actors[who], patient_public_id=patient.public_id, membership_public_id=membership.public_id)
    db.refresh(membership)
    assert membership.removed_at is None


def test_changing_the_medecin_traitant_moves_the_access(db, world):
    patient, _membership, _surgeon, new_gp, actors = world
    assert access.grant_for(db, actor=actors["new_gp"], patient=patient) is None
    with pytest.raises(ValidationFailed):
        care_teams.set_medecin_traitant(db, actor=actors["nurse"], patient_public_id=patient.public_id, professional_public_id="x")
    care_teams.set_medecin_traitant(db, actor=actors["nurse"], patient_public_id=patient.public_id, professional_public_id=new_gp.public_id)
    db.commit()
    assert access.grant_for(db, actor=actors["new_gp"], patient=patient) == Grant.MEDECIN_TRAITANT
    assert access.grant_for(db, actor=actors["gp"], patient=patient) is None


def test_the_administrator_manages_teams_without_clinical_access(db, world):
    patient, membership, _surgeon, _new_gp, actors = world
    admin = actors["admin"]
    view = care_teams.view(db, actor=admin, patient_public_id=patient.public_id)
    assert {m.public_id for m in view.members} >= {membership.public_id}
    care_teams.remove_member(db, actor=admin, patient_public_id=patient.public_id, membership_public_id=membership.public_id)
    db.commit()
    with pytest.raises(AccessDenied):
        patients.summary(db, actor=admin, patient_public_id=patient.public_id)
    reads = db.exec(select(AuditEvent).where(AuditEvent.account_id == admin.account_id, AuditEvent.grant == "admin")).all()
    assert reads
