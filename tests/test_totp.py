"""TOTP second factor (RFC 6238): code format, time window, and seeds encrypted at rest."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag

from dcc_portal.services.identity import totp
from tests.factories import T0

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456", "123456"),
        (" 123456 ", "123456"),  # pasted with surrounding blanks
        ("123 456", "123456"),  # as authenticator apps display it: accepted by design
    ],
)
def test_six_ascii_digits_are_accepted(raw, expected):
    assert totp.normalize_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "12345",  # 5 digits
        "1234567",  # 7 digits
        "12 3456",  # other spacing
        "1234 56",
        "1 2 3 4 5 6",
        "123  456",
        "123\t456",
        "123\u00a0456",  # non-breaking space
        "123-456",
        "12345a",
        "١٢٣٤٥٦",  # Arabic-Indic digits
        "١٢٣ ٤٥٦",
        "１２３４５６",  # fullwidth digits
        "۱۲۳۴۵۶",  # Persian digits
        "+12345",
        "-12345",
    ],
)
def test_anything_else_is_refused(raw):
    assert totp.normalize_code(raw) is None


def test_new_secret_has_160_bits_and_is_base32():
    secret = totp.new_secret()
    assert len(base64.b32decode(secret)) == 20
    assert totp.new_secret() != secret


RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()  # the SHA-1 seed of RFC 6238, appendix B


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc6238_test_vectors(unix_time, code):
    """The RFC's 8-digit SHA-1 values, last 6 digits (30 s steps)."""
    assert totp.code_at(RFC6238_SECRET, totp.current_step(unix_time)) == code


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_code_within_one_step_is_accepted(offset):
    now = T0.timestamp()
    code = totp.code_at(SECRET, totp.current_step(now) + offset)
    assert totp.matching_step(SECRET, code, now=now) == totp.current_step(now) + offset


@pytest.mark.parametrize("offset", [-2, 2, -10])
def test_code_two_or_more_steps_away_is_refused(offset):
    now = T0.timestamp()
    code = totp.code_at(SECRET, totp.current_step(now) + offset)
    assert totp.matching_step(SECRET, code, now=now) is None


def test_encrypted_seed_round_trips():
    blob = totp.encrypt(SECRET, account_id=7)
    assert totp.decrypt(blob, account_id=7) == SECRET


def test_encrypted_seed_does_not_contain_the_seed():
    blob = totp.encrypt(SECRET, account_id=7)
    assert SECRET.encode() not in blob
    assert totp.encrypt(SECRET, account_id=7) != blob  # a fresh nonce each time


def test_seed_copied_to_another_account_cannot_be_decrypted():
    blob = totp.encrypt(SECRET, account_id=7)
    with pytest.raises(InvalidTag):
        totp.decrypt(blob, account_id=8)


def test_tampered_seed_cannot_be_decrypted():
    blob = bytearray(totp.encrypt(SECRET, account_id=7))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        totp.decrypt(bytes(blob), account_id=7)


def test_manual_entry_key_is_the_secret_in_groups_of_four():
    assert totp.grouped_key(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_provisioning_uri_names_issuer_and_account():
    uri = totp.provisioning_uri(SECRET, identifier="onco.moreau")
    assert uri.startswith("otpauth://totp/")
    assert "issuer=DCC%20Portal" in uri
    assert f"secret={SECRET}" in uri


@pytest.mark.parametrize("value", ["not base64 at all!", base64.urlsafe_b64encode(b"too short").decode(), "abc"])
def test_a_malformed_secret_key_is_refused_with_what_it_must_be(value, monkeypatch):
    monkeypatch.setenv("DCC_SECRET_KEY", value)
    with pytest.raises(RuntimeError, match="32 bytes, base64 encoded"):
        totp.encrypt(SECRET, account_id=1)
