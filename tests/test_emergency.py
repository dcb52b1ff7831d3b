"""Emergency access (bris de glace): minimal-identity search, a reason, four hours, flagged everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from dcc_portal.models import AuditEvent, EmergencyAccess, Grant, Notification, Role
from dcc_portal.services.access import emergency
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.record import patients
from tests import factories as f

REASON = "Patient admis aux urgences inconscient, besoin des traitements en cours"


@pytest.fixture
def world(db):
    f.publish_charter(db)
    org = f.organisation(db)
    gp = f.professional(db, specialty="G15_10/SM54", org=org)
    oncologist = f.professional(db, org=org)
    outsider = f.professional(db, specialty="G15_10/SM26", org=org, family="URGENTISTE")
    patient = f.patient(db, gp=gp, family="ZEPHYRIN")
    f.member(db, patient=patient, pro=oncologist)
    accounts = {
        "gp": f.account(db, role=Role.GP, professional=gp)[0],
        "oncologist": f.account(db, role=Role.CLINICIAN, professional=oncologist)[0],
        "outsider": f.account(db, role=Role.CLINICIAN, professional=outsider)[0],
        "patient": f.account(db, role=Role.PATIENT, patient=patient)[0],
    }
    actors = {name: f.actor_for(db, account) for name, account in accounts.items()}
    db.commit()
    return patient, actors


def _events(db, **filters) -> list[AuditEvent]:
    statement = select(AuditEvent)
    for name, value in filters.items():
        statement = statement.where(getattr(AuditEvent, name) == value)
    return list(db.exec(statement.order_by(AuditEvent.seq)).all())


def test_search_by_ins_shows_minimal_identity_and_is_audited(db, world):
    patient, actors = world
    found = emergency.find_records(db, actor=actors["outsider"], ins=patient.ins)
    db.commit()
    assert [(r.public_id, r.access) for r in found] == [(patient.public_id, "")]
    shown = found[0]
    assert set(vars(shown)) == {"public_id", "name", "birth_date", "sex", "access"}
    assert "ZEPHYRIN" in shown.name
    hits = _events(db, account_id=actors["outsider"].account_id, action="search", patient_id=patient.id)
    assert len(hits) == 1 and hits[0].outcome == "success"


def test_search_by_name_needs_the_birth_date(db, world):
    patient, actors = world
    with pytest.raises(ValidationFailed) as error:
        emergency.find_records(db, actor=actors["outsider"], family_name="zephyrin")
    assert error.value.errors == {"birth_date": "Saisissez la date de naissance."}
    found = emergency.find_records(db, actor=actors["outsider"], family_name="Zéphyrin", birth_date=patient.birth_date.isoformat())
    assert [r.public_id for r in found] == [patient.public_id]
    assert emergency.find_records(db, actor=actors["outsider"], family_name="Zéphyrin", birth_date="1999-01-02") == []


def test_search_rejects_an_ins_with_a_wrong_key(db, world):
    patient, actors = world
    bad = patient.ins[:13] + f"{(int(patient.ins[13:]) + 1) % 100:02d}"
    with pytest.raises(ValidationFailed) as error:
        emergency.find_records(db, actor=actors["outsider"], ins=bad)
    assert "clé" in error.value.errors["ins"]


def test_patients_cannot_search_records(db, world):
    _patient, actors = world
    with pytest.raises(AccessDenied):
        emergency.find_records(db, actor=actors["patient"], ins="123")
    assert _events(db, account_id=actors["patient"].account_id, outcome="denied")


@pytest.mark.parametrize("reason", ["urgence", "urgence\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x1b\uffff\ufffe"])
def test_reason_too_short_is_refused_in_french_and_nothing_is_opened(db, world, reason):
    patient, actors = world
    with pytest.raises(ValidationFailed) as error:
        emergency.open_access(db, actor=actors["outsider"], patient_public_id=patient.public_id, reason=reason)
    assert error.value.errors["reason"] == "Indiquez le motif de l'accès en urgence (20 caractères au moins)."
    db.rollback()
    assert db.exec(select(EmergencyAccess)).all() == []


def test_emergency_access_lasts_four_hours_and_flags_every_access(db, world):
    patient, actors = world
    outsider = actors["outsider"]
    start = f.T0
    with pytest.raises(AccessDenied):
        patients.summary(db, actor=outsider, patient_public_id=patient.public_id, now=start)
    emergency.open_access(db, actor=outsider, patient_public_id=patient.public_id, reason=REASON, now=start)
    db.commit()

    summary = patients.summary(db, actor=outsider, patient_public_id=patient.public_id, now=start + timedelta(hours=3, minutes=59))
    assert summary.grant == Grant.EMERGENCY and summary.emergency_until
    db.commit()
    reads = _events(db, account_id=outsider.account_id, action="read", outcome="success")
    assert reads and all(e.grant == "emergency" and e.justification == REASON for e in reads)
    opened = _events(db, account_id=outsider.account_id, action="emergency_access")
    assert len(opened) == 1 and opened[0].justification == REASON and opened[0].grant == "emergency"

    with pytest.raises(AccessDenied):
        patients.summary(db, actor=outsider, patient_public_id=patient.public_id, now=start + timedelta(hours=4))


def test_an_emergency_access_ends_on_time_within_a_transaction_that_used_it(db, world):
    patient, actors = world
    outsider = actors["outsider"]
    emergency.open_access(db, actor=outsider, patient_public_id=patient.public_id, reason=REASON, now=f.T0)
    db.commit()
    assert access.grant_for(db, actor=outsider, patient=patient, now=f.T0 + timedelta(hours=3, minutes=59)) == Grant.EMERGENCY
    assert access.grant_for(db, actor=outsider, patient=patient, now=f.T0 + timedelta(hours=4)) is None


def test_team_gp_and_patient_are_told(db, world):
    patient, actors = world
    emergency.open_access(db, actor=actors["outsider"], patient_public_id=patient.public_id, reason=REASON, now=f.T0)
    db.commit()
    told = {n.account_id: n for n in db.exec(select(Notification).where(Notification.kind == "emergency_access")).all()}
    assert set(told) == {actors["oncologist"].account_id, actors["gp"].account_id, actors["patient"].account_id}
    assert "URGENTISTE" in told[actors["patient"].account_id].title

    team_view = patients.summary(db, actor=actors["oncologist"], patient_public_id=patient.public_id, now=f.T0 + timedelta(hours=1))
    assert [(n.reason, n.running) for n in team_view.emergencies] == [(REASON, True)]
    own_view = patients.my_record(db, actor=actors["patient"], now=f.T0 + timedelta(days=2))
    assert [(n.reason, n.running) for n in own_view.emergencies] == [(REASON, False)]


def test_a_professional_with_access_does_not_need_it(db, world):
    patient, actors = world
    with pytest.raises(ValidationFailed) as error:
        emergency.open_access(db, actor=actors["oncologist"], patient_public_id=patient.public_id, reason=REASON)
    assert "déjà accès" in error.value.errors["reason"]


def test_opposition_refuses_emergency_access_and_is_audited(db, world):
    from dcc_portal.services.access import oppositions

    patient, actors = world
    outsider = actors["outsider"]
    found = oppositions.search_professionals(db, actor=actors["patient"], query="urgentiste")
    oppositions.add(db, actor=actors["patient"], professional_public_id=found[0].public_id)
    db.commit()
    with pytest.raises(AccessDenied):
        emergency.open_access(db, actor=outsider, patient_public_id=patient.public_id, reason=REASON)
    denied = _events(db, account_id=outsider.account_id, action="emergency_access", outcome="denied")
    assert denied and denied[-1].patient_id == patient.id
    assert db.exec(select(EmergencyAccess)).all() == []


def test_an_unknown_record_is_refused_like_a_forbidden_one(db, world):
    _patient, actors = world
    with pytest.raises(AccessDenied):
        emergency.open_access(db, actor=actors["outsider"], patient_public_id="0" * 32, reason=REASON)
    assert _events(db, account_id=actors["outsider"].account_id, action="emergency_access", outcome="denied")


def _born_alike(db, patient, family: str, count: int, used: str = ""):
    """`count` more patients with this family name and the patient's birth date."""
    from dcc_portal.services.common import identifiers

    rows = []
    for _ in range(count):
        row = f.patient(db, family=family)
        row.birth_date, row.used_family_name = patient.birth_date, used
        row.search_name = identifiers.search_key(f"{used} {family} Marie Claire")
        db.add(row)
        rows.append(row)
    db.commit()
    return rows


def test_a_prefix_of_the_family_name_finds_nobody(db, world):
    patient, actors = world
    _born_alike(db, patient, "LE GALL", 2)
    born = patient.birth_date.isoformat()
    for partial in ("ZE", "ZEPHYRI", "LE", "GALL"):
        assert emergency.find_records(db, actor=actors["outsider"], family_name=partial, birth_date=born) == [], partial
    assert len(emergency.find_records(db, actor=actors["outsider"], family_name="le gall", birth_date=born)) == 2
    # A single letter is refused outright, with a message next to the name.
    with pytest.raises(ValidationFailed) as error:
        emergency.find_records(db, actor=actors["outsider"], family_name="Z", birth_date=born)
    assert "nom de famille complet" in error.value.errors["family_name"]


def test_the_full_family_name_is_matched_without_accents_case_or_hyphens(db, world):
    patient, actors = world
    married = _born_alike(db, patient, "MARTIN", 1, used="DUPONT-LEFÈVRE")[0]
    born = patient.birth_date.isoformat()
    assert [r.public_id for r in emergency.find_records(db, actor=actors["outsider"], family_name="zéphyrin",
                                                        birth_date=born)] == [patient.public_id]
    for typed in ("Dupont Lefevre", "DUPONT-LEFÈVRE", "martin"):
        found = emergency.find_records(db, actor=actors["outsider"], family_name=typed, birth_date=born)
        assert [r.public_id for r in found] == [married.public_id], typed


def test_five_records_are_listed_and_more_ask_to_narrow_the_search(db, world):
    patient, actors = world
    born = patient.birth_date.isoformat()
    _born_alike(db, patient, "ZEPHYRIN", 4)
    assert len(emergency.find_records(db, actor=actors["outsider"], family_name="Zephyrin", birth_date=born)) == 5
    _born_alike(db, patient, "ZEPHYRIN", 1)
    with pytest.raises(ValidationFailed) as error:
        emergency.find_records(db, actor=actors["outsider"], family_name="Zephyrin", birth_date=born)
    assert "affinez la recherche" in error.value.errors["family_name"]
    # The full INS still finds the one record.
    assert [r.public_id for r in emergency.find_records(db, actor=actors["outsider"], ins=patient.ins)] == [patient.public_id]
