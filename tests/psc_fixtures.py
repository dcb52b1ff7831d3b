"""The local Pro Santé Connect (oidc-provider on Node.js) for the tests, and a user agent that goes through its login
page the way a browser does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from dcc_portal.peers import psc as psc_peer
from dcc_portal.peers.psc import KnownProfessional
from tests.servers import free_port

CLIENT_ID = "dcc-portal-test"


class PscPeer:
    def __init__(self, folder: Path, *, redirect_uri: str, post_logout_uri: str, professionals: list[KnownProfessional]):
        self.folder = Path(folder)
        self.port = free_port()
        self.issuer = psc_peer.issuer_url("127.0.0.1", self.port)
        self.client_secret = "test-secret-" + self.folder.name
        self.redirect_uri = redirect_uri
        self.post_logout_uri = post_logout_uri
        self.professionals = professionals
        self.keys_path = self.folder / "psc-keys.json"
        self.process: subprocess.Popen | None = None

    def start(self) -> PscPeer:
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = psc_peer.load_keys(self.keys_path)
        config = self.folder / "psc-peer.json"
        psc_peer.write_config(config, host="127.0.0.1", port=self.port, client_id=CLIENT_ID,
                              client_secret=self.client_secret, redirect_uris=[self.redirect_uri],
                              post_logout_redirect_uris=[self.post_logout_uri], professionals=self.professionals,
                              keys=keys)
        log = open(self.folder / "psc-peer.log", "ab")
        self.process = subprocess.Popen(psc_peer.command(config), stdout=log, stderr=subprocess.STDOUT)
        psc_peer.wait_until_up(self.issuer, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def signing_key(self) -> dict:
        return psc_peer.load_keys(self.keys_path)[0]

    def env(self) -> dict[str, str]:
        return {"DCC_PSC_ISSUER": self.issuer, "DCC_PSC_CLIENT_ID": CLIENT_ID,
                "DCC_PSC_CLIENT_SECRET": self.client_secret, "DCC_PSC_REDIRECT_URL": self.redirect_uri,
                "DCC_PSC_POST_LOGOUT_URL": self.post_logout_uri}


_FORM = re.compile(r'<form method="post" action="([^"]+)"')


def through_provider(authorization_url: str, *, idnps: str | None, redirect_uri: str) -> dict[str, str]:
    """Follow the authorization URL to the provider's login page, pick the professional (None: cancel) and return the
    query PSC sends back to the redirect URI (code or error, state, iss)."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorization_url)
        while response.status_code in (302, 303) and not response.headers["location"].startswith(redirect_uri):
            response = browser.get(urljoin(str(response.url), response.headers["location"]))
        if response.status_code == 200:
            login_action, abort_action = _FORM.findall(response.text)
            if idnps is None:
                response = browser.post(urljoin(str(response.url), abort_action))
            else:
                response = browser.post(urljoin(str(response.url), login_action), data={"idnps": idnps})
            while response.status_code in (302, 303) and not response.headers["location"].startswith(redirect_uri):
                response = browser.get(urljoin(str(response.url), response.headers["location"]))
        location = response.headers.get("location", "")
        assert location.startswith(redirect_uri), (response.status_code, response.text[:500])
        return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
