"""What the server answers at the HTTP level: websocket origin check, security headers, file tickets."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import expect

from dcc_portal.services.identity import sessions
from tests.browser.helpers import account, enrol, login, shot, visit


def _websocket_handshake(base_url: str, origin: str) -> str:
    """Status line of a raw websocket upgrade on Reflex's event endpoint."""
    url = urlparse(base_url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).decode(errors="replace").split("\r\n", 1)[0]


def test_websocket_from_the_portal_origin_is_accepted(server):
    assert " 101 " in _websocket_handshake(server.base_url, server.base_url)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:1", "null"])
def test_websocket_from_a_foreign_origin_is_refused(server, origin):
    assert " 101 " not in _websocket_handshake(server.base_url, origin)


def _policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("path", ["/login/", "/team/patient/", "/document/", "/gp/", "/nowhere"])
def test_pages_carry_security_headers(server, path):
    response = httpx.get(f"{server.base_url}{path}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code in (200, 404)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["cache-control"] == "no-store"
    policy = _policy(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert f"ws://{urlparse(server.base_url).netloc}" in policy["connect-src"]
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", response.text, re.S)
    assert inline, "the built page has inline scripts: each must be allowed by its hash"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts


def test_built_assets_may_be_cached_and_carry_the_headers(server):
    page = httpx.get(f"{server.base_url}/login/").text
    asset = re.search(r'src="(/assets/[^"]+\.js)"', page) or re.search(r'href="(/assets/[^"]+\.js)"', page)
    response = httpx.get(f"{server.base_url}{asset.group(1)}")
    assert response.status_code == 200
    assert response.headers.get("cache-control", "") != "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("ticket", ["nope", "A" * 43, "../../etc/passwd", "%00"])
def test_unknown_file_tickets_are_refused(server, ticket):
    response = httpx.get(f"{server.base_url}/api/files/{ticket}")
    assert response.status_code in (403, 404)
    assert "%PDF" not in response.text


# --- The pages work under the policy ---

def _watch_policy(page) -> list[str]:
    reported: list[str] = []
    page.on("console", lambda message: reported.append(message.text)
            if "Content Security Policy" in message.text or "EvalError" in message.text else None)
    page.on("pageerror", lambda error: reported.append(str(error)))
    return reported


def test_the_gp_journey_runs_under_the_policy(page_factory, server):
    from tests.browser.test_documents import _share_pdf_with_gp

    identifier = "mg.durand"
    secret = enrol(server, identifier)
    document_id, _pdf = _share_pdf_with_gp(server, identifier)
    page = page_factory("tablet")
    reported = _watch_policy(page)
    login(page, server, identifier, secret, lands_on="/gp")
    page.goto(f"/document?d={document_id}")
    expect(page.get_by_test_id("document-title")).to_have_text("Scanner thoraco-abdominal")
    expect(page.get_by_test_id("document-frame")).to_be_visible()
    shot(page, "csp-document-reader-tablet")
    page.get_by_test_id("open-view").click()
    expect(page).to_have_url(re.compile(r"/api/files/"))
    page.go_back()
    expect(page.get_by_test_id("document-title")).to_be_visible()
    page.wait_for_timeout(1000)
    expect(page).to_have_url(re.compile(r"/document/?\?d="))
    assert not reported, reported


def test_the_team_journey_runs_under_the_policy(page_factory, server):
    identifier = "onco.benali"
    secret = enrol(server, identifier)
    page = page_factory("tablet")
    reported = _watch_policy(page)
    login(page, server, identifier, secret, lands_on="/team")
    page.get_by_test_id("patient-card").first.click()
    expect(page).to_have_url(re.compile(r"/team/patient/?\?p="))
    expect(page.locator("main[aria-busy=false]")).to_have_count(1)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_timeout(500)
    shot(page, "csp-team-patient-documents-tablet")
    visit(page, "/account")
    visit(page, "/notifications")
    assert not reported, reported


# --- Robustness of the event and upload endpoints ---

def _signed_in_cookie(server, identifier: str, agent: str) -> str:
    with server.session() as db:
        return sessions.open_session(db, account_id=account(server, identifier).id, client_ip="127.0.0.1",
                                     user_agent=agent)


def _upload(server, *, cookie: str = "", agent: str = "upload-test", token: str = "") -> httpx.Response:
    from dcc_portal.state.reports import TeamDocumentsState

    headers = {"User-Agent": agent, "Reflex-Client-Token": token or str(uuid.uuid4()),
               "Reflex-Event-Handler": f"{TeamDocumentsState.get_full_name()}.stage_file"}
    if cookie:
        headers["Cookie"] = f"dcc_session={cookie}"
    return httpx.post(f"{server.base_url}/_upload", headers=headers, timeout=30,
                      files={"files": ("report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})


def test_an_upload_without_a_session_gets_a_complete_4xx(server):
    answer = _upload(server)
    assert answer.status_code == 401
    assert answer.text and int(answer.headers["content-length"]) == len(answer.content)
    assert answer.headers["cache-control"] == "no-store"


def test_an_upload_for_an_unknown_tab_gets_a_4xx(server):
    agent = "upload-test-unknown-tab"
    answer = _upload(server, cookie=_signed_in_cookie(server, "chir.lambert", agent), agent=agent)
    assert 400 <= answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text


def test_setvar_from_a_client_is_refused_with_one_line_in_the_log(server):
    from bench.reflex_client import LOGIN, ReflexClient

    logged_before = server.log.read_text(errors="replace")

    async def probe():
        client = ReflexClient(server.base_url)
        await client.connect("/login")
        for value in ("codes", "enrol", "codes"):
            await client.emit(f"{LOGIN}.setvar", {"var_name": "step", "value": value})
        await asyncio.sleep(2)
        step = client.get(LOGIN, "step")
        await client.close()
        return step

    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API may hold an event loop in this thread
        assert pool.submit(asyncio.run, probe()).result() == "password"
    added = server.log.read_text(errors="replace")[len(logged_before):]
    assert added.count("refused a setvar event") == 3
    assert "Traceback" not in added
