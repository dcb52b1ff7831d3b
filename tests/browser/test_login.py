"""Login journeys through the real production server: enrolment, TOTP, wrong codes, lock, recovery codes, logout."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import Account, UserSession, utcnow
from dcc_portal.services.identity import auth, totp
from tests.browser.helpers import (
    account,
    assert_fits_width,
    audit_events,
    enrol,
    fresh_code,
    login,
    shot,
    submit_password,
)

FIRST_LOGIN = {"phone": "ide.robin", "tablet": "ide.marchand"}


def test_first_login_enrols_totp_then_shows_recovery_codes_once(page_factory, server, viewport):
    identifier = FIRST_LOGIN[viewport]
    page = page_factory(viewport)
    submit_password(page, identifier)

    expect(page.get_by_role("heading", name="Activez votre second facteur")).to_be_visible()
    qr = page.get_by_test_id("enrol-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code image did not render"
    secret = page.get_by_test_id("enrol-key").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), "the manual key must be the 160-bit base32 seed"
    assert_fits_width(page)
    shot(page, f"login-enrol-{viewport}")

    page.get_by_label("Code affiché par l'application").fill("12345")
    page.get_by_test_id("enrol-submit").click()
    expect(page.get_by_test_id("code-error")).to_have_text("Le code doit comporter 6 chiffres.")

    page.get_by_label("Code affiché par l'application").fill(totp.code_at(secret, totp.current_step()))
    page.get_by_test_id("enrol-submit").click()
    codes = page.get_by_test_id("recovery-code")
    expect(codes).to_have_count(10)
    values = codes.all_inner_texts()
    assert len(set(values)) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", v) for v in values)
    assert_fits_width(page)
    shot(page, f"login-recovery-codes-{viewport}")

    page.get_by_test_id("codes-done").click()
    expect(page).to_have_url(re.compile(r"/charter/?$"))
    shot(page, f"charter-{viewport}")
    page.get_by_test_id("charter-accept").click()
    expect(page).to_have_url(re.compile(r"/team/?$"))
    expect(page.get_by_test_id("patient-card").first).to_be_visible()
    assert_fits_width(page)
    shot(page, f"team-worklist-{viewport}")

    row = account(server, identifier)
    assert row.totp_secret_enc is not None and secret.encode() not in row.totp_secret_enc
    page.goto("/account")
    expect(page.get_by_test_id("codes-left")).to_contain_text("10")
    expect(page.get_by_test_id("recovery-code")).to_have_count(0)


def test_later_login_with_totp_and_wrong_codes(page_factory, server, viewport):
    identifier = "mg.garnier"
    secret = enrol(server, identifier)
    page = page_factory(viewport)
    submit_password(page, identifier)
    expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible()
    shot(page, f"login-code-{viewport}")

    right = fresh_code(server, identifier, secret)
    wrong = "".join(str((int(ch) + 1) % 10) for ch in right)
    page.get_by_label("Code à 6 chiffres").fill(wrong)
    page.get_by_test_id("code-submit").click()
    expect(page.get_by_test_id("code-error")).to_contain_text("Code incorrect")
    shot(page, f"login-wrong-code-{viewport}")
    for bad, message in (("", "6 chiffres"), ("1234567", "6 chiffres"), ("١٢٣٤٥٦", "6 chiffres")):
        page.get_by_label("Code à 6 chiffres").fill(bad)
        page.get_by_test_id("code-submit").click()
        expect(page.get_by_test_id("code-error")).to_contain_text(message)
    # The same message is already on screen from the attempt before: wait for the last attempt to be counted.
    for _ in range(50):
        if account(server, identifier).failed_count == 4:
            break
        page.wait_for_timeout(200)
    assert account(server, identifier).failed_count == 4

    page.get_by_label("Code à 6 chiffres").fill(fresh_code(server, identifier, secret))
    page.get_by_test_id("code-submit").click()
    expect(page).to_have_url(re.compile(r"/gp/?$"))
    expect(page.get_by_test_id("patient-card").first).to_be_visible()
    assert_fits_width(page)
    shot(page, f"gp-home-{viewport}")
    assert account(server, identifier).failed_count == 0


def test_reused_code_is_refused(page_factory, server):
    identifier = "mg.vidal"
    secret = enrol(server, identifier)
    first = page_factory("phone")
    code = fresh_code(server, identifier, secret)
    submit_password(first, identifier)
    first.get_by_label("Code à 6 chiffres").fill(code)
    first.get_by_test_id("code-submit").click()
    expect(first).to_have_url(re.compile(r"/gp/?$"))

    second = page_factory("phone")
    submit_password(second, identifier)
    second.get_by_label("Code à 6 chiffres").fill(code)
    second.get_by_test_id("code-submit").click()
    expect(second.get_by_test_id("code-error")).to_contain_text("déjà été utilisé")


def test_lock_after_repeated_failures_refuses_even_correct_credentials(page_factory, server, viewport):
    identifier = "mg.faure"
    enrol(server, identifier)
    with server.session() as session:
        row = session.exec(select(Account).where(Account.identifier == identifier)).one()
        row.failed_count = auth.LOCK_AFTER - 1
        row.last_failed_at = utcnow() - timedelta(hours=2)
        session.add(row)
    page = page_factory(viewport)
    submit_password(page, identifier, "not the right password")
    expect(page.get_by_test_id("form-error")).to_have_text(auth.GENERIC_FAILURE)

    submit_password(page, identifier)
    expect(page.get_by_test_id("form-error")).to_contain_text("Compte verrouillé")
    assert_fits_width(page)
    shot(page, f"login-locked-{viewport}")
    row = account(server, identifier)
    assert row.locked_until is not None and row.totp_last_step is None
    assert audit_events(server, action="login_failed", account_id=row.id)[-1].detail == "tentative pendant un blocage"
    enrol(server, identifier)  # leaves the account usable for other tests


def _enrol_with_recovery_codes(server, identifier: str) -> tuple[str, list[str]]:
    with server.session() as session:
        row = session.exec(select(Account).where(Account.identifier == identifier)).one()
        auth.reset_second_factor(session, account=row, now=utcnow())
        auth.start_enrolment(session, account_id=row.id)
        secret = totp.decrypt(row.totp_pending_enc, account_id=row.id)
        result, codes = auth.confirm_enrolment(
            session, account_id=row.id, code=totp.code_at(secret, totp.current_step() - 1), client_ip="127.0.0.1"
        )
        assert result.ok
    return secret, codes


def test_recovery_code_login_is_single_use(page_factory, server, viewport):
    identifier = "mg.renaud"
    _secret, codes = _enrol_with_recovery_codes(server, identifier)
    enrol_charter = account(server, identifier)
    assert enrol_charter.totp_secret_enc is not None

    page = page_factory(viewport)
    submit_password(page, identifier)
    page.get_by_test_id("use-recovery").click()
    expect(page.get_by_role("heading", name="Code de secours")).to_be_visible()
    shot(page, f"login-recovery-{viewport}")
    page.get_by_label("Code de secours").fill(codes[0])
    page.get_by_test_id("recovery-submit").click()
    expect(page.get_by_text("Il vous reste 9 code(s) de secours")).to_be_visible()
    page.get_by_test_id("login-continue").click()
    expect(page).to_have_url(re.compile(r"/(charter|gp)/?$"))
    assert audit_events(server, action="recovery_code_used", account_id=enrol_charter.id)

    other = page_factory(viewport)
    submit_password(other, identifier)
    other.get_by_test_id("use-recovery").click()
    other.get_by_label("Code de secours").fill(codes[0])
    other.get_by_test_id("recovery-submit").click()
    expect(other.get_by_test_id("recovery-error")).to_contain_text("déjà utilisé")


def test_logout_ends_the_server_session(page_factory, server, viewport):
    identifier = "mg.colin"
    secret = enrol(server, identifier)
    page = page_factory(viewport)
    login(page, server, identifier, secret, lands_on="/gp")
    if viewport == "phone":
        page.get_by_role("button", name="Ouvrir le menu").click()
        shot(page, f"nav-drawer-{viewport}")
        page.get_by_role("dialog").get_by_role("button", name="Se déconnecter").click()
    else:
        page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    with server.session() as session:
        row = session.exec(select(Account).where(Account.identifier == identifier)).one()
        latest = session.exec(
            select(UserSession).where(UserSession.account_id == row.id).order_by(UserSession.id.desc())
        ).first()
        assert latest.revoked_at is not None and latest.revoke_reason == "logout"
    page.goto("/gp")
    expect(page).to_have_url(re.compile(r"/login/?$"))
