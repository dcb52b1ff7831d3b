"""Property tests: the access decision (`access.grant_for`, `document_visible`, `patient_may_see`) against an
independent oracle written from the rule in plain Python over plain data.

The rule (security.md "Authorization", domain.md "Access rules"), in the order it is decided:
1. A patient reaches their own record (grant "self") and no other.
2. Only care roles (gp, clinician, nurse, rcp_secretary) with a directory entry can reach a record; the
   administrator cannot (its team-management path is administrative, tested elsewhere).
3. A professional who has not accepted the current charter reaches nothing.
4. A care-team membership active today in Paris (start <= today <= planned end, inclusive, never removed) gives
   "care_team", whatever the patient said: the patient cannot object to the team treating them now.
5. Otherwise an opposition of the patient to this professional, not withdrawn, closes every other way in.
6. The declared médecin traitant gets "medecin_traitant".
7. An emergency access of this professional started at or before now and less than 4 hours ago gets "emergency".
8. Nothing else opens the record.
Documents, given a grant: the patient sees validated documents not flagged invisible to them, not held back,
and, for those that announce a cancer, released early or after the medical announcement; professionals see
drafts only through the care team, and a document masked from professionals (MASQUE_PS) only as its author or
as the médecin traitant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from dcc_portal.models import (
    CharterAcceptance,
    Document,
    EmergencyAccess,
    Patient,
    PatientOpposition,
    Role,
)
from dcc_portal.services.access import charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")
CARE_ROLES = {"gp", "clinician", "nurse", "rcp_secretary"}
EMERGENCY_HOURS = 4

# Instants around which dates and hours are easy to get wrong: Paris midnights in winter and summer, the spring
# and autumn clock changes, the last day of February in a leap year.
PIVOTS = [
    datetime(2026, 1, 15, 23, 0, tzinfo=UTC),
    datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 7, 1, 22, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2028, 2, 28, 23, 0, tzinfo=UTC),
]


@dataclass(frozen=True)
class Membership:
    start: int  # days from today (Paris)
    end: int | None
    removed: bool


@dataclass(frozen=True)
class World:
    now: datetime
    role: str
    has_professional: bool
    own_record: bool  # for a patient actor
    charter_accepted: bool
    memberships: tuple[Membership, ...]
    is_gp: bool
    oppositions: tuple[bool, ...]  # True = withdrawn
    emergencies: tuple[int, ...]  # start, in minutes from now


def oracle(world: World) -> str | None:
    if world.role == "patient":
        return "self" if world.own_record else None
    if world.role not in CARE_ROLES or not world.has_professional:
        return None
    if not world.charter_accepted:
        return None
    today = world.now.astimezone(PARIS).date()
    for m in world.memberships:
        starts = today + timedelta(days=m.start)
        ends = None if m.end is None else today + timedelta(days=m.end)
        if not m.removed and starts <= today and (ends is None or today <= ends):
            return "care_team"
    if any(not withdrawn for withdrawn in world.oppositions):
        return None
    if world.is_gp:
        return "medecin_traitant"
    for offset in world.emergencies:
        started = world.now + timedelta(minutes=offset)
        if started <= world.now < started + timedelta(hours=EMERGENCY_HOURS):
            return "emergency"
    return None


day_offsets = st.integers(min_value=-3, max_value=3) | st.integers(min_value=-400, max_value=400)
worlds = st.builds(
    World,
    now=st.builds(lambda pivot, minutes: pivot + timedelta(minutes=minutes), st.sampled_from(PIVOTS),
                  st.integers(min_value=-90, max_value=90)),
    role=st.sampled_from([role.value for role in Role]),
    has_professional=st.booleans(),
    own_record=st.booleans(),
    charter_accepted=st.booleans(),
    memberships=st.lists(st.builds(Membership, start=day_offsets, end=st.none() | day_offsets, removed=st.booleans()),
                         max_size=3).map(tuple),
    is_gp=st.booleans(),
    oppositions=st.lists(st.booleans(), max_size=2).map(tuple),
    # around the 4-hour limit, and anywhere in the last day or the next hour
    emergencies=st.lists(st.sampled_from([-240, -239, -241, 0, 1, -1]) | st.integers(min_value=-1500, max_value=60),
                         max_size=2).map(tuple),
)


def _build(db, world: World, charter_id: int) -> tuple[Actor, Patient]:
    pro = f.professional(db) if world.has_professional or world.role == "patient" else None
    other_pro = f.professional(db)
    patient = f.patient(db, gp=pro if (world.is_gp and pro) else other_pro)
    other_patient = f.patient(db)
    account, _ = f.account(db, role=Role(world.role), professional=pro if world.role != "patient" else None,
                           patient=(patient if world.own_record else other_patient) if world.role == "patient" else None,
                           enrolled=False)
    if world.charter_accepted:
        db.add(CharterAcceptance(account_id=account.id, charter_version_id=charter_id))
    today = world.now.astimezone(PARIS).date()
    if pro is not None:
        for m in world.memberships:
            f.member(db, patient=patient, pro=pro, start=today + timedelta(days=m.start),
                     end=None if m.end is None else today + timedelta(days=m.end))
            if m.removed:
                row = db.exec(access.select(access.CareTeamMembership).order_by(access.CareTeamMembership.id.desc())).first()
                row.removed_at = world.now - timedelta(days=400)
                db.add(row)
        for withdrawn in world.oppositions:
            db.add(PatientOpposition(patient_id=patient.id, professional_id=pro.id, created_at=world.now - timedelta(days=1),
                                     withdrawn_at=world.now - timedelta(hours=1) if withdrawn else None))
        for offset in world.emergencies:
            started = world.now + timedelta(minutes=offset)
            db.add(EmergencyAccess(patient_id=patient.id, professional_id=pro.id, account_id=account.id,
                                   reason="motif de test suffisamment long", started_at=started,
                                   expires_at=started + access.EMERGENCY_DURATION))
    # Noise that must not count: the same kinds of rows for another professional and another patient.
    f.member(db, patient=patient, pro=other_pro)
    if pro is not None:
        f.member(db, patient=other_patient, pro=pro)
    db.flush()
    actor = Actor(account_id=account.id, role=Role(world.role), display_name="test",
                  professional_id=pro.id if pro is not None and world.role != "patient" else None,
                  patient_id=account.patient_id)
    return actor, patient


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds)
def test_grant_for_follows_the_written_rule(db, world):
    current = charter.current(db) or f.publish_charter(db)
    actor, patient = _build(db, world, current.id)
    assert access.grant_for(db, actor=actor, patient=patient, now=world.now) == oracle(world), world


# The same property where the boundaries are: the 4-hour limit of an emergency access, and the first and last day
# of a membership around Paris midnights and clock changes.
care_worlds = dict(role=st.sampled_from(sorted(CARE_ROLES)), has_professional=st.just(True), charter_accepted=st.just(True))
emergency_worlds = worlds.flatmap(lambda base: st.builds(
    World, now=st.just(base.now), own_record=st.just(False), is_gp=st.just(False), memberships=st.just(()),
    oppositions=st.lists(st.booleans(), max_size=1).map(tuple),
    emergencies=st.lists(st.sampled_from([-241, -240, -239, -1, 0, 1]) | st.integers(-300, 5), min_size=1, max_size=2).map(tuple),
    **care_worlds))
membership_worlds = worlds.flatmap(lambda base: st.builds(
    World, now=st.just(base.now), own_record=st.just(False), is_gp=st.just(False), oppositions=st.just(()), emergencies=st.just(()),
    memberships=st.lists(st.builds(Membership, start=st.integers(-2, 2), end=st.none() | st.integers(-2, 2),
                                   removed=st.booleans()), min_size=1, max_size=2).map(tuple),
    **care_worlds))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=emergency_worlds | membership_worlds)
def test_grant_for_at_the_boundaries(db, world):
    current = charter.current(db) or f.publish_charter(db)
    actor, patient = _build(db, world, current.id)
    assert access.grant_for(db, actor=actor, patient=patient, now=world.now) == oracle(world), world


@pytest.mark.parametrize("outcome", [None, "self", "care_team", "medecin_traitant", "emergency"])
def test_every_outcome_is_generated(outcome):
    """The generated worlds reach every outcome of the rule, so the property above can fail on each."""
    assert oracle(find(worlds, lambda world: oracle(world) == outcome)) == outcome


# --- documents ---


def document_oracle(*, grant: str, actor_pro: int | None, status: str, masked: bool, invisible_patient: bool,
                    release_mode: str, announces: bool, announced: bool, author: int | None, gp: int | None) -> bool:
    if grant == "self":
        return (status == "validated" and not invisible_patient and release_mode != "held"
                and (release_mode == "released" or not announces or announced))
    if status == "draft" and grant != "care_team":
        return False
    if masked:
        return actor_pro is not None and actor_pro in (author, gp)
    return True


PROS = st.none() | st.sampled_from([1, 2, 3])


@settings(max_examples=2000, deadline=None)
@given(
    grant=st.sampled_from(["self", "care_team", "medecin_traitant", "rcp", "emergency"]),
    actor_pro=PROS, author=PROS, gp=PROS,
    status=st.sampled_from(["draft", "validated", "entered_in_error"]),
    masked=st.booleans(), invisible_patient=st.booleans(), invisible_legal_reps=st.booleans(),
    release_mode=st.sampled_from(["auto", "released", "held"]), announces=st.booleans(), announced=st.booleans(),
)
def test_document_visibility_follows_the_written_rule(grant, actor_pro, author, gp, status, masked, invisible_patient,
                                                     invisible_legal_reps, release_mode, announces, announced):
    document = Document(patient_id=1, kind="consultation", title="t", status=status, author_professional_id=author,
                        hidden_from_professionals=masked, invisible_to_patient=invisible_patient,
                        invisible_to_legal_reps=invisible_legal_reps, announces_cancer=announces, release_mode=release_mode)
    patient = Patient(id=1, local_id="x", birth_family_name="X", first_names="Y", sex="F", birth_date=date(1970, 1, 1),
                      gp_professional_id=gp, medical_announcement_at=datetime(2026, 1, 1, tzinfo=UTC) if announced else None)
    actor = Actor(account_id=1, role=Role.PATIENT if grant == "self" else Role.CLINICIAN, display_name="t",
                  professional_id=None if grant == "self" else actor_pro, patient_id=1 if grant == "self" else None)
    expected = document_oracle(grant=grant, actor_pro=actor.professional_id, status=status, masked=masked,
                               invisible_patient=invisible_patient, release_mode=release_mode, announces=announces,
                               announced=announced, author=author, gp=gp)
    assert access.document_visible(actor=actor, grant=grant, document=document, patient=patient) is expected
    if grant == "self":
        assert access.patient_may_see(document, patient) is expected
