"""Server-side sessions: hashed tokens, idle and absolute timeouts, logout, listing and ending one's sessions."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from dcc_portal.models import AuditAction, AuditEvent, Role, UserSession
from dcc_portal.services.identity import sessions
from tests import factories
from tests.factories import T0

MINUTE = timedelta(minutes=1)


@pytest.fixture
def clinician(db):
    org = factories.organisation(db)
    pro = factories.professional(db, org=org, family="Moreau")
    account, _ = factories.account(db, role=Role.CLINICIAN, professional=pro)
    return account


def open_at(db, account, when=T0, ip="10.0.0.1") -> str:
    token = sessions.open_session(db, account_id=account.id, client_ip=ip, user_agent="Firefox", now=when)
    db.flush()
    return token


def test_token_resolves_to_the_account_with_its_organisation(db, clinician):
    token = open_at(db, clinician)
    actor = sessions.resolve(db, token=token, now=T0 + MINUTE)
    assert actor.account_id == clinician.id
    assert actor.role == Role.CLINICIAN
    assert actor.organisation_id is not None
    assert actor.display_name == "Test Moreau"


def test_token_carries_at_least_128_random_bits(db, clinician):
    token = open_at(db, clinician)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16


def test_only_the_sha256_of_the_token_is_stored(db, clinician):
    token = open_at(db, clinician)
    db.commit()
    rows = db.execute(text("SELECT * FROM user_session")).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    assert db.exec(select(UserSession.token_hash)).one() == hashlib.sha256(token.encode()).hexdigest()


def test_each_session_gets_a_fresh_token(db, clinician):
    assert open_at(db, clinician) != open_at(db, clinician)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 10_000, "' OR 1=1 --"])
def test_unknown_token_resolves_to_nobody(db, clinician, token):
    open_at(db, clinician)
    assert sessions.resolve(db, token=token, now=T0) is None


def test_hash_of_a_token_is_not_a_token(db, clinician):
    token = open_at(db, clinician)
    assert sessions.resolve(db, token=sessions.token_hash(token), now=T0) is None


def test_session_idle_for_30_minutes_expires(db, clinician):
    token = open_at(db, clinician)
    assert sessions.resolve(db, token=token, now=T0 + 29 * MINUTE) is not None
    token2 = open_at(db, clinician)
    assert sessions.resolve(db, token=token2, now=T0 + sessions.IDLE_TIMEOUT) is None


def test_activity_keeps_the_session_alive(db, clinician):
    token = open_at(db, clinician)
    assert sessions.resolve(db, token=token, now=T0 + 20 * MINUTE) is not None
    assert sessions.resolve(db, token=token, now=T0 + 45 * MINUTE) is not None  # 25 minutes after the last activity


def test_session_ends_after_12_hours_even_with_activity(db, clinician):
    token = open_at(db, clinician)
    when = T0
    while when + 20 * MINUTE < T0 + sessions.ABSOLUTE_TIMEOUT:
        when += 20 * MINUTE
        assert sessions.resolve(db, token=token, now=when) is not None
    assert sessions.resolve(db, token=token, now=T0 + sessions.ABSOLUTE_TIMEOUT) is None


def test_logout_revokes_the_token(db, clinician):
    token = open_at(db, clinician)
    sessions.revoke_token(db, token=token, now=T0 + MINUTE)
    assert sessions.resolve(db, token=token, now=T0 + 2 * MINUTE) is None


def test_disabled_account_resolves_to_nobody_and_its_session_is_ended(db, clinician):
    token = open_at(db, clinician)
    clinician.status = "disabled"
    db.add(clinician)
    db.flush()
    assert sessions.resolve(db, token=token, now=T0 + MINUTE) is None

    clinician.status = "active"  # re-enabling does not bring the old session back
    db.add(clinician)
    db.flush()
    assert sessions.resolve(db, token=token, now=T0 + 2 * MINUTE) is None


def test_revoke_all_keeps_only_the_named_session(db, clinician):
    keep, other = open_at(db, clinician), open_at(db, clinician)
    kept_id = sessions.resolve(db, token=keep, now=T0).session_id
    assert sessions.revoke_all(db, account_id=clinician.id, reason="password_change", keep_session_id=kept_id, now=T0) == 1
    assert sessions.resolve(db, token=keep, now=T0 + MINUTE) is not None
    assert sessions.resolve(db, token=other, now=T0 + MINUTE) is None


def test_user_lists_their_own_active_sessions_only(db, clinician):
    current = open_at(db, clinician, ip="10.0.0.1")
    open_at(db, clinician, ip="10.0.0.2")
    expired = open_at(db, clinician, when=T0 - timedelta(hours=13))
    someone_else, _ = factories.account(db, role=Role.NURSE)
    open_at(db, someone_else, ip="10.9.9.9")
    actor = sessions.resolve(db, token=current, now=T0)

    listed = sessions.list_sessions(db, actor=actor, now=T0 + MINUTE)

    assert sorted(s.client_ip for s in listed) == ["10.0.0.1", "10.0.0.2"]
    assert [s.current for s in listed].count(True) == 1
    assert all(s.public_ref != sessions.token_hash(expired)[:16] for s in listed)
    assert all(current not in s.public_ref for s in listed)


def test_user_ends_one_of_their_sessions(db, clinician):
    current, phone = open_at(db, clinician), open_at(db, clinician)
    actor = sessions.resolve(db, token=current, now=T0)

    assert sessions.end_session(db, actor=actor, public_ref=sessions.token_hash(phone)[:16], now=T0 + MINUTE)

    assert sessions.resolve(db, token=phone, now=T0 + 2 * MINUTE) is None
    assert sessions.resolve(db, token=current, now=T0 + 2 * MINUTE) is not None
    db.commit()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.SESSION_END)).first() is not None


@pytest.mark.parametrize("ref", ["", "zzzzzzzzzzzzzzzz", "%%%%%%%%%%%%%%%%", "________________", "0123", "0" * 64])
def test_ending_a_session_with_a_bogus_reference_does_nothing(db, clinician, ref):
    current, phone = open_at(db, clinician), open_at(db, clinician)
    actor = sessions.resolve(db, token=current, now=T0)
    assert not sessions.end_session(db, actor=actor, public_ref=ref, now=T0)
    assert sessions.resolve(db, token=phone, now=T0 + MINUTE) is not None


def test_ending_another_users_session_does_nothing(db, clinician):
    current = open_at(db, clinician)
    other_account, _ = factories.account(db, role=Role.NURSE)
    other = open_at(db, other_account)
    actor = sessions.resolve(db, token=current, now=T0)

    assert not sessions.end_session(db, actor=actor, public_ref=sessions.token_hash(other)[:16], now=T0)
    assert sessions.resolve(db, token=other, now=T0 + MINUTE) is not None


def test_patient_display_name_uses_used_names(db):
    patient = factories.patient(db, family="MARTIN")
    patient.used_first_name, patient.used_family_name = "claire", "durand"
    account, _ = factories.account(db, role=Role.PATIENT, patient=patient)
    actor = sessions.resolve(db, token=open_at(db, account), now=T0)
    assert actor.display_name == "Claire DURAND"
    assert actor.organisation_id is None


# --- The browser's cookie: handoff, rotation, fingerprint ---

def test_cookie_header_yields_the_session_token():
    assert sessions.token_from_cookies("a=1; dcc_session=abc-DEF_1; b=2") == "abc-DEF_1"
    assert sessions.token_from_cookies("") == ""
    assert sessions.token_from_cookies("dcc_session_x=1; xdcc_session=2") == ""
    assert len(sessions.token_from_cookies("dcc_session=" + "x" * 5000)) == sessions.MAX_TOKEN_LENGTH


def test_a_login_token_becomes_a_handoff_that_serves_no_event(db, clinician):
    token = open_at(db, clinician)
    handoff = sessions.begin_handoff(db, token=token, now=T0)
    db.flush()
    assert handoff != token
    assert sessions.resolve(db, token=token, now=T0) is None
    assert sessions.resolve(db, token=handoff, now=T0) is None
    assert sessions.resolve(db, token=handoff, user_agent="Firefox", now=T0) is None


def test_the_handoff_is_exchanged_once_for_a_new_token(db, clinician):
    handoff = sessions.begin_handoff(db, token=open_at(db, clinician), now=T0)
    opened = sessions.complete_handoff(db, handoff=handoff, user_agent="Firefox", now=T0 + MINUTE)
    assert opened is not None
    token, actor = opened
    assert token != handoff and actor.account_id == clinician.id
    assert sessions.resolve(db, token=token, user_agent="Firefox", now=T0 + 2 * MINUTE).account_id == clinician.id
    assert sessions.complete_handoff(db, handoff=handoff, user_agent="Firefox", now=T0 + MINUTE) is None
    assert sessions.resolve(db, token=handoff, user_agent="Firefox", now=T0 + 2 * MINUTE) is None


def test_the_handoff_expires_and_belongs_to_the_browser_of_the_login(db, clinician):
    handoff = sessions.begin_handoff(db, token=open_at(db, clinician), now=T0)
    assert sessions.complete_handoff(db, handoff=handoff, user_agent="curl", now=T0) is None
    assert sessions.complete_handoff(db, handoff=handoff, user_agent="Firefox", now=T0 + sessions.HANDOFF_TTL) is None
    assert sessions.complete_handoff(db, handoff="", user_agent="Firefox", now=T0) is None


def test_a_token_presented_by_another_browser_ends_the_session(db, clinician):
    handoff = sessions.begin_handoff(db, token=open_at(db, clinician), now=T0)
    token, _ = sessions.complete_handoff(db, handoff=handoff, user_agent="Firefox", now=T0)
    assert sessions.resolve(db, token=token, user_agent="Chrome (thief)", now=T0 + MINUTE) is None
    assert sessions.resolve(db, token=token, user_agent="Firefox", now=T0 + MINUTE) is None
    assert db.exec(select(UserSession.revoke_reason)).one() == "other_browser"


def test_a_new_network_keeps_the_session(db, clinician):
    handoff = sessions.begin_handoff(db, token=open_at(db, clinician, ip="10.0.0.1"), now=T0)
    token, _ = sessions.complete_handoff(db, handoff=handoff, user_agent="Firefox", now=T0)
    actor = sessions.resolve(db, token=token, client_ip="192.0.2.7", user_agent="Firefox", now=T0 + MINUTE)
    assert actor is not None and actor.client_ip == "192.0.2.7"


def test_sign_out_revokes_and_audits(db, clinician):
    handoff = sessions.begin_handoff(db, token=open_at(db, clinician), now=T0)
    token, _ = sessions.complete_handoff(db, handoff=handoff, user_agent="Firefox", now=T0)
    assert sessions.sign_out(db, token=token, client_ip="10.0.0.1", user_agent="Firefox", now=T0 + MINUTE)
    assert sessions.resolve(db, token=token, user_agent="Firefox", now=T0 + MINUTE) is None
    db.commit()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.LOGOUT)).first() is not None
    assert not sessions.sign_out(db, token=token, client_ip="10.0.0.1", user_agent="Firefox", now=T0 + MINUTE)
