"""Browser tests: the production server (`reflex run --env prod --single-port`) on a temporary database
loaded with the demo region, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from dcc_portal import db as dbmod
from dcc_portal import migrate
from dcc_portal.services import seed

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base_url: str, db_url: str, log: Path):
        self.base_url = base_url
        self.db_url = db_url
        self.log = log

    def session(self):
        return dbmod.transaction(self.db_url)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    data_dir = tmp_path_factory.mktemp("server-data")
    os.environ["DCC_DATA_DIR"] = str(data_dir)  # files stored by test set-up must land where the server reads
    db_url = f"sqlite:///{data_dir / 'dcc.db'}"
    migrate.upgrade(db_url)
    with dbmod.transaction(db_url) as session:
        seed.load_demo_region(session)
    port = _free_port()
    base_url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "DCC_DATA_DIR": str(data_dir),
        "REFLEX_DB_URL": db_url,
        "PORT": str(port),
        "DCC_PUBLIC_URL": base_url,
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--single-port",
             "--backend-port", str(port), "--frontend-port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.time() + 600
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early, see {log}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base_url}/login/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            raise RuntimeError(f"server did not start, see {log}")
        yield Server(base_url, db_url, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
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
