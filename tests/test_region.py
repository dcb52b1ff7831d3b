"""The regional dataset generator, at a small size: what it writes is what the screens and the load test rely on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, func, select

from dcc_portal import db as dbmod
from dcc_portal.demo import region
from dcc_portal.demo.seed import DEMO_PASSWORD
from dcc_portal.models import (
    Account,
    AuditEvent,
    CareTeamMembership,
    Document,
    Patient,
    Role,
    SymptomAlert,
    SymptomReport,
)
from dcc_portal.services.access import audit, charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.gp import area as gp
from dcc_portal.services.identity import auth, totp
from dcc_portal.services.symptoms import alerts
from tests.conftest import cloned_database

SIZES = region.Sizes(patients=600, gps=12, hospital=30, rcps=3, years=1, documents=3_000, audit_events=5_000,
                     big_gps=1, big_gp_patients=120, patient_accounts=40)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated(template_db, postgres, tmp_path_factory):
    with cloned_database(template_db, postgres, tmp_path_factory.mktemp("region")) as url:
        counts = region.generate(url, sizes=SIZES, seed=7, progress=lambda _message: None, now=NOW)
        dbmod.dispose_engines()
        yield url, counts


def _count(db: Session, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_the_region_has_the_requested_sizes_around_the_demo_region(generated):
    url, counts = generated
    assert counts["patient"] == SIZES.patients
    assert counts["document"] == SIZES.documents
    assert counts["audit_event"] >= SIZES.audit_events
    with dbmod.transaction(url) as db:
        assert _count(db, Patient, Patient.public_id.is_not(None)) >= SIZES.patients + 4  # plus the demo patients
        assert _count(db, Account, Account.identifier == "mg.durand") == 1
        assert _count(db, Account, Account.identifier.like("region.mg%")) == SIZES.gps
        assert _count(db, Account, Account.identifier.like("region.pt%")) == SIZES.patient_accounts
        assert _count(db, Document) >= SIZES.documents


def test_the_generated_audit_trail_verifies_and_keeps_chaining(generated):
    url, _counts = generated
    with dbmod.transaction(url) as db:
        report = audit.verify(db)
        assert report.ok, report
        assert report.checked == _count(db, AuditEvent)
    with dbmod.transaction(url) as db:
        gp_account = db.exec(select(Account).where(Account.identifier == region.gp_identifier(1))).one()
        result = auth.check_password(db, identifier=gp_account.identifier, password=DEMO_PASSWORD, client_ip="127.0.0.1")
    assert result.ok
    with dbmod.transaction(url) as db:
        assert audit.verify(db).ok  # events written by the application after the bulk load link to its tail


def test_a_generated_gp_logs_in_with_both_factors_and_finds_patients_with_their_stage(generated):
    url, _counts = generated
    identifier = region.gp_identifier(1)
    with dbmod.transaction(url) as db:
        first = auth.check_password(db, identifier=identifier, password=DEMO_PASSWORD, client_ip="127.0.0.1")
    assert first.ok and not first.needs_enrolment
    code = totp.code_at(region.totp_seed(identifier), totp.current_step())
    with dbmod.transaction(url) as db:
        login = auth.check_totp(db, account_id=first.account_id, code=code, client_ip="127.0.0.1")
    assert login.ok and login.token
    with dbmod.transaction(url) as db:
        account = db.get(Account, first.account_id)
        actor = Actor(account_id=account.id, role=Role.GP, display_name=identifier,
                      professional_id=account.professional_id)
        page = gp.my_patients(db, actor=actor)
        mine = _count(db, Patient, Patient.gp_professional_id == account.professional_id)
    assert page.total == mine > 0
    assert len(page.items) == min(mine, page.page_size)
    assert all(row.stage for row in page.items)


def test_a_region_is_generated_once_per_database(generated):
    url, _counts = generated
    with pytest.raises(RuntimeError, match="déjà une région"):
        region.generate(url, sizes=SIZES, seed=7, progress=lambda _message: None, now=NOW)


def test_patients_in_treatment_answered_weekly_for_up_to_a_year_and_the_nurses_work_the_recent_alerts(generated):
    url, counts = generated
    with dbmod.transaction(url) as db:
        reporters = db.exec(select(SymptomReport.patient_id).distinct()).all()
        stages = set(db.exec(select(Patient.care_stage).where(Patient.id.in_(reporters))).all())
        assert reporters and stages == {"treatment"}
        first, last = db.exec(select(func.min(SymptomReport.submitted_at), func.max(SymptomReport.submitted_at))).one()
        assert (NOW - first.replace(tzinfo=UTC)).days <= 7 * 53 and (NOW - last.replace(tzinfo=UTC)).days < 7
        reports, raised = counts["symptom_report"], counts["symptom_alert"]
        assert 0.03 < raised / reports < 0.2, (raised, reports)
        assert counts["symptom_answer"] >= 5 * reports  # every item of the group answered
        opened = db.exec(select(SymptomAlert).where(SymptomAlert.acknowledged_at.is_(None))).all()
        assert opened and all((NOW - alert.created_at.replace(tzinfo=UTC)).days < 3 for alert in opened)
        done = db.exec(select(SymptomAlert).where(SymptomAlert.acknowledged_at.is_not(None)).limit(50)).all()
        assert done and all(alert.action in alerts.ACTIONS and alert.acknowledged_by_account_id for alert in done)
        nurse = db.exec(  # a nurse (of the demo or generated) with an open alert among their patients
            select(Account).join(CareTeamMembership, CareTeamMembership.professional_id == Account.professional_id)
            .join(SymptomAlert, SymptomAlert.patient_id == CareTeamMembership.patient_id)
            .where(SymptomAlert.acknowledged_at.is_(None), CareTeamMembership.team_role == "nurse",
                   access.active_membership_clause(NOW.date()))
            .order_by(Account.id)).first()
        actor = Actor(account_id=nurse.id, role=Role.NURSE, display_name=nurse.identifier,
                      professional_id=nurse.professional_id)
        charter.accept(db, actor=actor, version_id=charter.current(db).id, now=NOW)  # a demo nurse's first visit
        page = alerts.worklist(db, actor=actor, now=NOW)
        assert page.total >= 1 and all(item.trend and item.treatment for item in page.items)
