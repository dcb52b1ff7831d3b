"""The login session lives in an HttpOnly, SameSite=Strict cookie: page scripts cannot read it, another site cannot
send it, and a copy of it does not work in another browser."""

from __future__ import annotations

import asyncio
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.demo.seed import DEMO_PASSWORD
from dcc_portal.models import UserSession
from tests.browser.helpers import account, enrol, fresh_code, login, shot


def _session_cookie(page) -> dict:
    return next(cookie for cookie in page.context.cookies() if cookie["name"] == "dcc_session")


def _active_hashes(server, identifier: str) -> set[str]:
    account_id = account(server, identifier).id
    with server.session() as db:
        return set(db.exec(select(UserSession.token_hash).where(UserSession.account_id == account_id,
                                                                 UserSession.revoked_at.is_(None))).all())


def test_page_scripts_hold_nothing_that_grants_access(page_factory, server):
    identifier = "mg.garnier"
    secret = enrol(server, identifier)
    page = page_factory("phone")
    login(page, server, identifier, secret, lands_on="/gp")

    cookie = _session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert hashlib.sha256(cookie["value"].encode()).hexdigest() in _active_hashes(server, identifier)
    visible = page.evaluate("""() => ({
        cookie: document.cookie,
        stored: [localStorage, sessionStorage].flatMap(store => Object.keys(store).flatMap(key => [key, store.getItem(key)])),
    })""")
    assert cookie["value"] not in visible["cookie"] and "dcc_session" not in visible["cookie"]
    held = [visible["cookie"], *(value or "" for value in visible["stored"])]
    hashes = _active_hashes(server, identifier)
    for value in held:
        for candidate in {value, *re.findall(r"[A-Za-z0-9_-]{20,}", value)}:
            assert hashlib.sha256(candidate.encode()).hexdigest() not in hashes, "a page script can read a session token"

    page.reload()  # the cookie, not the page's storage, keeps the user signed in
    expect(page.get_by_role("button", name="Ouvrir le menu")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/gp/?$"))
    shot(page, "session-cookie-gp-phone")

    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("dialog").get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert not [c for c in page.context.cookies() if c["name"] == "dcc_session" and c["value"]]


def test_a_copied_cookie_does_not_work_in_another_browser(browser, page_factory, server):
    identifier = "mg.vidal"
    secret = enrol(server, identifier)
    page = page_factory("tablet")
    login(page, server, identifier, secret, lands_on="/gp")
    stolen = _session_cookie(page)

    thief = browser.new_context(base_url=server.base_url, user_agent="Mozilla/5.0 (X11; Linux x86_64) Thief/1.0")
    try:
        thief.add_cookies([{k: stolen[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
        other = thief.new_page()
        other.goto("/gp")
        expect(other).to_have_url(re.compile(r"/login/?$"))
    finally:
        thief.close()
    with server.session() as db:
        row = db.exec(select(UserSession).where(
            UserSession.token_hash == hashlib.sha256(stolen["value"].encode()).hexdigest())).one()
    assert row.revoke_reason == "other_browser"
    page.goto("/gp")
    expect(page).to_have_url(re.compile(r"/login/?$"))


def test_the_cookie_routes_refuse_other_sites(server):
    for headers in ({"Origin": "https://evil.example"}, {"Origin": server.base_url, "Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"}, {}):
        for path in ("/api/session", "/api/session/end"):
            answer = httpx.post(f"{server.base_url}{path}", data={"handoff": "x" * 43}, headers=headers)
            assert answer.status_code == 403, (path, headers)
            assert "dcc_session" not in answer.headers.get("set-cookie", "")


def test_an_unknown_handoff_sets_no_session(server):
    answer = httpx.post(f"{server.base_url}/api/session", data={"handoff": "y" * 43},
                        headers={"Origin": server.base_url})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert httpx.Cookies(answer.cookies).get("dcc_session") in (None, "")


def test_the_protocol_client_logs_in_through_the_handoff(server):
    """The benchmarks' and crash test's client does what the login page does, and its cookie opens the area."""
    from bench.reflex_client import SESSION, ReflexClient

    identifier = "pneumo.fontaine"
    secret = enrol(server, identifier)

    async def sign_in():
        client = ReflexClient(server.base_url)
        await client.connect("/login")

        async def code(attempt: int) -> str:
            return fresh_code(server, identifier, secret)

        _password, _code, home = await client.login(identifier, DEMO_PASSWORD, code)
        name = client.get(SESSION, "user_name")
        await client.close()
        return home, name, client.session_token

    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API may hold an event loop in this thread
        home, name, token = pool.submit(asyncio.run, sign_in()).result()
    assert home == "/team" and name
    assert hashlib.sha256(token.encode()).hexdigest() in _active_hashes(server, identifier)
