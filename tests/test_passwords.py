"""Password policy (length, common passwords, identifier) and argon2id hashing with rehash on login."""

from __future__ import annotations


import pytest
from passlib.context import CryptContext
from sqlalchemy import text

from dcc_portal.models import Role
from dcc_portal.services.identity import auth, passwords
from tests import factories
from tests.factories import PASSWORD, T0


@pytest.mark.parametrize("length", [0, 1, 11])
def test_password_shorter_than_12_characters_is_refused(length):
    assert "au moins 12" in passwords.policy_error("k" * length)


def test_password_of_12_characters_is_accepted():
    assert passwords.policy_error("tortue lente") is None


LONGEST = "une phrase assez longue " * 5 + "x" * 8


def test_password_of_128_characters_is_accepted_whole():
    assert len(LONGEST) == 128
    assert passwords.policy_error(LONGEST) is None
    assert passwords.verify_password(LONGEST, factories.password_hash(LONGEST)) == (True, None)


def test_password_is_never_truncated():
    ok, _ = passwords.verify_password(LONGEST[:-1] + "y", factories.password_hash(LONGEST))
    assert not ok


@pytest.mark.parametrize("length", [129, 10_000])
def test_password_longer_than_128_characters_is_refused_without_crash(length):
    password = "a" * length
    assert "128" in passwords.policy_error(password)
    ok, new_hash = passwords.verify_password(password, factories.password_hash())
    assert (ok, new_hash) == (False, None)


@pytest.mark.parametrize("password", ["azertyuiop123", "AZERTYUIOP123", "AzErTyUiOp123", "motdepasse123"])
def test_common_password_is_refused_whatever_the_case(password):
    assert "trop courant" in passwords.policy_error(password)


@pytest.mark.parametrize("password", ["jean.dupont-secret", "mon compte JEAN.DUPONT"])
def test_password_containing_the_identifier_is_refused(password):
    assert "identifiant" in passwords.policy_error(password, identifier="jean.dupont")


def test_hash_is_argon2id_with_the_required_parameters():
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored


def test_same_password_hashes_differently_each_time():
    assert passwords.hash_password(PASSWORD) != passwords.hash_password(PASSWORD)


def test_verify_accepts_the_right_password_only():
    stored = factories.password_hash()
    assert passwords.verify_password(PASSWORD, stored) == (True, None)
    assert passwords.verify_password(PASSWORD.upper(), stored)[0] is False


def _old_style_hash(password: str = PASSWORD) -> str:
    """A hash from an older deployment: argon2id with OWASP's minimum parameters, weaker than ours."""
    old = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__time_cost=2, argon2__memory_cost=19456,
                       argon2__parallelism=1)
    return old.hash(password)


def test_verify_returns_a_new_hash_when_parameters_changed():
    ok, new_hash = passwords.verify_password(PASSWORD, _old_style_hash())
    assert ok
    assert new_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(PASSWORD, new_hash) == (True, None)


def test_login_stores_the_upgraded_hash(db):
    account, _ = factories.account(db, role=Role.CLINICIAN)
    account.password_hash = _old_style_hash()
    db.add(account)
    db.commit()

    step = auth.check_password(db, identifier=account.identifier, password=PASSWORD, client_ip="10.0.0.1", now=T0)
    db.commit()  # as the request's transaction does

    assert step.ok
    stored = db.execute(text("SELECT password_hash FROM account WHERE id = :id"), {"id": account.id}).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(PASSWORD, stored) == (True, None)


def test_the_parameters_meet_the_security_standard_and_the_owasp_minimum():
    """The security requirements: t=3, m=64 MiB, p=4 or stronger (OWASP's minimum is 19 MiB and two passes)."""
    parameters = dict(part.split("=") for part in passwords.hash_password(PASSWORD).split("$")[3].split(","))
    memory, passes, lanes = int(parameters["m"]), int(parameters["t"]), int(parameters["p"])
    assert memory >= 65536 and passes >= 3 and lanes >= 4
