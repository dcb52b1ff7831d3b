"""Patient lists whose search shows and holds only on the way back (GP on a phone, team on a tablet), and the long
phone pages made short: the GP's pathway (summary first, folding sections) and the patient's home (one tap to the
programme), measured at 390x844 through the real login with TOTP."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlmodel import select

from dcc_portal.models import Account, CareTeamMembership, Document, Patient, Professional
from tests.browser.helpers import assert_fits_width, enrol, login, shot, visit

PHONE_HEIGHT = 844


def count(page: Page) -> int:
    expect(page.get_by_test_id("result-count")).to_have_text(re.compile(r"^\d+ "))
    return int(page.get_by_test_id("result-count").inner_text().split()[0])


def search(page: Page, words: str) -> None:
    page.get_by_test_id("patient-search").fill(words)
    page.get_by_test_id("patient-search").press("Enter")
    expect(page.get_by_test_id("search-summary")).to_contain_text(f"Résultats pour « {words} »")


def expect_no_search(page: Page, everyone: int) -> None:
    expect(page.get_by_test_id("search-summary")).to_have_count(0)
    expect(page.get_by_test_id("result-count")).to_have_text(re.compile(rf"^{everyone} "))
    expect(page.get_by_test_id("patient-search")).to_have_value("")


def reconnect(page: Page) -> None:
    """The page's connection drops and comes back, as when a phone puts the page away and shows it again: Reflex closes
    the socket on `pagehide` and opens a new one (which may reach another backend worker) when the page is visible,
    hydrates the page again and runs its loaders again. Returns once they have run."""
    page.evaluate("""() => { window.__loadersRan = false;
        new MutationObserver(() => { if (document.querySelector('main[aria-busy=true]')) window.__loadersRan = true; })
            .observe(document.body, {attributes: true, subtree: true, attributeFilter: ['aria-busy']}); }""")
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function("() => window.__loadersRan && document.querySelector('main[aria-busy=false]') !== null")


def page_height(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def on_first_screen(page: Page, testid: str) -> None:
    """Visible without scrolling: inside the 390x844 viewport with the page scrolled to its top."""
    element = page.get_by_test_id(testid)
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert page.evaluate("() => window.scrollY") == 0
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT, (testid, box)


def family_of(server, *, gp: str) -> str:
    """A family name borne by one patient only among the GP's own patients."""
    with server.session() as db:
        professional_id = db.exec(select(Account.professional_id).where(Account.identifier == gp)).one()
        names = [p.used_family_name or p.birth_family_name for p in
                 db.exec(select(Patient).where(Patient.gp_professional_id == professional_id)).all()]
    return next(name for name in sorted(names) if names.count(name) == 1)


def test_the_gps_search_shows_and_holds_only_on_the_way_back(page_factory, server):
    gp = "mg.durand"
    secret = enrol(server, gp)
    family = family_of(server, gp=gp)
    page = page_factory("phone")
    login(page, server, gp, secret, lands_on="/gp")
    expect(page.get_by_test_id("patient-card").first).to_be_visible()
    everyone = count(page)

    # The search in force says so, with its clear button.
    search(page, family.lower())
    cards = page.get_by_test_id("patient-card")
    expect(cards).to_have_count(1)
    assert count(page) < everyone
    assert_fits_width(page)
    shot(page, "gp-search-summary-phone")

    # The connection comes back (on whichever backend worker): the page is loaded again, the search in force stays.
    reconnect(page)
    expect(page.get_by_test_id("search-summary")).to_contain_text(family.lower())
    expect(cards).to_have_count(1)

    # Back from a patient opened from the results (the page's link, then the phone's back): the search holds.
    cards.first.click()
    expect(page).to_have_url(re.compile(r"/gp/patient/?\?p=\w+&retour=1$"))
    expect(page.get_by_test_id("patient-name")).to_contain_text(family)
    page.get_by_test_id("back").click()
    expect(page).to_have_url(re.compile(r"/gp/?\?retour=1$"))
    expect(page.get_by_test_id("search-summary")).to_contain_text(family.lower())
    expect(cards).to_have_count(1)
    expect(page.get_by_test_id("patient-search")).to_have_value(family.lower())
    cards.first.click()
    expect(page.get_by_test_id("patient-name")).to_contain_text(family)
    page.go_back()
    expect(page.get_by_test_id("search-summary")).to_contain_text(family.lower())
    expect(cards).to_have_count(1)

    # Back on the list from the menu: every patient again.
    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("dialog").get_by_role("link", name="Mes patients").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect_no_search(page, everyone)

    # The clear button.
    search(page, family.lower())
    page.get_by_test_id("clear-search").click()
    expect_no_search(page, everyone)
    expect(page).to_have_url(re.compile(r"/gp/?$"))

    # A patient opened some other way (a notification, a link): its "back" does not bring an old search back.
    search(page, family.lower())
    href = cards.first.get_attribute("href")
    visit(page, href.replace("&retour=1", ""))
    expect(page.get_by_test_id("patient-name")).to_contain_text(family)
    page.get_by_test_id("back").click()
    expect_no_search(page, everyone)
    assert page.errors == []


def test_the_team_worklist_search_holds_only_on_the_way_back(page_factory, server):
    clinician = "onco.moreau"
    secret = enrol(server, clinician)
    with server.session() as db:
        professional_id = db.exec(select(Account.professional_id).where(Account.identifier == clinician)).one()
        patient = db.exec(select(Patient).join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
                          .where(CareTeamMembership.professional_id == professional_id).order_by(Patient.local_id)).first()
    page = page_factory("tablet")
    login(page, server, clinician, secret, lands_on="/team")
    expect(page.get_by_test_id("patient-card").first).to_be_visible()
    everyone = count(page)
    search(page, patient.ins)
    expect(page.get_by_test_id("patient-card")).to_have_count(1)
    shot(page, "team-search-summary-tablet")
    page.get_by_test_id("patient-card").first.click()
    expect(page.get_by_test_id("patient-name")).to_be_visible()
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("search-summary")).to_contain_text(patient.ins)
    expect(page.get_by_test_id("patient-card")).to_have_count(1)
    page.get_by_role("navigation").get_by_role("link", name="Ma liste de travail").click()
    expect_no_search(page, everyone)
    assert page.errors == []


def test_the_gps_pathway_opens_on_a_summary_then_the_timeline(page_factory, server):
    with server.session() as db:
        patient = db.exec(select(Patient).join(Account, Account.patient_id == Patient.id)
                          .where(Account.identifier == "patient.simon")).one()
        gp = db.exec(select(Account.identifier).join(Professional, Professional.id == Account.professional_id)
                     .where(Professional.id == patient.gp_professional_id)).one()
        programmes = db.exec(select(Document).where(Document.patient_id == patient.id, Document.kind == "pps")).all()
        assert programmes and not any(document.withheld_from_medecin_traitant for document in programmes)
    secret = enrol(server, gp)
    page = page_factory("phone")
    login(page, server, gp, secret, lands_on="/gp")
    expect(page.get_by_test_id("patient-card").first).to_be_visible()
    gp_list_height = page_height(page)
    visit(page, f"/gp/patient?p={patient.public_id}")

    # The first screen: who, the stage, the next dated step of the programme, what is new.
    expect(page.get_by_test_id("patient-name")).to_contain_text(patient.used_family_name or patient.birth_family_name)
    on_first_screen(page, "patient-name")
    on_first_screen(page, "summary-stage")
    expect(page.get_by_test_id("summary-stage")).to_contain_text("Étape du parcours : Traitement")
    on_first_screen(page, "summary-next-step")
    first_step = page.get_by_test_id("next-step").first
    when = first_step.locator("p").first.text_content()  # "day · time" of the programme's first step to come
    expect(page.get_by_test_id("summary-next-step")).to_contain_text(f"Prochaine étape : {when}")
    on_first_screen(page, "news-summary")
    # Then the timeline, open; the other sections fold.
    expect(page.get_by_test_id("timeline")).to_be_visible()
    assert page.get_by_test_id("section-pathway").bounding_box()["y"] < PHONE_HEIGHT  # begins on the first screen
    for section in ("documents", "next-steps", "delays", "announcement", "care-team"):
        expect(page.get_by_test_id(section)).not_to_have_attribute("open", "")
    expect(page.get_by_test_id("document-card").first).to_be_hidden()
    assert_fits_width(page)
    page.screenshot(path=str(shot(page, "gp-pathway-phone")).replace(".png", "-first-screen.png"))
    pathway_height = page_height(page)
    # Everything but the timeline (as long as the pathway) holds in a screen and a half: it was 5,100 px in all.
    rest = pathway_height - page.get_by_test_id("timeline").bounding_box()["height"]
    assert rest < 1.5 * PHONE_HEIGHT, (pathway_height, rest)
    page.get_by_test_id("section-documents").click()
    expect(page.get_by_test_id("document-card").first).to_be_visible()
    page.get_by_test_id("section-care-team").click()
    expect(page.get_by_test_id("contact-card").first).to_be_visible()
    print(f"heights at 390x844: GP list {gp_list_height}px, GP pathway folded {pathway_height}px, "
          f"with documents and care team open {page_height(page)}px")
    assert page.errors == []


def test_the_patient_reaches_the_programme_in_one_tap(page_factory, server):
    secret = enrol(server, "patient.simon")
    page = page_factory("phone")
    login(page, server, "patient.simon", secret, lands_on="/patient")
    on_first_screen(page, "to-pps")
    expect(page.get_by_test_id("to-pps")).to_contain_text("Mon programme de soins")
    assert_fits_width(page)
    page.screenshot(path=str(shot(page, "patient-home-phone")).replace(".png", "-first-screen.png"))
    home_height = page_height(page)
    page.get_by_test_id("to-pps").click()
    expect(page).to_have_url(re.compile(r"/patient/pps/?$"))
    expect(page.get_by_test_id("pps-unread")).to_be_visible()
    print(f"heights at 390x844: patient home {home_height}px, programme {page_height(page)}px")
    assert page.errors == []
