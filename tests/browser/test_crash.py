"""The server killed (SIGKILL to its whole process group) again and again while a clinician saves reports over the
websocket: every save the client saw acknowledged is intact after the restart, the audit chain verifies, and the
DMP outbox resumes and delivers each queued submission exactly once. On PostgreSQL, two server processes behind
nginx lose one of them the same way: the tabs it served reconnect through the proxy to the other and go on saving.
Then a backup taken while writes go on restores into a database whose chain verifies and whose counts match the
archive's.

Runs on SQLite (one worker) or, with TEST_DATABASE=postgres, on PostgreSQL with Reflex's state in Redis and
several workers; the writes come from bench/reflex_client.py, the browser's protocol without a browser."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy import func
from sqlmodel import select

from bench.reflex_client import ReflexClient
from dcc_portal import backup, formatting, migrate
from dcc_portal import db as dbmod
from dcc_portal.demo import seed
from dcc_portal.models import (
    Account,
    AuditAction,
    AuditEvent,
    CareTeamMembership,
    CharterAcceptance,
    Document,
    DocumentVersion,
    Patient,
    SharingSubmission,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.access import audit, charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.exchange import mhd
from dcc_portal.services.identity import totp
from dcc_portal.state.reports import TeamDocumentsState
from tests.browser.conftest import ARTIFACTS, WORKERS
from tests.servers import Portal, Proxy, free_port

DOCUMENTS = TeamDocumentsState.get_full_name()
SAVED = "Compte rendu enregistré."
ROUNDS = 3
BUILT = Path(__file__).resolve().parents[2] / ".web" / "build" / "client"
# A rebuild rewrites the frontend the suite's shared server is serving, pointed at this portal's port: these
# portals compile only when nothing was built yet, and their websocket clients need no frontend anyway.


class World:
    """A portal of its own (it gets killed), the demo region, a clinician and one of their patients."""

    def __init__(self, tmp_path: Path, postgres, redis_server, name: str, monkeypatch):
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir()
        monkeypatch.setenv("DCC_DATA_DIR", str(self.data_dir))  # restored after the test: later tests write elsewhere
        if postgres is not None:
            postgres.execute(f"CREATE DATABASE {name}")
            self.db_url = postgres.url(name)
        else:
            self.db_url = f"sqlite:///{self.data_dir / 'dcc.db'}"
        migrate.upgrade(self.db_url)
        with dbmod.transaction(self.db_url) as db:
            seed.load_demo_region(db)
        self.peer_port = free_port()
        self.peer = subprocess.Popen(
            [sys.executable, "-m", "dcc_portal", "sharing-peer", "--port", str(self.peer_port), "--mode", "slow",
             "--delay", "20"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.portal = Portal(
            db_url=self.db_url, data_dir=self.data_dir, log=ARTIFACTS / f"server-{name}.log",
            redis_url=redis_server.url if redis_server else None, workers=WORKERS,
            env={"DCC_SHARING_URL": f"http://127.0.0.1:{self.peer_port}/fhir", "DCC_SHARING_TIMEOUT": "2",
                 "DCC_SHARING_LEASE": "3", "DCC_SHARING_RETRY_BASE": "1", "DCC_SHARING_RETRY_MAX": "2",
                 "DCC_SHARING_POLL": "0.5"})
        self.portal.log.unlink(missing_ok=True)
        self.identifier, self.patient_public_id = self._clinician_and_patient()
        self.secret = self._enrol(self.identifier)

    def _clinician_and_patient(self) -> tuple[str, str]:
        with dbmod.transaction(self.db_url) as db:
            row = db.exec(
                select(Account.identifier, Patient.public_id)
                .join(CareTeamMembership, CareTeamMembership.professional_id == Account.professional_id)
                .join(Patient, Patient.id == CareTeamMembership.patient_id)
                .where(Account.role == "clinician", Patient.ins.is_not(None), Patient.dmp_opposed_at.is_(None),
                       access.active_membership_clause(formatting.paris_today()))
                .order_by(Account.identifier, Patient.local_id)
            ).first()
            return row[0], row[1]

    def _enrol(self, identifier: str) -> str:
        secret = pyotp.random_base32(32)
        with dbmod.transaction(self.db_url) as db:
            account = db.exec(select(Account).where(Account.identifier == identifier)).one()
            account.totp_secret_enc = totp.encrypt(secret, account_id=account.id)
            account.totp_enrolled_at = utcnow()
            db.add(account)
            db.add(CharterAcceptance(account_id=account.id, charter_version_id=charter.current(db).id))
        return secret

    def peer_mode(self, mode: str) -> None:
        httpx.post(f"http://127.0.0.1:{self.peer_port}/_admin/mode", json={"mode": mode}, timeout=10).raise_for_status()

    def peer_state(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.peer_port}/_admin/state", timeout=10).json()

    def close(self) -> None:
        self.portal.stop()
        self.peer.terminate()
        self.peer.wait(timeout=10)
        dbmod.get_engine(self.db_url).dispose()


def _run(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API may keep an event loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _open_patient(world: World, session_token: str, base_url: str = "") -> ReflexClient:
    """A tab on the patient's documents: logs in the first time, then reconnects with the stored session token."""
    client = ReflexClient(base_url or world.portal.base_url)
    page = f"/team/patient?p={world.patient_public_id}"
    if not session_token:
        await client.connect("/login")

        async def code(attempt: int) -> str:
            if attempt:
                await asyncio.sleep(totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS + 0.2)
            return totp.code_at(world.secret, totp.current_step())

        await client.login(world.identifier, seed.DEMO_PASSWORD, code)
        await client.navigate(page, client.expect_update(DOCUMENTS, "can_write"), timeout=60)
    else:
        client.session_token = session_token
        loaded = client.expect_update(DOCUMENTS, "can_write")
        await client.connect(page)
        await client.until(loaded, timeout=60)
    assert client.get(DOCUMENTS, "can_write"), "the clinician may write reports for this patient"
    return client


async def _write_until_killed(client: ReflexClient, acknowledged: list[dict], prefix: str, pause: float = 0) -> None:
    """Save reports one after the other (`pause` seconds apart); a report counts once the delta acknowledging it
    arrived."""
    number = 0
    while True:
        await asyncio.sleep(pause)
        number += 1
        opened = client.expect_update(DOCUMENTS, "form_key")
        await client.call(f"{DOCUMENTS}.open_structured", {}, opened, timeout=30)
        title = f"{prefix} n° {number}"
        body = f"Compte rendu écrit pendant l'essai de coupure {secrets.token_hex(8)}"
        client.state.get(DOCUMENTS, {}).pop("notice_rx_state_", None)
        await client.call(f"{DOCUMENTS}.submit", {"form_data": {
            "kind": "consultation", "service_date": formatting.paris_today().isoformat(), "title": title,
            "establishment": "Établissement de l'essai", "conclusion": "Conclusion de l'essai.", "body": body,
            "validate": "on", "share_dmp": "on"}}, lambda: client.get(DOCUMENTS, "notice") == SAVED, timeout=30)
        acknowledged.append({"title": title, "body": body, "at": time.monotonic()})


def _assert_acknowledged_intact(world: World, acknowledged: list[dict], prefix: str) -> None:
    """Nothing acknowledged is lost, whatever was written is whole, and the audit chain verifies."""
    with dbmod.transaction(world.db_url) as db:
        for item in acknowledged:
            document = db.exec(select(Document).where(Document.title == item["title"])).one()
            version = db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).one()
            assert item["body"] in json.loads(version.content_json)["body"]
            assert version.sha256 == hashlib.sha256(version.content_json.encode()).hexdigest()
            created = db.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.CREATE,
                                                       AuditEvent.document_id == document.public_id)).all()
            assert len(created) == 1
        written = db.exec(select(Document).where(Document.title.startswith(prefix))).all()
        assert len(written) >= len(acknowledged)
        for document in written:  # a save in flight at the kill is either whole or absent
            for version in db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).all():
                assert version.sha256 == hashlib.sha256(version.content_json.encode()).hexdigest()
        report = audit.verify(db)
        assert report.ok, report


def test_acknowledged_writes_survive_sigkill_and_the_outbox_resumes(tmp_path, postgres, redis_server, monkeypatch):
    world = World(tmp_path, postgres, redis_server, "dcc_crash", monkeypatch)
    acknowledged: list[dict] = []
    rng = random.Random(9)
    try:
        world.portal.start(rebuild=not BUILT.exists())
        session_token = ""
        for round_number in range(ROUNDS):

            async def one_round() -> str:
                client = await _open_patient(world, session_token)
                writer = asyncio.create_task(_write_until_killed(client, acknowledged, f"Essai coupure {round_number + 1}"))
                await asyncio.sleep(1.5 + rng.random() * 2)
                await asyncio.to_thread(world.portal.kill)  # mid-write: the last save may or may not have landed
                with pytest.raises(Exception):
                    await asyncio.wait_for(writer, 30)
                await client.close()
                return client.session_token

            before = len(acknowledged)
            session_token = _run(one_round())
            assert len(acknowledged) > before, f"no save acknowledged during round {round_number + 1}"
            world.portal.start(rebuild=False)

        _assert_acknowledged_intact(world, acknowledged, "Essai coupure")

        # The outbox resumes: every acknowledged report reaches the recipient, registered once.
        world.peer_mode("normal")
        titles = {item["title"] for item in acknowledged}
        deadline = time.time() + 120
        while True:
            with dbmod.transaction(world.db_url) as db:
                rows = db.exec(select(SharingSubmission, Document).join(Document, Document.id == SharingSubmission.document_id)
                               .where(Document.title.startswith("Essai coupure"))).all()
            done = {document.title for submission, document in rows if submission.status == SubmissionStatus.ACKNOWLEDGED}
            if titles <= done or time.time() > deadline:
                break
            time.sleep(1)
        assert titles <= done, f"not delivered after the restarts: {sorted(titles - done)}"
        state = world.peer_state()
        registered: dict[str, int] = {}
        for received in state["received"]:
            if received.get("outcome") == "registered":
                for unique_id in received.get("unique_ids") or []:
                    registered[unique_id] = registered.get(unique_id, 0) + 1
        submitted = {mhd.unique_id_uri(submission.unique_id) for submission, document in rows if document.title in titles}
        assert all(registered.get(unique_id) == 1 for unique_id in submitted), registered
    finally:
        world.close()


TABS = 20


def test_two_instances_behind_the_proxy_lose_nothing_when_one_is_killed(tmp_path, postgres, redis_server, monkeypatch):
    """Two portal processes share PostgreSQL and Redis behind nginx; 20 tabs save reports through the proxy; one
    process is killed (SIGKILL): its tabs reconnect through the proxy to the other and go on saving."""
    if postgres is None:
        pytest.skip("two instances share PostgreSQL and Redis (TEST_DATABASE=postgres)")
    world = World(tmp_path, postgres, redis_server, "dcc_failover", monkeypatch)
    proxy_port = free_port()
    public = f"http://localhost:{proxy_port}"
    instances = [Portal(db_url=world.db_url, data_dir=world.data_dir, log=ARTIFACTS / f"server-failover-{n}.log",
                        redis_url=redis_server.url, workers=1,
                        env={**world.portal.extra_env, "DCC_PUBLIC_URL": public, "REFLEX_TRUSTED_PROXY_HOPS": "1"})
                 for n in (1, 2)]
    proxy = None
    acknowledged: list[dict] = []
    try:
        instances[0].start(rebuild=not BUILT.exists())
        instances[1].start(rebuild=False)
        proxy = Proxy([instance.port for instance in instances], port=proxy_port)
        killed_at = [0.0]

        async def tab(number: int, session_token: str, end: float) -> tuple[int, int]:
            """(saves acknowledged after the kill, reconnections)"""
            client = await _open_patient(world, session_token, proxy.base_url)
            reconnections = 0
            while time.monotonic() < end:
                writer = asyncio.create_task(_write_until_killed(
                    client, acknowledged, f"Essai bascule {number:02d}.{reconnections}", pause=1))
                try:
                    await asyncio.wait_for(writer, end - time.monotonic())
                except TimeoutError:
                    break
                except Exception:  # noqa: BLE001 - the socket died with its process: reconnect through the proxy
                    await client.close()
                    client = await _open_patient(world, client.session_token, proxy.base_url)
                    reconnections += 1
            await client.close()
            after = sum(1 for item in acknowledged if item["title"].startswith(f"Essai bascule {number:02d}")
                        and item["at"] > killed_at[0])
            return after, reconnections

        async def run() -> list[tuple[int, int]]:
            first = await _open_patient(world, "", proxy.base_url)  # one login; its tabs share the session cookie
            token = first.session_token
            await first.close()
            end = time.monotonic() + 20
            tabs = asyncio.gather(*(tab(n, token, end) for n in range(TABS)))
            await asyncio.sleep(6)
            killed_at[0] = time.monotonic()
            await asyncio.to_thread(instances[0].kill)
            return await tabs

        outcome = _run(run())
        assert sum(reconnections for _, reconnections in outcome) >= 1, "no tab was on the killed instance"
        assert all(after >= 1 for after, _ in outcome), f"a tab saved nothing after the kill: {outcome}"
        _assert_acknowledged_intact(world, acknowledged, "Essai bascule")
    finally:
        if proxy is not None:
            proxy.stop()
        for instance in instances:
            instance.stop()
        world.close()


def test_backup_while_writing_then_restore(tmp_path, postgres, redis_server, monkeypatch):
    world = World(tmp_path, postgres, redis_server, "dcc_backup", monkeypatch)
    acknowledged: list[dict] = []
    archive = tmp_path / "backup.tar"
    try:
        world.portal.start(rebuild=not BUILT.exists())

        async def write_during_backup() -> None:
            client = await _open_patient(world, "")
            writer = asyncio.create_task(_write_until_killed(client, acknowledged, "Essai sauvegarde"))
            deadline = time.monotonic() + 60
            while not acknowledged and time.monotonic() < deadline:  # the snapshot holds at least one save
                await asyncio.sleep(0.2)
            await asyncio.to_thread(backup.backup, archive, url=world.db_url)
            await asyncio.sleep(1.0)
            writer.cancel()
            await client.close()

        _run(write_during_backup())
        assert acknowledged, "writes went on during the backup"
        world.portal.stop()
        with dbmod.transaction(world.db_url) as db:
            after = db.exec(select(func.count(Document.id)).where(Document.title.startswith("Essai sauvegarde"))).one()

        backup.restore(archive, url=world.db_url)
        with dbmod.transaction(world.db_url) as db:
            report = audit.verify(db)
            assert report.ok, report
            restored = db.exec(select(func.count(Document.id)).where(Document.title.startswith("Essai sauvegarde"))).one()
            events = db.exec(select(func.count(AuditEvent.id))).one()
            assert report.checked == events
            # A consistent snapshot: each restored report whole, with its creation audited in the same snapshot.
            for document in db.exec(select(Document).where(Document.title.startswith("Essai sauvegarde"))).all():
                version = db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).one()
                assert version.sha256 == hashlib.sha256(version.content_json.encode()).hexdigest()
                assert db.exec(select(AuditEvent.id).where(AuditEvent.document_id == document.public_id,
                                                           AuditEvent.action == AuditAction.CREATE)).first()
        assert 0 < restored <= after
        world.portal.start(rebuild=False)  # the restored database serves again
        assert httpx.get(f"{world.portal.base_url}/login/", timeout=10).status_code == 200
    finally:
        world.close()
