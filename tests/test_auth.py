"""Login (password then TOTP or recovery code), throttling and locking, enrolment and sensitive changes.

Every call passes an explicit `now` so that time steps, delays and locks are deterministic.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from dcc_portal.models import (
    Account,
    AuditAction,
    AuditEvent,
    LoginThrottle,
    RecoveryCode,
    Role,
)
from dcc_portal.services.identity import auth, passwords, sessions
from tests import factories
from tests.factories import PASSWORD, T0, code_for

IP = "10.0.0.1"
SECOND = timedelta(seconds=1)
STEP = timedelta(seconds=30)


@pytest.fixture
def user(db):
    """An enrolled clinician: (account, TOTP secret)."""
    account, secret = factories.account(db, role=Role.CLINICIAN, professional=factories.professional(db))
    db.commit()
    return account, secret


def wrong_code(secret, when) -> str:
    valid = {code_for(secret, when, offset_steps=k) for k in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in valid)


def password_step(db, account, *, password=PASSWORD, when=T0, ip=IP) -> auth.StepResult:
    return auth.check_password(db, identifier=account.identifier, password=password, client_ip=ip, now=when)


def code_step(db, account, code, *, when=T0, ip=IP) -> auth.LoginResult:
    return auth.check_totp(db, account_id=account.id, code=code, client_ip=ip, now=when)


def delay_after(failures: int) -> timedelta:
    """How long the next attempt is held back after `failures` consecutive failures."""
    if failures < auth.DELAY_AFTER:
        return timedelta(0)
    return auth.BASE_DELAY * 2 ** (failures - auth.DELAY_AFTER)


def fail_repeatedly(db, account, secret, count, *, start=T0, how="code", code=None):
    """`count` consecutive failures, each one waiting out the delay of the previous. Returns the last attempt's time."""
    when = start
    for index in range(count):
        if index:
            when += delay_after(account.failed_count) + SECOND
        before = account.failed_count
        if how == "password":
            result = password_step(db, account, password="not the password", when=when)
        else:
            result = code_step(db, account, wrong_code(secret, when) if code is None else code, when=when)
        assert not result.ok
        assert account.failed_count in (before + 1, 1), "every attempt must be counted (not held back by a delay)"
    return when


def audit_events(db, action=None) -> list[AuditEvent]:
    db.commit()  # as the request's transaction does: staged events are chained and written at commit
    statement = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return list(db.exec(statement).all())


# --- First factor ---


def test_correct_password_asks_for_the_second_factor(db, user):
    account, _ = user
    step = password_step(db, account)
    assert step.ok and step.account_id == account.id and not step.needs_enrolment


def test_identifier_is_case_and_blank_insensitive(db, user):
    account, _ = user
    step = auth.check_password(db, identifier=f"  {account.identifier.upper()} ", password=PASSWORD, client_ip=IP, now=T0)
    assert step.ok


def test_unknown_user_and_wrong_password_get_the_same_answer(db, user):
    account, _ = user
    unknown = auth.check_password(db, identifier="nobody.here", password=PASSWORD, client_ip=IP, now=T0)
    wrong = password_step(db, account, password="not the password")
    assert (unknown.ok, unknown.message, unknown.account_id) == (wrong.ok, wrong.message, wrong.account_id)
    assert unknown.message == auth.GENERIC_FAILURE


def test_the_same_attempts_on_a_known_and_an_unknown_identifier_get_the_same_answers(db, user):
    """Delays and the lock apply to an identifier no account holds exactly as to an account: twelve wrong
    passwords, some too early, answer word for word alike, so that the answers do not tell who has an account."""
    account, _ = user
    seconds = [0, 1, 2, 3, 4, 10, 40, 101, 222, 463, 944, 1000]

    def answers(identifier: str, ip: str) -> list[str]:
        return [auth.check_password(db, identifier=identifier, password="not the password", client_ip=ip,
                                    now=T0 + n * SECOND).message for n in seconds]

    known = answers(account.identifier, "10.0.0.7")
    unknown = answers("nobody.here", "10.0.0.8")
    assert known == unknown
    assert known[0] == auth.GENERIC_FAILURE
    assert "Réessayez dans" in known[5] and "verrouillé" in known[-1], known
    failed = db.exec(select(AuditEvent.detail).where(AuditEvent.action == AuditAction.LOGIN_FAILED,
                                                     AuditEvent.account_id.is_(None))).all()
    assert "nobody.here" not in " ".join(failed) and any("verrouillé" in detail for detail in failed)


@pytest.mark.parametrize("password", ["not the password", "x" * 10_000], ids=["wrong", "10000-chars"])
def test_unknown_user_and_wrong_password_take_about_as_long(db, user, password):
    account, _ = user
    passwords.burn_time("warm-up")  # the dummy hash is computed once per process
    one_hash = min(_timed(passwords.burn_time, "reference") for _ in range(3))

    started = time.perf_counter()
    unknown = auth.check_password(db, identifier="nobody.here", password=password, client_ip=IP, now=T0)
    unknown_duration = time.perf_counter() - started
    started = time.perf_counter()
    wrong = password_step(db, account, password=password)
    wrong_duration = time.perf_counter() - started

    assert unknown.message == wrong.message == auth.GENERIC_FAILURE
    # Both answers cost a whole argon2id check: nothing tells a missing identifier from a wrong password.
    assert unknown_duration > 0.8 * one_hash and wrong_duration > 0.8 * one_hash


def _timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def test_ten_thousand_character_password_is_refused_without_crash(db, user):
    account, _ = user
    step = password_step(db, account, password="a" * 10_000)
    assert not step.ok and step.message == auth.GENERIC_FAILURE
    assert account.failed_count == 1


def test_disabled_account_is_refused_after_the_correct_password(db, user):
    account, _ = user
    account.status = "disabled"
    db.add(account)
    db.commit()
    assert password_step(db, account).message == auth.MSG_DISABLED
    assert password_step(db, account, password="not the password").message == auth.GENERIC_FAILURE


# --- Throttling and locking ---


def test_five_failures_hold_the_next_attempt_back(db, user):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.DELAY_AFTER, how="password")

    held = password_step(db, account, when=last + 10 * SECOND)
    assert not held.ok and "Réessayez dans" in held.message
    assert account.failed_count == auth.DELAY_AFTER  # a held-back attempt is not even checked

    assert password_step(db, account, when=last + auth.BASE_DELAY + SECOND).ok


def test_delays_grow_with_each_further_failure(db, user):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.DELAY_AFTER + 1)
    assert delay_after(auth.DELAY_AFTER + 1) == 2 * auth.BASE_DELAY
    assert not password_step(db, account, when=last + auth.BASE_DELAY + SECOND).ok
    assert password_step(db, account, when=last + 2 * auth.BASE_DELAY + SECOND).ok


def test_ten_wrong_passwords_lock_the_account(db, user):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.LOCK_AFTER, how="password")
    assert account.locked_until == last + auth.LOCK_DURATION
    step = password_step(db, account, when=last + timedelta(minutes=59))
    assert not step.ok and "verrouillé" in step.message


@pytest.mark.parametrize("code", ["wrong", "", "12345"], ids=["wrong-code", "missing-code", "malformed-code"])
def test_wrong_or_missing_codes_lock_the_account_too(db, user, code):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.LOCK_AFTER, code=None if code == "wrong" else code)
    assert account.locked_until == last + auth.LOCK_DURATION
    assert "verrouillé" in password_step(db, account, when=last + timedelta(minutes=30)).message


def test_during_a_lock_correct_password_and_code_are_refused_and_the_code_is_not_consumed(db, user):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.LOCK_AFTER)
    later = last + timedelta(minutes=10)
    step_before = account.totp_last_step

    assert not password_step(db, account, when=later).ok
    result = code_step(db, account, code_for(secret, later), when=later)

    assert not result.ok and not result.token and "verrouillé" in result.message
    db.expire_all()
    assert db.get(Account, account.id).totp_last_step == step_before
    assert db.get(Account, account.id).failed_count == auth.LOCK_AFTER  # refused attempts do not extend the lock


def test_lock_ends_after_lock_duration(db, user):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.LOCK_AFTER)
    assert not password_step(db, account, when=last + auth.LOCK_DURATION - SECOND).ok

    reopened = last + auth.LOCK_DURATION
    assert password_step(db, account, when=reopened).ok
    assert code_step(db, account, code_for(secret, reopened), when=reopened).ok
    assert account.failed_count == 0 and account.locked_until is None


def test_success_resets_the_failure_counter(db, user):
    account, secret = user
    last = fail_repeatedly(db, account, secret, auth.DELAY_AFTER - 1)
    assert code_step(db, account, code_for(secret, last + STEP), when=last + STEP).ok
    assert (account.failed_count, account.last_failed_at) == (0, None)

    # One more failure right away is an isolated failure: no delay follows it.
    assert not password_step(db, account, password="not the password", when=last + 2 * STEP).ok
    assert password_step(db, account, when=last + 2 * STEP + SECOND).ok


def test_failures_from_one_ip_are_counted_across_identifiers(db, user):
    for name in ("alice", "bob", "carol"):
        auth.check_password(db, identifier=name, password="whatever password", client_ip="203.0.113.9", now=T0)
    assert db.get(LoginThrottle, "203.0.113.9").failures == 3


def test_an_ip_with_too_many_failures_is_refused_even_with_correct_credentials(db, user):
    account, _ = user
    db.add(LoginThrottle(client_ip="203.0.113.9", window_start=T0, failures=auth.IP_MAX_FAILURES - 1))
    db.commit()
    auth.check_password(db, identifier="nobody.here", password="whatever password", client_ip="203.0.113.9", now=T0)

    refused = password_step(db, account, ip="203.0.113.9", when=T0 + SECOND)
    assert (refused.ok, refused.message) == (False, auth.MSG_IP_LIMIT)
    assert password_step(db, account, ip="198.51.100.7", when=T0 + SECOND).ok  # other clients are unaffected
    assert password_step(db, account, ip="203.0.113.9", when=T0 + auth.IP_WINDOW).ok  # the window passes


# --- Second factor ---


def test_correct_code_opens_a_session(db, user):
    account, secret = user
    result = code_step(db, account, code_for(secret, T0))
    assert result.ok
    assert sessions.resolve(db, token=result.token, now=T0).account_id == account.id


def test_code_typed_in_two_groups_of_three_is_accepted(db, user):
    account, secret = user
    code = code_for(secret, T0)
    assert code_step(db, account, f"{code[:3]} {code[3:]}").ok


def test_code_from_the_previous_step_is_accepted(db, user):
    account, secret = user
    assert code_step(db, account, code_for(secret, T0, offset_steps=-1)).ok


def test_code_two_steps_old_is_refused(db, user):
    account, secret = user
    result = code_step(db, account, code_for(secret, T0, offset_steps=-2))
    assert (result.ok, result.message) == (False, auth.MSG_CODE_WRONG)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12 3456", "١٢٣٤٥٦", "１２３４５６"])
def test_malformed_code_is_refused_with_a_clear_message_and_counted(db, user, code):
    account, _ = user
    result = code_step(db, account, code)
    assert (result.ok, result.message) == (False, auth.MSG_CODE_FORMAT)
    assert account.failed_count == 1


def test_reused_code_is_refused_and_logged(db, user):
    account, secret = user
    code = code_for(secret, T0)
    assert code_step(db, account, code).ok

    again = code_step(db, account, code, when=T0 + 5 * SECOND)
    assert (again.ok, again.message) == (False, auth.MSG_CODE_REUSED)
    assert "rejoué" in audit_events(db, AuditAction.LOGIN_FAILED)[-1].detail


def test_the_next_step_code_is_accepted_after_a_login(db, user):
    account, secret = user
    assert code_step(db, account, code_for(secret, T0)).ok
    assert code_step(db, account, code_for(secret, T0 + STEP), when=T0 + STEP).ok


def test_an_older_code_is_refused_once_a_newer_one_was_used(db, user):
    account, secret = user
    assert code_step(db, account, code_for(secret, T0, offset_steps=1)).ok
    assert code_step(db, account, code_for(secret, T0), when=T0 + SECOND).message == auth.MSG_CODE_REUSED


def test_every_login_gets_a_new_session_token(db, user):
    account, secret = user
    first = code_step(db, account, code_for(secret, T0)).token
    second = code_step(db, account, code_for(secret, T0 + STEP), when=T0 + STEP).token
    assert first and second and first != second


def test_code_check_on_an_account_without_second_factor_is_refused(db):
    account, _ = factories.account(db, role=Role.CLINICIAN, enrolled=False)
    result = code_step(db, account, "123456")
    assert not result.ok and not result.token


# --- Recovery codes ---


@pytest.fixture
def with_codes(db):
    """A patient who enrolled (and so holds 10 recovery codes): (account, secret, codes)."""
    account, _ = factories.account(db, role=Role.PATIENT, patient=factories.patient(db), enrolled=False)
    secret, codes, _token = factories.enrol(db, account, when=T0)
    db.commit()
    return account, secret, codes


def recovery_step(db, account, code, *, when=T0 + STEP):
    return auth.check_recovery_code(db, account_id=account.id, code=code, client_ip=IP, now=when)


def test_recovery_code_opens_a_session_and_tells_how_many_remain(db, with_codes):
    account, _, codes = with_codes
    result = recovery_step(db, account, codes[0])
    assert result.ok and result.token
    assert result.recovery_codes_left == 9
    assert audit_events(db, AuditAction.RECOVERY_CODE_USED)[-1].detail == "codes restants : 9"


def test_recovery_code_works_once_only(db, with_codes):
    account, _, codes = with_codes
    assert recovery_step(db, account, codes[0]).ok
    again = recovery_step(db, account, codes[0], when=T0 + 2 * STEP)
    assert (again.ok, again.message) == (False, auth.MSG_RECOVERY_WRONG)
    assert account.failed_count == 1
    assert recovery_step(db, account, codes[1], when=T0 + 3 * STEP).recovery_codes_left == 8


@pytest.mark.parametrize("transform", [str.upper, lambda c: c.replace("-", ""), lambda c: f"  {c} "])
def test_recovery_code_is_accepted_as_users_retype_it(db, with_codes, transform):
    account, _, codes = with_codes
    assert recovery_step(db, account, transform(codes[0])).ok


@pytest.mark.parametrize("code", ["", "x" * 10_000, "ééééé-ééééé", "%", "' OR 1=1 --"])
def test_bogus_recovery_code_is_refused(db, with_codes, code):
    account, _, _ = with_codes
    assert recovery_step(db, account, code).message == auth.MSG_RECOVERY_WRONG


def test_recovery_codes_are_stored_hashed(db, with_codes):
    account, _, codes = with_codes
    stored = db.exec(select(RecoveryCode.code_hash).where(RecoveryCode.account_id == account.id)).all()
    assert len(stored) == 10
    for code in codes:
        assert not any(code in row or code.replace("-", "") in row for row in stored)


def _actor(db, account, secret, when):
    result = code_step(db, account, code_for(secret, when), when=when)
    assert result.ok
    return sessions.resolve(db, token=result.token, now=when), result.token


def checked(db, actor, password):
    stored = auth.stored_password_hash(db, actor=actor)
    return auth.CurrentPassword(checked_hash=stored, matches=passwords.check(password, stored)[0])


def test_regenerating_recovery_codes_voids_the_old_ones(db, with_codes):
    account, secret, old_codes = with_codes
    actor, _ = _actor(db, account, secret, T0 + STEP)
    when = T0 + 2 * STEP

    errors, new_codes = auth.regenerate_recovery_codes(
        db, actor=actor, current=checked(db, actor, PASSWORD), code=code_for(secret, when), now=when
    )

    assert errors == {} and len(set(new_codes)) == 10 and not set(new_codes) & set(old_codes)
    assert not recovery_step(db, account, old_codes[0], when=when + STEP).ok
    assert recovery_step(db, account, new_codes[0], when=when + 2 * STEP).ok


@pytest.mark.parametrize("field", ["current_password", "code"])
def test_regenerating_recovery_codes_needs_the_current_password_and_code(db, with_codes, field):
    account, secret, old_codes = with_codes
    actor, _ = _actor(db, account, secret, T0 + STEP)
    when = T0 + 2 * STEP
    password = "not the password" if field == "current_password" else PASSWORD
    code = wrong_code(secret, when) if field == "code" else code_for(secret, when)

    errors, new_codes = auth.regenerate_recovery_codes(db, actor=actor, current=checked(db, actor, password), code=code, now=when)

    assert field in errors and new_codes == []
    assert recovery_step(db, account, old_codes[0], when=when + STEP).ok  # the old set still works


# --- Enrolment ---


@pytest.fixture
def newcomer(db):
    account, _ = factories.account(db, role=Role.GP, professional=factories.professional(db), enrolled=False)
    db.commit()
    return account


def test_account_without_second_factor_must_enrol(db, newcomer):
    assert password_step(db, newcomer).needs_enrolment


def test_enrolment_with_a_wrong_code_does_not_activate_the_seed(db, newcomer):
    enrolment = auth.start_enrolment(db, account_id=newcomer.id)
    secret = enrolment.key_text.replace(" ", "")
    result, codes = auth.confirm_enrolment(
        db, account_id=newcomer.id, code=wrong_code(secret, T0), client_ip=IP, now=T0
    )
    assert (result.ok, result.token, codes) == (False, "", [])
    assert newcomer.totp_secret_enc is None and newcomer.failed_count == 1


def test_enrolment_with_the_right_code_opens_a_session_and_gives_ten_recovery_codes(db, newcomer):
    enrolment = auth.start_enrolment(db, account_id=newcomer.id)
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml")
    secret = enrolment.key_text.replace(" ", "")

    result, codes = auth.confirm_enrolment(db, account_id=newcomer.id, code=code_for(secret, T0), client_ip=IP, now=T0)

    assert result.ok
    assert sessions.resolve(db, token=result.token, now=T0).account_id == newcomer.id
    assert len(codes) == 10 and len(set(codes)) == 10
    assert audit_events(db, AuditAction.MFA_ENROL)


def test_enrolment_code_cannot_be_replayed_to_log_in(db, newcomer):
    secret, _, _ = factories.enrol(db, newcomer, when=T0)
    assert code_step(db, newcomer, code_for(secret, T0), when=T0 + SECOND).message == auth.MSG_CODE_REUSED


def test_seed_is_stored_encrypted(db, db_url, newcomer):
    secret, _, _ = factories.enrol(db, newcomer, when=T0)
    db.commit()

    row = db.execute(text("SELECT * FROM account WHERE id = :id"), {"id": newcomer.id}).one()
    for value in row:
        raw = value if isinstance(value, bytes) else str(value).encode()
        assert secret.encode() not in raw
    database = Path(db_url.removeprefix("sqlite:///"))
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists():
            assert secret.encode() not in path.read_bytes()


def test_an_enrolled_account_cannot_start_a_new_enrolment(db, user):
    """Otherwise knowing the password alone would let someone replace the second factor."""
    account, _ = user
    with pytest.raises(PermissionError):
        auth.start_enrolment(db, account_id=account.id)


# --- Password change ---


@pytest.fixture
def two_sessions(db, user):
    """The user logged in on two devices; returns (account, secret, actor on device 1, token 1, token 2)."""
    account, secret = user
    actor, token1 = _actor(db, account, secret, T0)
    _, token2 = _actor(db, account, secret, T0 + STEP)
    db.commit()
    return account, secret, actor, token1, token2


NEW_PASSWORD = "une nouvelle phrase de passe"


def change(db, actor, secret, *, when=T0 + 2 * STEP, current=PASSWORD, code=None, new=NEW_PASSWORD, confirm=None):
    """As the account screen does it: the new password's rules, the hash checks outside the transaction, the change."""
    errors = auth.new_password_errors(db, actor=actor, new_password=new, confirm=new if confirm is None else confirm)
    return errors or auth.change_password(
        db, actor=actor, current=checked(db, actor, current), code=code_for(secret, when) if code is None else code,
        new_password_hash=passwords.hash_password(new), now=when,
    )


def test_password_change_replaces_the_password(db, two_sessions):
    account, secret, actor, _, _ = two_sessions
    assert change(db, actor, secret) == {}
    db.commit()
    assert password_step(db, account, password=NEW_PASSWORD, when=T0 + timedelta(minutes=5)).ok
    assert not password_step(db, account, password=PASSWORD, when=T0 + timedelta(minutes=5)).ok
    assert audit_events(db, AuditAction.PASSWORD_CHANGE)[-1].outcome == "success"


def test_password_change_ends_the_other_sessions_and_keeps_this_one(db, two_sessions):
    _, secret, actor, token1, token2 = two_sessions
    assert change(db, actor, secret) == {}
    later = T0 + timedelta(minutes=3)
    assert sessions.resolve(db, token=token1, now=later) is not None
    assert sessions.resolve(db, token=token2, now=later) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"current": "not the password"}, "current_password"),
        ({"code": "000000x"}, "code"),
        ({"code": "wrong"}, "code"),
        ({"new": "trop court"}, "new_password"),
        ({"new": "azertyuiop123"}, "new_password"),
        ({"new": "x" * 129}, "new_password"),
        ({"confirm": "une autre phrase de passe"}, "confirm"),
    ],
    ids=["wrong-password", "malformed-code", "wrong-code", "too-short", "common", "too-long", "confirm-differs"],
)
def test_password_change_is_refused_with_a_field_message(db, two_sessions, kwargs, field):
    account, secret, actor, token1, token2 = two_sessions
    when = T0 + 2 * STEP
    if kwargs.get("code") == "wrong":
        kwargs = {"code": wrong_code(secret, when)}
    before = account.password_hash

    errors = change(db, actor, secret, when=when, **kwargs)

    assert field in errors and errors[field]
    db.expire_all()
    assert db.get(Account, account.id).password_hash == before
    assert sessions.resolve(db, token=token2, now=when) is not None


def test_password_change_checked_against_a_hash_replaced_meanwhile_is_refused(db, two_sessions):
    """The current password is checked outside the transaction: if another session changed the password in
    between, the old one no longer confirms anything."""
    account, secret, actor, _, _ = two_sessions
    stale = checked(db, actor, PASSWORD)
    account.password_hash = passwords.hash_password("la phrase choisie ailleurs entre-temps")
    db.add(account)
    db.commit()

    errors = auth.change_password(db, actor=actor, current=stale, code=code_for(secret, T0 + 2 * STEP),
                                  new_password_hash=passwords.hash_password(NEW_PASSWORD), now=T0 + 2 * STEP)

    assert "current_password" in errors
    assert not passwords.check(NEW_PASSWORD, db.get(Account, account.id).password_hash)[0]


def test_password_containing_the_identifier_is_refused_on_change(db, two_sessions):
    account, secret, actor, _, _ = two_sessions
    errors = change(db, actor, secret, new=f"moi {account.identifier} et moi")
    assert "identifiant" in errors["new_password"]


SENSITIVE_CHANGES = {
    "password-change": lambda db, actor, secret, when: change(db, actor, secret, when=when),
    "recovery-codes": lambda db, actor, secret, when: auth.regenerate_recovery_codes(
        db, actor=actor, current=checked(db, actor, PASSWORD), code=code_for(secret, when), now=when
    )[0],
}


@pytest.mark.parametrize("operation", SENSITIVE_CHANGES.values(), ids=SENSITIVE_CHANGES.keys())
def test_sensitive_change_is_refused_while_the_account_is_locked(db, two_sessions, operation):
    """Otherwise an open session would let anyone keep guessing the password past the lock."""
    account, secret, actor, _, _ = two_sessions
    account.failed_count, account.locked_until, account.last_failed_at = auth.LOCK_AFTER, T0 + timedelta(hours=1), T0
    db.add(account)
    db.commit()
    before = (account.password_hash, account.totp_last_step)

    errors = operation(db, actor, secret, T0 + timedelta(minutes=2))

    assert errors and "verrouillé" in " ".join(errors.values())
    db.expire_all()
    account = db.get(Account, account.id)
    assert (account.password_hash, account.totp_last_step) == before  # nothing changed, the code was not consumed
    assert account.failed_count == auth.LOCK_AFTER


@pytest.mark.parametrize("operation", SENSITIVE_CHANGES.values(), ids=SENSITIVE_CHANGES.keys())
def test_sensitive_change_needs_an_active_second_factor(db, operation):
    account, _ = factories.account(db, role=Role.CLINICIAN, enrolled=False)
    actor = factories.actor_for(db, account)  # e.g. a session left open when an admin reset the second factor
    errors = operation(db, actor, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", T0)
    assert "code" in errors


def test_failed_reauthentication_counts_towards_the_lock(db, two_sessions):
    account, secret, actor, _, _ = two_sessions
    account.failed_count, account.last_failed_at = auth.LOCK_AFTER - 1, T0 - timedelta(hours=1)
    db.add(account)
    db.commit()
    when = T0 + 2 * STEP

    assert change(db, actor, secret, when=when, current="not the password")

    assert account.locked_until == when + auth.LOCK_DURATION
    assert audit_events(db, AuditAction.PASSWORD_CHANGE)[-1].outcome == "denied"


# --- What the audit trail keeps of logins ---


def test_every_login_attempt_is_audited_without_secrets(db, with_codes):
    account, secret, codes = with_codes
    typed_codes = set()

    def attempt_code(code, when):
        typed_codes.add(code)
        return code_step(db, account, code, when=when)

    auth.check_password(db, identifier="nobody.here", password="secret unknown pw", client_ip=IP, now=T0)
    password_step(db, account, password="my wrong password", when=T0 + STEP)
    assert password_step(db, account, when=T0 + 2 * STEP).ok
    attempt_code(wrong_code(secret, T0 + 2 * STEP), T0 + 2 * STEP)
    ok = attempt_code(code_for(secret, T0 + 2 * STEP), T0 + 2 * STEP)
    attempt_code(code_for(secret, T0 + 2 * STEP), T0 + 2 * STEP + SECOND)
    recovery = recovery_step(db, account, codes[3], when=T0 + 3 * STEP)

    failed = audit_events(db, AuditAction.LOGIN_FAILED)
    succeeded = audit_events(db, AuditAction.LOGIN)
    assert len(failed) == 4 and all(e.outcome == "denied" for e in failed)
    assert len(succeeded) >= 2 and all(e.outcome == "success" for e in succeeded)

    secrets_typed = {PASSWORD, "secret unknown pw", "my wrong password", secret, ok.token, recovery.token,
                     *typed_codes, *codes, *(c.replace("-", "") for c in codes)}
    for event in audit_events(db):
        logged = " ".join(str(v) for v in (event.detail, event.justification, event.document_id, event.client_ip,
                                           event.session_hash, event.actor_role, event.grant))
        for value in secrets_typed:
            assert value not in logged, f"{value!r} leaked into audit event {event.seq} ({event.action})"
