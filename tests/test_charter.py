"""The user charter: professionals accept the current version before reaching data, again at each new version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from dcc_portal.models import AuditAction, AuditEvent, CharterAcceptance, Role
from dcc_portal.services.access import charter
from tests import factories
from tests.factories import T0


@pytest.fixture
def clinician(db):
    account, _ = factories.account(db, role=Role.CLINICIAN, professional=factories.professional(db))
    return account, factories.actor_for(db, account, accept_charter=False)


def test_nothing_to_accept_before_any_charter_is_published(db, clinician):
    account, _ = clinician
    assert charter.current(db) is None
    assert not charter.needs_acceptance(db, account_id=account.id)


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.GP, Role.NURSE, Role.RCP_SECRETARY, Role.ADMIN])
def test_every_professional_must_accept_a_published_charter(db, role):
    factories.publish_charter(db, "1.0")
    account, _ = factories.account(db, role=role, professional=factories.professional(db))
    assert charter.needs_acceptance(db, account_id=account.id)


def test_patients_have_no_charter_to_accept(db):
    factories.publish_charter(db, "1.0")
    account, _ = factories.account(db, role=Role.PATIENT, patient=factories.patient(db))
    assert not charter.needs_acceptance(db, account_id=account.id)


def test_accepting_the_current_version_is_recorded_and_audited(db, clinician):
    account, actor = clinician
    version = factories.publish_charter(db, "1.0")

    assert charter.accept(db, actor=actor, version_id=version.id, now=T0)
    db.commit()

    assert not charter.needs_acceptance(db, account_id=account.id)
    acceptance = db.exec(select(CharterAcceptance).where(CharterAcceptance.account_id == account.id)).one()
    assert acceptance.charter_version_id == version.id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.CHARTER_ACCEPT)).one()
    assert (event.account_id, event.detail) == (account.id, "version 1.0")


def test_accepting_twice_records_one_acceptance(db, clinician):
    account, actor = clinician
    version = factories.publish_charter(db, "1.0")
    assert charter.accept(db, actor=actor, version_id=version.id)
    assert charter.accept(db, actor=actor, version_id=version.id)
    db.flush()
    assert len(db.exec(select(CharterAcceptance).where(CharterAcceptance.account_id == account.id)).all()) == 1


def test_a_new_version_must_be_accepted_again(db, clinician):
    account, actor = clinician
    v1 = charter.publish(db, version="1.0", title="Charte", body="v1", now=T0)
    charter.accept(db, actor=actor, version_id=v1.id)
    v2 = charter.publish(db, version="2.0", title="Charte", body="v2", now=T0 + timedelta(days=30))

    assert charter.current(db).id == v2.id
    assert charter.needs_acceptance(db, account_id=account.id)
    assert charter.accept(db, actor=actor, version_id=v2.id)
    assert not charter.needs_acceptance(db, account_id=account.id)


def test_accepting_a_version_that_is_no_longer_current_is_refused(db, clinician):
    """The user read version 1 while version 2 was being published: their click must not count for version 2."""
    account, actor = clinician
    v1 = charter.publish(db, version="1.0", title="Charte", body="v1", now=T0)
    charter.publish(db, version="2.0", title="Charte", body="v2", now=T0 + timedelta(days=30))

    assert not charter.accept(db, actor=actor, version_id=v1.id)
    assert charter.needs_acceptance(db, account_id=account.id)
    assert db.exec(select(CharterAcceptance).where(CharterAcceptance.account_id == account.id)).all() == []


@pytest.mark.parametrize("version_id", [0, -1, 10_000])
def test_accepting_an_unknown_version_is_refused(db, clinician, version_id):
    account, actor = clinician
    factories.publish_charter(db, "1.0")
    assert not charter.accept(db, actor=actor, version_id=version_id)
    assert charter.needs_acceptance(db, account_id=account.id)


def test_charter_is_shown_as_paragraphs(db):
    charter.publish(db, version="1.0", title="Charte", body="Premier.\n\n  Deuxième.  \n\n\n\nTroisième.", now=T0)
    view = charter.view_current(db)
    assert (view.version, view.paragraphs) == ("1.0", ["Premier.", "Deuxième.", "Troisième."])
