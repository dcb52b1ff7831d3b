"""axe-core on the main screens of each area: no serious or critical violation (labels, contrast, names)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import enrol, loaded, login

AREAS = [
    ("mg.colin", "/gp", ["/gp", "/notifications", "/account"]),
    ("onco.benali", "/team", ["/team", "/account"]),
    ("patient.morel", "/patient", ["/patient", "/patient/profile"]),
    ("admin.dsrc", "/admin", ["/admin", "/admin/organisations", "/admin/care-teams"]),
]


def _serious(page) -> list[str]:
    loaded(page)
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
        + "; ".join(node["target"][0] + " " + node["html"][:120] + " " + node.get("failureSummary", "")[-90:] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_login_page_is_accessible(page_factory):
    page = page_factory("phone")
    page.goto("/login")
    expect(page.get_by_label("Identifiant")).to_be_visible()
    assert _serious(page) == []


@pytest.mark.parametrize(("identifier", "home", "routes"), AREAS, ids=[area[0] for area in AREAS])
def test_area_screens_are_accessible(page_factory, server, identifier, home, routes):
    secret = enrol(server, identifier)
    page = page_factory("tablet" if identifier.startswith(("onco", "admin")) else "phone")
    login(page, server, identifier, secret, lands_on=home)
    problems = {}
    for route in routes:
        page.goto(route)
        found = _serious(page)
        if found:
            problems[route] = found
    assert problems == {}
