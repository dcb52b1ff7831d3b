"""Browser-test helpers: real logins through both factors, screenshots, layout checks."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect
from sqlmodel import select

from dcc_portal.demo.seed import DEMO_PASSWORD
from dcc_portal.models import Account, AuditEvent, utcnow
from dcc_portal.services.access import charter
from dcc_portal.services.identity import totp

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def account(server, identifier: str) -> Account:
    with server.session() as session:
        return session.exec(select(Account).where(Account.identifier == identifier)).one()


def enrol(server, identifier: str, *, accept_charter: bool = True) -> str:
    """Give a demo account a known TOTP seed (as if enrolled) so a test can log in with real codes."""
    secret = pyotp.random_base32(32)
    with server.session() as session:
        row = session.exec(select(Account).where(Account.identifier == identifier)).one()
        row.totp_secret_enc = totp.encrypt(secret, account_id=row.id)
        row.totp_pending_enc = None
        row.totp_enrolled_at = utcnow()
        row.totp_last_step = None
        row.failed_count = 0
        row.locked_until = None
        session.add(row)
        current = charter.current(session)
        if accept_charter and current is not None:
            from dcc_portal.models import CharterAcceptance

            session.add(CharterAcceptance(account_id=row.id, charter_version_id=current.id))
    return secret


def fresh_code(server, identifier: str, secret: str) -> str:
    """A code the server will accept: a time step after the last one used, within the ±1 window. The step before the
    current one is offered only while it cannot leave the window before the code is checked."""
    while True:
        last = account(server, identifier).totp_last_step
        now = time.time()
        step = totp.current_step(now)
        left = totp.STEP_SECONDS - now % totp.STEP_SECONDS  # seconds until the next step
        early = (step - 1,) if left > 10 else ()
        for candidate in (*early, step, step + 1):
            if last is None or candidate > last:
                return totp.code_at(secret, candidate)
        time.sleep(left + 0.2)


def loaded(page: Page) -> None:
    """Wait until the page's on_load events (on an area page, the guard then its loaders) have answered: every page
    marks itself aria-busy until then."""
    expect(page.locator("[aria-busy=false]")).to_have_count(1)


def submit_password(page: Page, identifier: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    loaded(page)  # typed before hydration, the form may be re-created
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_test_id("login-submit").click()


def login(page: Page, server, identifier: str, secret: str, *, lands_on: str | None = None) -> None:
    submit_password(page, identifier)
    page.get_by_label("Code à 6 chiffres").fill(fresh_code(server, identifier, secret))
    page.get_by_test_id("code-submit").click()
    # The login ends with a page load (the server sets the session cookie): wait until the area page is ready, as a
    # click before that would be lost.
    expect(page).not_to_have_url(re.compile(r"/(login|api/session)/?$"), timeout=30_000)
    expect(page.locator("main[aria-busy=false]")).to_have_count(1)
    if lands_on:
        expect(page).to_have_url(re.compile(rf"{re.escape(lands_on)}/?$"))


def visit(page: Page, path: str) -> None:
    """Open an area page and wait until its loaders have run: a click or a search typed before that would be lost."""
    page.goto(path)
    expect(page.locator("main[aria-busy=false]")).to_have_count(1)


def assert_fits_width(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"horizontal scrolling on {page.url}: {overflow}px too wide"


def audit_events(server, *, action: str, account_id: int | None = None) -> list[AuditEvent]:
    with server.session() as session:
        statement = select(AuditEvent).where(AuditEvent.action == action)
        if account_id is not None:
            statement = statement.where(AuditEvent.account_id == account_id)
        return list(session.exec(statement.order_by(AuditEvent.seq)).all())
