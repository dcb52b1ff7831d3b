"""Administrator journeys (accounts) and the user's own account page."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.demo.seed import DEMO_PASSWORD
from dcc_portal.models import Account, UserSession
from dcc_portal.services.common import identifiers
from dcc_portal.services.identity import totp
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

NEW_PASSWORD = "une phrase de passe assez longue"


def _open_create_form(page) -> None:
    page.get_by_role("button", name="Créer un compte professionnel").click()
    expect(page.get_by_label("RPPS (11 chiffres)")).to_be_visible()


def test_admin_creates_disables_and_resets_an_account(page_factory, server):
    admin_secret = enrol(server, "admin.dsrc")
    admin = page_factory("tablet")
    login(admin, server, "admin.dsrc", admin_secret, lands_on="/admin")
    _open_create_form(admin)
    admin.get_by_label("Identifiant", exact=True).fill("ide.nouvelle")
    admin.locator("#role").select_option("nurse")
    admin.get_by_label("Nom", exact=True).fill("Nouvelle")
    admin.get_by_label("Prénom").fill("Inès <script>alert(1)</script>")
    admin.get_by_label("RPPS (11 chiffres)").fill("12345678901")
    admin.locator("#specialty_code").select_option("G15_60")
    admin.locator("#organisation").select_option(index=1)
    admin.get_by_label("Mot de passe initial (à transmettre de façon sécurisée)").fill("court")
    admin.get_by_role("button", name="Créer", exact=True).first.click()
    expect(admin.get_by_test_id("rpps-error")).to_contain_text("RPPS invalide")
    expect(admin.get_by_test_id("initial_password-error")).to_contain_text("12 caractères")
    expect(admin.get_by_label("Nom", exact=True)).to_have_value("Nouvelle")  # nothing the admin typed is lost
    shot(admin, "admin-create-errors-tablet")
    with server.session() as db:
        assert db.exec(select(Account).where(Account.identifier == "ide.nouvelle")).first() is None

    admin.get_by_label("RPPS (11 chiffres)").fill(identifiers.with_rpps_check_digit("7777700001"))
    admin.get_by_label("Mot de passe initial (à transmettre de façon sécurisée)").fill(NEW_PASSWORD)
    admin.get_by_role("button", name="Créer", exact=True).first.click()
    expect(admin.get_by_test_id("notice")).to_contain_text("Compte créé")
    admin.get_by_label("Identifiant ou nom").fill("ide.nouvelle")
    admin.get_by_label("Identifiant ou nom").press("Enter")
    card = admin.get_by_test_id("account-card").filter(has_text="ide.nouvelle")
    expect(card).to_contain_text("Inès <script>alert(1)</script>")  # shown as text, not run
    expect(card).to_contain_text("À enrôler")
    assert_fits_width(admin)
    shot(admin, "admin-accounts-tablet")

    # The new nurse enrols at first login and works.
    nurse = page_factory("tablet")
    submit_password(nurse, "ide.nouvelle", NEW_PASSWORD)
    secret = nurse.get_by_test_id("enrol-key").inner_text().replace(" ", "")
    nurse.get_by_label("Code affiché par l'application").fill(totp.code_at(secret, totp.current_step()))
    nurse.get_by_test_id("enrol-submit").click()
    nurse.get_by_test_id("codes-done").click()
    nurse.get_by_test_id("charter-accept").click()
    expect(nurse).to_have_url(re.compile(r"/team/?$"))

    # Disabled: the open session ends at the nurse's next event.
    card.get_by_role("button", name="Désactiver").click()
    expect(card).to_contain_text("Désactivé")
    nurse.goto("/account")
    expect(nurse).to_have_url(re.compile(r"/login/?$"))
    submit_password(nurse, "ide.nouvelle", NEW_PASSWORD)
    expect(nurse.get_by_test_id("form-error")).to_contain_text("désactivé")

    # Re-enabled, then second factor reset: the next login enrols again.
    card.get_by_role("button", name="Réactiver").click()
    expect(card).to_contain_text("Actif")
    card.get_by_role("button", name="Réinitialiser le second facteur").click()
    expect(card).to_contain_text("À enrôler")
    submit_password(nurse, "ide.nouvelle", NEW_PASSWORD)
    expect(nurse.get_by_role("heading", name="Activez votre second facteur")).to_be_visible()

    admin_id = account(server, "admin.dsrc").id
    actions = {event.action for event in audit_events(server, action="account_create", account_id=admin_id)}
    actions |= {event.action for event in audit_events(server, action="account_disable", account_id=admin_id)}
    actions |= {event.action for event in audit_events(server, action="mfa_reset", account_id=admin_id)}
    assert actions == {"account_create", "account_disable", "mfa_reset"}


def test_account_page_password_change_and_sessions(page_factory, server, viewport):
    identifier = "pneumo.fontaine" if viewport == "phone" else "gastro.masson"
    secret = enrol(server, identifier)
    other = page_factory(viewport)
    login(other, server, identifier, secret, lands_on="/team")
    page = page_factory(viewport)
    login(page, server, identifier, secret, lands_on="/team")
    page.goto("/account")
    expect(page.get_by_text("cette session")).to_be_visible()
    assert_fits_width(page)
    shot(page, f"account-{viewport}")

    page.get_by_label("Mot de passe actuel").first.fill(DEMO_PASSWORD)
    page.get_by_label("Nouveau mot de passe (12 caractères au moins)").fill(NEW_PASSWORD)
    page.get_by_label("Confirmer le nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Code actuel de l'application").first.fill("000000")
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.get_by_test_id("code-error")).to_contain_text("Code incorrect")

    page.get_by_label("Code actuel de l'application").first.fill(fresh_code(server, identifier, secret))
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Mot de passe changé")
    with server.session() as db:
        row = db.exec(select(Account).where(Account.identifier == identifier)).one()
        open_sessions = db.exec(
            select(UserSession).where(UserSession.account_id == row.id, UserSession.revoked_at.is_(None))
        ).all()
    assert len(open_sessions) == 1, "the other sessions end when the password changes"
    other.goto("/team")
    expect(other).to_have_url(re.compile(r"/login/?$"))

    page.get_by_label("Mot de passe actuel").nth(1).fill(NEW_PASSWORD)
    page.get_by_label("Code actuel de l'application").nth(1).fill(fresh_code(server, identifier, secret))
    page.get_by_role("button", name="Générer 10 nouveaux codes").click()
    expect(page.get_by_test_id("new-code")).to_have_count(10)
    expect(page.get_by_test_id("codes-left")).to_contain_text("10")
    shot(page, f"account-new-codes-{viewport}")
    enrol(server, identifier)  # later tests expect the demo password again
    with server.session() as db:
        from dcc_portal.services.identity import passwords

        row = db.exec(select(Account).where(Account.identifier == identifier)).one()
        row.password_hash = passwords.hash_password(DEMO_PASSWORD)
        db.add(row)
