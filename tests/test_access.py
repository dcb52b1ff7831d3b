"""Who may open which patient record, decided from the database at the time of the event, every denial audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, update
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import AuditEvent, CareTeamMembership, Grant, Patient, PatientVisit, Role
from dcc_portal.services.access import charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import AccessDenied
from tests import factories
from tests.factories import T0

TODAY = date(2026, 3, 10)  # T0 in Paris
DAY = timedelta(days=1)


@dataclass
class World:
    patient: Patient
    other_patient: Patient
    member: Actor  # clinician in the patient's care team
    gp: Actor  # the patient's médecin traitant
    outsider: Actor  # clinician with no link to the patient
    patient_self: Actor
    other_patient_self: Actor
    admin: Actor
    member_pro_id: int


@pytest.fixture
def world(db) -> World:
    org = factories.organisation(db)
    factories.publish_charter(db, "1.0")
    gp_pro = factories.professional(db, specialty="G15_10/SM54", org=org)
    member_pro = factories.professional(db, org=org)
    outsider_pro = factories.professional(db, org=org)
    admin_pro = factories.professional(db, specialty="SECRETARIAT_MEDICAL", org=org)
    patient = factories.patient(db, gp=gp_pro)
    other_patient = factories.patient(db, gp=outsider_pro)
    factories.member(db, patient=patient, pro=member_pro, start=date(2025, 1, 1))

    def actor(role, **links):
        account, _ = factories.account(db, role=role, **links)
        return factories.actor_for(db, account)

    world = World(
        patient=patient,
        other_patient=other_patient,
        member=actor(Role.CLINICIAN, professional=member_pro),
        gp=actor(Role.GP, professional=gp_pro),
        outsider=actor(Role.CLINICIAN, professional=outsider_pro),
        patient_self=actor(Role.PATIENT, patient=patient),
        other_patient_self=actor(Role.PATIENT, patient=other_patient),
        admin=actor(Role.ADMIN, professional=admin_pro),
        member_pro_id=member_pro.id,
    )
    db.commit()
    return world


def denials(db: Session, account_id: int | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.outcome == "denied").order_by(AuditEvent.seq)
    if account_id is not None:
        statement = statement.where(AuditEvent.account_id == account_id)
    return list(db.exec(statement).all())


# --- Grants ---


def test_patient_sees_their_own_record(db, world):
    assert access.grant_for(db, actor=world.patient_self, patient=world.patient, now=T0) == Grant.SELF


def test_patient_never_sees_another_patient(db, world):
    assert access.grant_for(db, actor=world.other_patient_self, patient=world.patient, now=T0) is None
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.other_patient_self, patient_public_id=world.patient.public_id, now=T0)


def test_medecin_traitant_sees_their_patient(db, world):
    assert access.grant_for(db, actor=world.gp, patient=world.patient, now=T0) == Grant.MEDECIN_TRAITANT


def test_gp_does_not_see_someone_elses_patient(db, world):
    assert access.grant_for(db, actor=world.gp, patient=world.other_patient, now=T0) is None


def test_care_team_member_sees_the_patient(db, world):
    assert access.grant_for(db, actor=world.member, patient=world.patient, now=T0) == Grant.CARE_TEAM


def test_professional_outside_the_care_team_is_denied(db, world):
    assert access.grant_for(db, actor=world.outsider, patient=world.patient, now=T0) is None


@pytest.mark.parametrize("role", [Role.NURSE, Role.RCP_SECRETARY, Role.CLINICIAN])
def test_every_care_role_gets_access_through_the_care_team(db, world, role):
    pro = factories.professional(db)
    factories.member(db, patient=world.patient, pro=pro, start=TODAY)
    account, _ = factories.account(db, role=role, professional=pro)
    actor = factories.actor_for(db, account)
    assert access.grant_for(db, actor=actor, patient=world.patient, now=T0) == Grant.CARE_TEAM


@pytest.mark.parametrize(
    ("start", "end", "removed", "granted"),
    [
        (TODAY, None, False, True),  # starts today
        (TODAY - 30 * DAY, TODAY, False, True),  # ends today (inclusive)
        (TODAY - 30 * DAY, TODAY + 30 * DAY, False, True),
        (TODAY + DAY, None, False, False),  # starts tomorrow
        (TODAY - 30 * DAY, TODAY - DAY, False, False),  # ended yesterday
        (TODAY - 30 * DAY, None, True, False),  # removed: at once, whatever the dates
        (TODAY - 30 * DAY, TODAY + 30 * DAY, True, False),
    ],
    ids=["starts-today", "ends-today", "current", "future-start", "past-end", "removed", "removed-within-dates"],
)
def test_care_team_membership_grants_access_only_while_active(db, world, start, end, removed, granted):
    pro = factories.professional(db)
    membership = factories.member(db, patient=world.patient, pro=pro, start=start, end=end)
    if removed:
        membership.removed_at = T0 - timedelta(minutes=1)
        db.add(membership)
        db.flush()
    account, _ = factories.account(db, role=Role.CLINICIAN, professional=pro)
    actor = factories.actor_for(db, account)
    expected = Grant.CARE_TEAM if granted else None
    assert access.grant_for(db, actor=actor, patient=world.patient, now=T0) == expected


@pytest.mark.parametrize(
    ("moment", "granted"),
    [
        (datetime(2026, 3, 10, 22, 30, tzinfo=UTC), True),  # 23:30 in Paris (winter time)
        (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), False),  # 00:30 the next day in Paris
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), True),  # DST day: 23:30 in Paris (summer time)
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), False),  # 00:30 on 30 March in Paris
    ],
)
def test_membership_end_date_is_a_paris_calendar_day(db, world, moment, granted):
    pro = factories.professional(db)
    factories.member(db, patient=world.patient, pro=pro, start=date(2026, 1, 1), end=moment.date())
    account, _ = factories.account(db, role=Role.CLINICIAN, professional=pro)
    actor = factories.actor_for(db, account)
    assert (access.grant_for(db, actor=actor, patient=world.patient, now=moment) is not None) is granted


MEMBERSHIP_START, MEMBERSHIP_END = date(2026, 3, 1), date(2026, 6, 30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 9, 30), timezones=st.just(UTC)))
def test_care_team_access_follows_the_membership_dates_at_any_moment(db, world, moment):
    member_pro = world.member_pro_id
    rows = db.exec(select(CareTeamMembership).where(CareTeamMembership.professional_id == member_pro)).all()
    for row in rows:
        row.start_date, row.end_date = MEMBERSHIP_START, MEMBERSHIP_END
        db.add(row)
    db.flush()
    paris_day = moment.astimezone(ZoneInfo("Europe/Paris")).date()
    expected = Grant.CARE_TEAM if MEMBERSHIP_START <= paris_day <= MEMBERSHIP_END else None
    assert access.grant_for(db, actor=world.member, patient=world.patient, now=moment) == expected


def test_administrator_has_no_clinical_access(db, world):
    assert access.grant_for(db, actor=world.admin, patient=world.patient, now=T0) is None
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.admin, patient_public_id=world.patient.public_id, now=T0)
    assert denials(db, world.admin.account_id)


# --- User charter ---


def test_professional_who_has_not_accepted_the_charter_is_denied(db, world):
    pro = factories.professional(db)
    factories.member(db, patient=world.patient, pro=pro)
    account, _ = factories.account(db, role=Role.CLINICIAN, professional=pro)
    actor = factories.actor_for(db, account, accept_charter=False)
    assert access.grant_for(db, actor=actor, patient=world.patient, now=T0) is None


def test_new_charter_version_denies_access_until_accepted_again(db, world):
    version2 = factories.publish_charter(db, "2.0")
    assert access.grant_for(db, actor=world.member, patient=world.patient, now=T0) is None
    assert access.grant_for(db, actor=world.gp, patient=world.patient, now=T0) is None
    assert access.grant_for(db, actor=world.patient_self, patient=world.patient, now=T0) == Grant.SELF  # patients sign no charter

    assert charter.accept(db, actor=world.member, version_id=version2.id)
    assert access.grant_for(db, actor=world.member, patient=world.patient, now=T0) == Grant.CARE_TEAM


# --- require_patient: the audited entry point ---


def test_allowed_access_is_audited_with_its_reason(db, world):
    patient, grant = access.require_patient(
        db, actor=world.member, patient_public_id=world.patient.public_id, detail="synthèse", now=T0
    )
    db.commit()
    event = db.exec(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (patient.id, grant) == (world.patient.id, Grant.CARE_TEAM)
    assert (event.account_id, event.patient_id, event.grant, event.outcome, event.action) == (
        world.member.account_id, world.patient.id, "care_team", "success", "read"
    )
    assert event.actor_role == "clinician" and event.organisation_id == world.member.organisation_id
    assert event.session_hash == world.member.session_hash and event.session_hash


@pytest.mark.parametrize("who", ["outsider", "other_patient_self", "admin", "gp"])
def test_denial_is_audited_and_kept_although_the_callers_transaction_fails(db, db_url, world, who):
    actor = getattr(world, who)
    target = world.other_patient if who == "gp" else world.patient
    db.commit()

    with pytest.raises(AccessDenied), dbmod.transaction(db_url) as session:
        access.require_patient(session, actor=actor, patient_public_id=target.public_id, now=T0)
        raise AssertionError("not reached")

    with dbmod.transaction(db_url) as session:
        events = denials(session, actor.account_id)
        assert len(events) == 1
        assert (events[0].patient_id, events[0].action) == (target.id, "read")


@pytest.mark.parametrize("unknown", ["0" * 32, "", "x" * 10_000, "%", "' OR '1'='1", "../../etc/passwd"])
def test_unknown_and_forbidden_records_get_the_same_answer(db, world, unknown):
    with pytest.raises(AccessDenied) as forbidden:
        access.require_patient(db, actor=world.outsider, patient_public_id=world.patient.public_id, now=T0)
    with pytest.raises(AccessDenied) as missing:
        access.require_patient(db, actor=world.outsider, patient_public_id=unknown, now=T0)
    assert forbidden.value.message == missing.value.message
    assert len(denials(db, world.outsider.account_id)) == 2


@pytest.mark.parametrize("value", [None, 42, ["a"]])
def test_non_string_record_id_is_denied_without_crash(db, world, value):
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.member, patient_public_id=value, now=T0)


def test_removal_from_the_care_team_applies_to_an_open_session(db, world):
    membership = db.exec(
        select(CareTeamMembership).where(CareTeamMembership.professional_id == world.member_pro_id)
    ).one()
    access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)
    membership.removed_at = T0
    db.add(membership)
    db.commit()
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)


def test_a_removal_within_the_same_transaction_applies_to_the_next_check(db, world):
    access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)
    db.execute(update(CareTeamMembership).where(CareTeamMembership.professional_id == world.member_pro_id)
               .values(removed_at=T0))
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)
    access.require_patient(db, actor=world.gp, patient_public_id=world.patient.public_id, now=T0)
    world.patient.gp_professional_id = None
    db.add(world.patient)  # an ORM change, flushed before the next check's statements
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.gp, patient_public_id=world.patient.public_id, now=T0)


def test_the_loaders_of_one_page_check_the_patient_once_and_audit_one_access_naming_each_read(db, world):
    sent = []

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0, detail="a")
    event.listen(db.get_bind(), "before_cursor_execute", count)
    try:
        patient, grant = access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id,
                                                now=T0, detail="b")
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", count)
    assert (patient.id, grant, sent) == (world.patient.id, Grant.CARE_TEAM, [])
    db.commit()
    reads = db.exec(select(AuditEvent.detail).where(AuditEvent.account_id == world.member.account_id)
                    .order_by(AuditEvent.seq)).all()
    assert reads[-1] == "a ; b" and "a" not in reads
    with pytest.raises(AccessDenied):  # another actor is decided on its own
        access.require_patient(db, actor=world.outsider, patient_public_id=world.patient.public_id, now=T0)


def test_the_services_of_one_page_share_the_days_decision_whatever_their_own_now(db, world):
    """Each service of a page takes its own `now`: a care-team grant holds for the Paris day, so it is decided once."""
    sent = []

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)
    event.listen(db.get_bind(), "before_cursor_execute", count)
    try:
        _patient, grant = access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id,
                                                 now=T0 + timedelta(milliseconds=40))
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", count)
    assert (grant, sent) == (Grant.CARE_TEAM, [])


def test_a_page_recording_its_visit_keeps_the_decision_a_change_to_the_team_does_not(db, world):
    sent = []

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)
    db.add(PatientVisit(account_id=world.member.account_id, patient_id=world.patient.id, last_seen_at=T0))
    db.flush()
    event.listen(db.get_bind(), "before_cursor_execute", count)
    try:
        access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", count)
    assert sent == []
    membership = db.exec(select(CareTeamMembership).where(CareTeamMembership.professional_id == world.member_pro_id)).one()
    membership.removed_at = T0
    db.add(membership)
    db.flush()
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=world.member, patient_public_id=world.patient.public_id, now=T0)


# --- require_role: area-level checks ---


def test_role_check_denies_and_audits_other_roles(db, world):
    with pytest.raises(AccessDenied):
        access.require_role(db, actor=world.patient_self, roles={Role.ADMIN}, action="admin")
    assert denials(db, world.patient_self.account_id)[-1].detail == "rôle non autorisé"


def test_role_check_denies_a_missing_actor(db, world):
    with pytest.raises(AccessDenied):
        access.require_role(db, actor=None, roles={Role.ADMIN}, action="admin")
    assert denials(db)[-1].account_id is None


def test_role_check_requires_the_current_charter(db, world):
    factories.publish_charter(db, "2.0")
    with pytest.raises(AccessDenied):
        access.require_role(db, actor=world.admin, roles={Role.ADMIN}, action="admin")
    assert denials(db, world.admin.account_id)[-1].detail == "charte non acceptée"


def test_role_check_lets_the_right_role_through(db, world):
    assert access.require_role(db, actor=world.admin, roles={Role.ADMIN}, action="admin") is world.admin
