"""Deployment settings, read from the environment at call time."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder for the embedded database, the generated demo key and stored files (never served)."""
    path = Path(os.environ.get("DCC_DATA_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url() -> str:
    return os.environ.get("REFLEX_DB_URL") or f"sqlite:///{data_dir() / 'dcc.db'}"


def redis_url() -> str | None:
    return os.environ.get("REFLEX_REDIS_URL") or None


def port() -> int:
    return int(os.environ.get("PORT", "8000"))


def public_url() -> str:
    """The origin users reach the portal at (used for CORS and websocket origin checks)."""
    return os.environ.get("DCC_PUBLIC_URL", f"http://localhost:{port()}").rstrip("/")


def secret_key() -> bytes:
    """32-byte key that encrypts TOTP seeds.

    Production sets DCC_SECRET_KEY (base64). Without it a demo key is generated once
    in the data folder, which is never committed.
    """
    value = os.environ.get("DCC_SECRET_KEY")
    if value:
        return _decoded_key(value)
    key_file = data_dir() / "secret.key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return _decoded_key(key_file.read_text().strip())


def _decoded_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.encode())
    except ValueError:  # binascii.Error: not base64 at all
        key = b""
    if len(key) != 32:
        raise RuntimeError("DCC_SECRET_KEY must be 32 bytes, base64 encoded")
    return key



def psc_issuer() -> str:
    """Pro Santé Connect's issuer URL (its realm); empty turns PSC login off."""
    return os.environ.get("DCC_PSC_ISSUER", "").rstrip("/")


def psc_client_id() -> str:
    return os.environ.get("DCC_PSC_CLIENT_ID", "")


def psc_client_secret() -> str:
    return os.environ.get("DCC_PSC_CLIENT_SECRET", "")


def psc_redirect_url() -> str:
    """Registered with the ANS as the client's redirect URI."""
    return os.environ.get("DCC_PSC_REDIRECT_URL") or f"{public_url()}/api/psc/callback"


def psc_post_logout_url() -> str:
    return os.environ.get("DCC_PSC_POST_LOGOUT_URL") or f"{public_url()}/login"
