"""TOTP second factor (RFC 6238: 30 s, 6 digits, SHA-1) with seeds encrypted at rest."""

from __future__ import annotations

import os
import time

import pyotp
import segno
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dcc_portal import settings

ISSUER = "DCC Portal"
STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1  # one step before and after


def new_secret() -> str:
    return pyotp.random_base32(length=32)  # 32 base32 characters = 160 bits


def encrypt(secret: str, *, account_id: int) -> bytes:
    nonce = os.urandom(12)
    sealed = AESGCM(settings.secret_key()).encrypt(nonce, secret.encode(), f"totp:{account_id}".encode())
    return nonce + sealed


def decrypt(blob: bytes, *, account_id: int) -> str:
    return AESGCM(settings.secret_key()).decrypt(blob[:12], blob[12:], f"totp:{account_id}".encode()).decode()


def provisioning_uri(secret: str, *, identifier: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=identifier, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped_key(secret: str) -> str:
    """The key for manual entry, in groups of four characters."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize_code(raw: str) -> str | None:
    """Six ASCII digits, optionally typed in two groups of three as authenticator apps display them."""
    candidate = (raw or "").strip()
    if len(candidate) == 7 and candidate[3] == " ":
        candidate = candidate[:3] + candidate[4:]
    if len(candidate) == DIGITS and candidate.isascii() and candidate.isdigit():
        return candidate
    return None


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step (within ±1 of now) whose code equals `code`, or None."""
    step = current_step(now)
    totp = pyotp.TOTP(secret)
    for candidate in (step, step - 1, step + 1):
        if pyotp.utils.strings_equal(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None
