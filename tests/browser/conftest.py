"""Browser tests: the production server (`reflex run --env prod --single-port`) on a temporary database
loaded with the demo region, driven by Playwright with Debian's Chromium.

TEST_DATABASE=postgres runs the same server as in production: PostgreSQL, Reflex's state in Redis and
several backend workers (BROWSER_WORKERS, default 3), so an event may land on any worker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from dcc_portal import db as dbmod
from dcc_portal import migrate
from dcc_portal.demo import psc as demo_psc
from dcc_portal.demo import seed
from tests.psc_fixtures import PscPeer
from tests.servers import Portal

# An answer awaited from the server (a guard's redirect, a list loaded) may take longer than Playwright's 5 s
# default on a loaded two-core machine with three workers; what is asserted does not change.
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
VIEWPORTS = {"phone": PHONE, "tablet": TABLET}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
WORKERS = int(os.environ.get("BROWSER_WORKERS", "3"))


class Server:
    def __init__(self, base_url: str, db_url: str, log: Path, workers: int = 1):
        self.base_url = base_url
        self.db_url = db_url
        self.log = log
        self.workers = workers

    def session(self):
        return dbmod.transaction(self.db_url)


@pytest.fixture(scope="session")
def redis_server():
    if BACKEND != "postgres":
        yield None
        return
    from tests.servers import Redis

    server = Redis()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory, postgres, redis_server) -> Server:
    data_dir = tmp_path_factory.mktemp("server-data")
    os.environ["DCC_DATA_DIR"] = str(data_dir)  # files stored by test set-up must land where the server reads
    if postgres is not None:
        postgres.execute("CREATE DATABASE dcc_browser")
        db_url = postgres.url("dcc_browser")
    else:
        db_url = f"sqlite:///{data_dir / 'dcc.db'}"
    migrate.upgrade(db_url)
    with dbmod.transaction(db_url) as session:
        seed.load_demo_region(session)
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / ("server.log" if postgres is None else "server-postgres.log")
    log.unlink(missing_ok=True)
    portal = Portal(db_url=db_url, data_dir=data_dir, log=log, redis_url=redis_server.url if redis_server else None,
                    workers=WORKERS)
    # The local Pro Santé Connect, knowing the demo's professionals, for the portal's PSC login.
    psc_peer = PscPeer(data_dir / "psc", redirect_uri=f"{portal.base_url}/api/psc/callback",
                       post_logout_uri=f"{portal.base_url}/login", professionals=demo_psc.professionals())
    try:
        psc_peer.start()
        portal.extra_env.update(psc_peer.env())
        portal.start()
        yield Server(portal.base_url, db_url, log, portal.workers)
    finally:
        portal.stop()
        psc_peer.stop()
        dbmod.get_engine(db_url).dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def page_factory(browser, server):
    """New isolated browser contexts (one user each) at a given viewport size."""
    contexts = []

    def make(size: str = "phone"):
        context = browser.new_context(viewport=VIEWPORTS[size], base_url=server.base_url, locale="fr-FR")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
