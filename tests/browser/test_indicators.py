"""The network indicators on a tablet: the administrator opens Indicateurs, charts the sessions held, filters on one
RCP and sees the chart, its table and the breakdown follow, then downloads the CSV of what is shown; the reading and
the export are audited and axe finds nothing serious. A clinician who coordinates no RCP is not offered the area."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import account, assert_fits_width, audit_events, enrol, login, shot
from tests.browser.test_accessibility import _serious


def test_administrator_filters_and_exports_the_indicators_on_a_tablet(page_factory, server):
    secret = enrol(server, "admin.dsrc")
    page = page_factory("tablet")
    login(page, server, "admin.dsrc", secret)
    page.get_by_role("link", name="Indicateurs").first.click()
    expect(page).to_have_url(re.compile(r"/indicators/?$"))
    expect(page.get_by_test_id("indicators-summary")).to_contain_text("tout le réseau")

    sessions = page.get_by_test_id("indicator-card").filter(has_text="Séances tenues")
    sessions.get_by_role("button", name="Voir la tendance").click()
    expect(page.get_by_test_id("indicator-chart-title")).to_contain_text("Séances tenues")
    expect(page.get_by_test_id("indicator-chart").locator(".recharts-bar-rectangle").first).to_be_visible()
    breakdown = page.get_by_test_id("indicator-breakdown")
    expect(breakdown).to_contain_text("RCP thoracique")
    network_total = sessions.get_by_test_id("indicator-value").inner_text()

    page.locator("select#rcp").select_option(label="RCP digestive")
    page.get_by_test_id("indicators-apply").click()
    expect(breakdown.locator("tbody tr")).to_have_count(1)
    expect(breakdown).to_contain_text("RCP digestive")
    expect(breakdown).not_to_contain_text("RCP thoracique")
    digestive_total = sessions.get_by_test_id("indicator-value").inner_text()
    assert int(digestive_total) < int(network_total)
    expect(page.get_by_test_id("indicator-trend-table").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("indicator-chart").locator(".recharts-bar-rectangle").first).to_be_visible()
    assert_fits_width(page)
    assert _serious(page) == []
    shot(page, "indicators-admin-rcp-tablet")

    with page.expect_download() as download_info:
        page.get_by_test_id("indicators-export").click()
    assert download_info.value.suggested_filename.endswith(".csv")
    lines = open(download_info.value.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[:2] == ["Indicateurs du réseau", f"Période;{page.get_by_test_id('indicators-summary').inner_text().split(' · ')[0]}"]
    assert "RCP;RCP digestive" in lines and "Périmètre;tout le réseau" in lines
    assert f"Séances tenues;{digestive_total};;;" in lines
    sessions_breakdown = lines[lines.index("Répartition par RCP : Séances tenues") + 2]
    assert sessions_breakdown.startswith("RCP digestive;") and not any(line.startswith("RCP thoracique;") for line in lines)
    assert "Répartition par profil : Professionnels actifs" in lines

    # The use of the portal, network-wide: the RCP filter does not apply to it, and the page says so.
    use = page.get_by_test_id("indicators-use")
    expect(use).to_contain_text("ne s'appliquent pas")
    use.get_by_test_id("indicator-card").filter(has_text="Professionnels actifs").get_by_role(
        "button", name="Voir la tendance").click()
    expect(page.get_by_test_id("indicator-chart-title")).to_contain_text("Professionnels actifs")
    # broken down by profile (its rows are the logins counted at the summaries' last refresh, which may precede ours)
    expect(page.get_by_test_id("indicator-breakdown").get_by_role("columnheader").first).to_have_text("Profil")
    use.scroll_into_view_if_needed()
    assert_fits_width(page)
    shot(page, "indicators-use-tablet")

    admin = account(server, "admin.dsrc")
    details = [event.detail for event in audit_events(server, action="read", account_id=admin.id)]
    assert any(detail.startswith("indicateurs du réseau") and "rcp=*" not in detail for detail in details)
    exports = [event for event in audit_events(server, action="export", account_id=admin.id)
               if event.detail.startswith("export CSV des indicateurs")]
    assert len(exports) == 1 and "rcp=*" not in exports[0].detail and exports[0].patient_id is None

    # A surgeon sitting in the thoracic RCP without coordinating it: no link, and the address is refused (audited).
    secret = enrol(server, "chir.fabre")
    surgeon = page_factory("tablet")
    login(surgeon, server, "chir.fabre", secret)
    expect(surgeon.get_by_role("link", name="Rechercher un dossier").first).to_be_visible()
    expect(surgeon.get_by_role("link", name="Indicateurs")).to_have_count(0)
    surgeon.goto("/indicators")
    expect(surgeon).to_have_url(re.compile(r"/forbidden/?$"))
    refused = [event for event in audit_events(server, action="read", account_id=account(server, "chir.fabre").id)
               if event.outcome == "denied"]
    assert [event.detail for event in refused] == ["indicateurs du réseau : ni secrétariat ni coordination de RCP"]
