"""Reading the audit trail: the administrator's search and CSV export, the patient's access history."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from dcc_portal.models import AuditEvent, Role
from dcc_portal.services.access import audit, audit_log, emergency
from dcc_portal.services.access.audit_log import AuditFilters
from dcc_portal.services.common.errors import (
    AccessDenied,
    NotAuthenticated,
    ValidationFailed,
)
from dcc_portal.services.record import downloads, patients
from tests import factories as f


@pytest.fixture
def world(db):
    f.publish_charter(db)
    org = f.organisation(db, name="CHU de Test")
    oncologist = f.professional(db, org=org, family="ONCOLOGUE")
    outsider = f.professional(db, org=org, family="URGENTISTE")
    patient = f.patient(db, family="LEPATIENT")
    other = f.patient(db, family="LAUTRE")
    f.member(db, patient=patient, pro=oncologist)
    f.member(db, patient=other, pro=oncologist)
    actors = {
        "admin": f.actor_for(db, f.account(db, role=Role.ADMIN, identifier="admin.test")[0]),
        "oncologist": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=oncologist, identifier="onco.test")[0]),
        "outsider": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=outsider)[0]),
        "patient": f.actor_for(db, f.account(db, role=Role.PATIENT, patient=patient)[0]),
    }
    db.commit()
    return patient, other, actors


# --- the administrator's search ---


def test_search_by_patient_user_action_and_paris_days(db, world):
    patient, other, actors = world
    onco = actors["oncologist"]
    # 29 March 2026: clocks go forward in Paris; 23:30 UTC on the 28th is already the 29th in Paris.
    for moment in ("2026-03-28T22:30:00", "2026-03-28T23:30:00", "2026-03-29T21:59:00", "2026-03-29T22:00:00"):
        audit.record(db, actor=onco, action="read", patient_id=patient.id, at=datetime.fromisoformat(moment).replace(tzinfo=UTC))
    audit.record(db, actor=onco, action="read", patient_id=other.id, at=datetime(2026, 3, 29, 10, tzinfo=UTC))
    db.commit()
    page = audit_log.search(db, actor=actors["admin"], filters=AuditFilters(
        patient=patient.ins, user="ONCO.test", action="read", date_from="2026-03-29", date_to="2026-03-29"))
    assert [row.at for row in page.items] == ["29/03/2026 23:59:00", "29/03/2026 00:30:00"]
    assert all(row.patient == patient.local_id and row.user == "onco.test" for row in page.items)
    by_local_id = audit_log.search(db, actor=actors["admin"], filters=AuditFilters(patient=other.local_id, action="read"))
    assert [row.patient for row in by_local_id.items] == [other.local_id]


def test_search_is_paginated_newest_first_and_audited(db, world):
    patient, _other, actors = world
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    for minute in range(120):
        audit.record(db, actor=actors["oncologist"], action="read", patient_id=patient.id, at=start + timedelta(minutes=minute))
    db.commit()
    filters = AuditFilters(patient=patient.local_id)
    first = audit_log.search(db, actor=actors["admin"], filters=filters, page=1)
    third = audit_log.search(db, actor=actors["admin"], filters=filters, page=3)
    assert (first.total, first.page_count, len(first.items), len(third.items)) == (120, 3, 50, 20)
    assert first.items[0].at == "05/01/2026 10:59:00" and third.items[-1].at == "05/01/2026 09:00:00"
    db.commit()
    logged = db.exec(select(AuditEvent).where(AuditEvent.account_id == actors["admin"].account_id, AuditEvent.action == "admin")).all()
    assert any("journal d'audit" in event.detail for event in logged)


def test_bad_filters_get_french_messages_next_to_their_field(db, world):
    _patient, _other, actors = world
    with pytest.raises(ValidationFailed) as error:
        audit_log.search(db, actor=actors["admin"], filters=AuditFilters(
            patient="X-404", user="nobody", action="drop", date_from="2026-02-30", date_to="1900-01-01"))
    assert set(error.value.errors) == {"patient", "user", "action", "date_from", "date_to"}
    with pytest.raises(ValidationFailed) as error:
        audit_log.search(db, actor=actors["admin"], filters=AuditFilters(date_from="2026-03-02", date_to="2026-03-01"))
    assert error.value.errors == {"date_to": "La date de fin précède la date de début."}


@pytest.mark.parametrize("who", ["oncologist", "patient"])
def test_only_the_administrator_searches(db, world, who):
    _patient, _other, actors = world
    with pytest.raises(AccessDenied):
        audit_log.search(db, actor=actors[who], filters=AuditFilters())
    with pytest.raises(AccessDenied):
        audit_log.issue_export(db, actor=actors[who], filters=AuditFilters())


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"patient_id": 1}, "ix_audit_patient_at"),
        ({"account_id": 1}, "ix_audit_account_at"),
        ({"action": "read"}, "ix_audit_action_at"),
        ({"start": datetime(2026, 1, 1, tzinfo=UTC)}, "ix_audit_at"),
        ({}, "ix_audit_at"),
    ],
)
def test_each_filter_is_served_by_an_index(db, filters, index):
    resolved = audit_log._Resolved(**filters)
    statement = audit_log._page_statement(resolved.conditions(), offset=100)
    compiled = statement.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    if db.get_bind().dialect.name == "postgresql":
        # On a near-empty table the planner would rather scan it whole: forbid that to see which index serves.
        db.execute(text("SET LOCAL enable_seqscan = off"))
        db.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = " ".join(str(row[0]) for row in db.execute(text(f"EXPLAIN {compiled}")).all())
        assert index in plan and "Sort" not in plan, plan
    else:
        plan = " ".join(str(row[-1]) for row in db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())
        assert index in plan and "TEMP B-TREE" not in plan, plan


# --- the CSV export ---


def test_csv_export_through_a_single_use_ticket_is_audited(db, world):
    patient, _other, actors = world
    admin = actors["admin"]
    audit.record(db, actor=actors["oncologist"], action="read", patient_id=patient.id, detail="=HYPERLINK(\"x\")")
    db.commit()
    url = audit_log.issue_export(db, actor=admin, filters=AuditFilters(patient=patient.ins))
    db.commit()
    payload, inline = downloads.redeem(db, ticket=url.removeprefix(downloads.URL_PREFIX))
    db.commit()
    assert not inline and payload.mime_type.startswith("text/csv") and payload.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(payload.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["n°", "horodatage (UTC)", "horodatage (Paris)", "compte"]
    assert all(row[8] == patient.local_id for row in rows[1:]) and len(rows) >= 2
    assert "'=HYPERLINK(\"x\")" in [row[13] for row in rows[1:]]
    exports = db.exec(select(AuditEvent).where(AuditEvent.account_id == admin.account_id, AuditEvent.action == "export")).all()
    assert len(exports) == 1 and exports[0].outcome == "success"
    with pytest.raises(NotAuthenticated):
        downloads.redeem(db, ticket=url.removeprefix(downloads.URL_PREFIX))
    replay = db.exec(select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.outcome == "denied")).all()
    assert replay and replay[-1].account_id == admin.account_id


def test_export_ticket_round_trips_the_filters(db):
    resolved = audit_log._Resolved(patient_id=1234567890, account_id=987654321, action="recovery_codes_regenerated",
                                   outcome="success", day_from=datetime(2026, 3, 1).date(), day_to=datetime(2026, 3, 31).date())
    target, variant = resolved.ticket()
    assert len(target) <= 64 and len(variant) <= 20
    back = audit_log._Resolved.from_ticket(target, variant)
    assert (back.patient_id, back.account_id, back.action, back.outcome, back.day_from, back.day_to) == (
        1234567890, 987654321, "recovery_codes_regenerated", "success", resolved.day_from, resolved.day_to)
    assert back.start == datetime(2026, 2, 28, 23, tzinfo=UTC) and back.end == datetime(2026, 3, 31, 22, tzinfo=UTC)


# --- the patient's access history ---


def test_patient_sees_professionals_accesses_not_their_own_nor_other_patients(db, world):
    patient, other, actors = world
    onco, me = actors["oncologist"], actors["patient"]
    t0 = datetime(2026, 3, 10, 8, tzinfo=UTC)
    patients.summary(db, actor=onco, patient_public_id=patient.public_id)
    for minute in (0, 5, 18):
        audit.record(db, actor=onco, action="read", grant="care_team", patient_id=patient.id, at=t0 + timedelta(minutes=minute))
    patients.summary(db, actor=onco, patient_public_id=other.public_id, now=t0)
    patients.my_record(db, actor=me)
    emergency.open_access(db, actor=actors["outsider"], patient_public_id=patient.public_id,
                          reason="Admission aux urgences, recherche des traitements en cours", now=t0 + timedelta(hours=2))
    patients.summary(db, actor=actors["outsider"], patient_public_id=patient.public_id, now=t0 + timedelta(hours=2, minutes=1))
    db.commit()

    log = audit_log.access_log(db, actor=me)
    db.commit()
    assert {row.who for row in log.items} == {"Dr Test ONCOLOGUE", "Dr Test URGENTISTE"}
    emergency_rows = [row for row in log.items if row.emergency]
    assert emergency_rows and all(row.reason == "Admission aux urgences, recherche des traitements en cours" for row in emergency_rows)
    assert {row.purpose for row in emergency_rows} == {"Ouverture d'un accès en urgence", "Consultation du dossier"}
    team_reads = [row for row in log.items if not row.emergency]
    assert len(team_reads) == 1
    [reads] = team_reads
    # 09:00, 09:05 and 09:18 in Paris (UTC+1 in March) and the summary read just now: one line for the session,
    # with when it began and ended, not a count of audited reads (one opening of the file is several of them).
    assert (reads.when[:16], reads.organisation) == ("10/03/2026 09:00", "CHU de Test")
    assert " – " in reads.when and "fois" not in str(vars(reads))
    assert reads.grant == "en tant que membre de votre équipe de soins"
    everything = " ".join(str(vars(row)) for row in log.items)
    assert other.local_id not in everything and "LAUTRE" not in everything


def test_access_history_is_paginated_and_for_patients_only(db, world):
    patient, _other, actors = world
    for index in range(45):
        audit.record(db, account_id=actors["oncologist"].account_id, actor_role="clinician", action="read",
                     patient_id=patient.id, grant="care_team", session_hash=f"s{index:02d}",
                     at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=index))
    db.commit()
    pages = [audit_log.access_log(db, actor=actors["patient"], page=n) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [20, 20, 5] and pages[0].total == 45
    assert pages[0].items[0].when == "02/03/2026 21:00"
    with pytest.raises(AccessDenied):
        audit_log.access_log(db, actor=actors["oncologist"])
