"""The local Pro Santé Connect: starts `psc_provider.mjs` (oidc-provider on Node.js) with its configuration, its
signing keys and the professionals it knows (its stand-in for the national directory, keyed by RPPS)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from joserfc.jwk import RSAKey

from dcc_portal import settings

SCRIPT = Path(__file__).with_name("psc_provider.mjs")
MODULE = settings.PROJECT_ROOT / ".tools" / "oidc" / "node_modules" / "oidc-provider" / "lib" / "index.js"
REALM_PATH = "/auth/realms/esante-wallet"
DEMO_CLIENT_ID = "dcc-portal-demo"


@dataclass(frozen=True)
class KnownProfessional:
    rpps: str
    given_name: str
    family_name: str
    profession_code: str = "10"  # médecin (TRE_G15-ProfessionSante)
    specialty_code: str = ""
    organisation: str = ""
    civility: str = "DR"


def issuer_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{REALM_PATH}"


def new_signing_key() -> dict:
    key = RSAKey.generate_key(2048, private=True).as_dict(private=True)
    return {**key, "kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}


def load_keys(path: Path) -> list[dict]:
    """The provider's private keys: the first signs, the second is published ahead of the next rotation."""
    if not path.exists():
        rotate_keys(path)
    return json.loads(path.read_text())["keys"]


def rotate_keys(path: Path) -> list[dict]:
    """The published next key becomes the signing key and a new next key is published (`psc-peer --rotate-keys`)."""
    keys = json.loads(path.read_text())["keys"][1:] if path.exists() else [new_signing_key()]
    keys = [keys[0], new_signing_key()]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"keys": keys}, handle)
    return keys


def write_config(path: Path, *, host: str, port: int, client_id: str, client_secret: str, redirect_uris: list[str],
                 post_logout_redirect_uris: list[str], professionals: list[KnownProfessional], keys: list[dict]) -> None:
    config = {
        "module": str(MODULE),
        "host": host,
        "port": port,
        "issuer": issuer_url(host, port),
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
        "professionals": [asdict(pro) for pro in professionals],
        "keys": keys,
        "cookie_key": secrets.token_urlsafe(32),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle)


def command(config_path: Path) -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is needed for the local Pro Santé Connect")
    if not MODULE.exists():
        raise RuntimeError(f"oidc-provider is not installed ({MODULE}): run `make setup`")
    return [node, str(SCRIPT), str(config_path)]


def wait_until_up(issuer: str, *, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError("the local Pro Santé Connect exited at start")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the local Pro Santé Connect did not start")
