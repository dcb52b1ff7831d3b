"""Pro Santé Connect on a phone: a GP signs in through the local provider (picking herself on its e-CPS-like page)
and lands on "Mes patients"; logging out also ends the PSC session."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import account, assert_fits_width, audit_events, enrol, shot


def test_a_gp_signs_in_with_pro_sante_connect_on_a_phone(page_factory, server):
    enrol(server, "mg.vidal")  # the charter accepted (PSC replaces the password and the code, not the charter)
    page = page_factory("phone")
    page.goto("/login")
    expect(page.get_by_text("Professionnel de santé ?")).to_be_visible()
    shot(page, "psc-login-phone")
    page.get_by_test_id("psc-login").click()

    expect(page.get_by_role("heading", name=re.compile("Pro Santé Connect"))).to_be_visible()
    shot(page, "psc-provider-phone")
    page.get_by_role("button", name=re.compile("Yann VIDAL")).click()

    expect(page).to_have_url(re.compile(r"/gp/?$"), timeout=30_000)
    expect(page.locator("main[aria-busy=false]")).to_have_count(1)
    expect(page.get_by_role("heading", name="Mes patients")).to_be_visible()
    assert_fits_width(page)
    shot(page, "psc-gp-phone")
    gp = account(server, "mg.vidal")
    assert audit_events(server, action="login", account_id=gp.id)[-1].detail.startswith("Pro Santé Connect (acr eidas1")

    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("dialog").get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="Me déconnecter").click()  # PSC's own end-session confirmation
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert not [c for c in page.context.cookies() if c["name"] == "dcc_session" and c["value"]]

    page.goto("/login?psc=unknown")  # how a refused PSC login comes back
    expect(page.get_by_text("aucun compte du portail ne correspond")).to_be_visible()
