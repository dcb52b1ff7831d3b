"""Builders shared by the DMP-feeding tests: a care team, a PDF report, a professional actor."""

from __future__ import annotations

import itertools
from datetime import date

from sqlmodel import Session

from dcc_portal.demo.seed import demo_finess
from dcc_portal.models import Organisation, Role
from dcc_portal.services.access import charter
from dcc_portal.services.common import render
from dcc_portal.services.record import documents
from tests import factories

_finess = itertools.count(101)

PDF_HTML = "<html><body><h1>Compte rendu d'imagerie</h1><p>Scanner thoraco-abdomino-pelvien : {note}</p></body></html>"


def pdf_bytes(note: str = "pas de lésion secondaire") -> bytes:
    return render.pdf(PDF_HTML.format(note=note))


class Team:
    """An oncologist, a nurse, an RCP secretary and a GP around one patient, with real sessions."""

    def __init__(self, db: Session, *, org_kind: str = "chu"):
        if charter.current(db) is None:
            factories.publish_charter(db)
        self.org = Organisation(name="CHU de Test <&>", kind=org_kind, city="Villeneuve",
                                finess=demo_finess(f"9900{next(_finess):04d}"))
        db.add(self.org)
        db.flush()
        self.oncologist = factories.professional(db, org=self.org, family="Moreau")
        self.nurse = factories.professional(db, specialty="G15_60", org=self.org, family="Petit")
        self.secretary = factories.professional(db, specialty="SECRETARIAT_MEDICAL", org=self.org, family="Roux")
        self.gp = factories.professional(db, specialty="G15_10/SM54", family="Durand")
        self.patient = factories.patient(db, gp=self.gp, family="LEROY")
        for pro, role in ((self.oncologist, "oncologist"), (self.nurse, "nurse"), (self.secretary, "rcp_secretary")):
            factories.member(db, patient=self.patient, pro=pro, team_role=role)
        self.oncologist_account, _ = factories.account(db, role=Role.CLINICIAN, professional=self.oncologist)
        self.nurse_account, _ = factories.account(db, role=Role.NURSE, professional=self.nurse)
        self.secretary_account, _ = factories.account(db, role=Role.RCP_SECRETARY, professional=self.secretary)
        self.gp_account, _ = factories.account(db, role=Role.GP, professional=self.gp)
        self.patient_account, _ = factories.account(db, role=Role.PATIENT, patient=self.patient)
        self.admin_account, _ = factories.account(db, role=Role.ADMIN)
        self.oncologist_actor = factories.actor_for(db, self.oncologist_account)
        self.nurse_actor = factories.actor_for(db, self.nurse_account)
        self.secretary_actor = factories.actor_for(db, self.secretary_account)
        self.gp_actor = factories.actor_for(db, self.gp_account)
        self.patient_actor = factories.actor_for(db, self.patient_account)
        self.admin_actor = factories.actor_for(db, self.admin_account)

    def report(self, db: Session, *, title: str = "Scanner thoraco-abdomino-pelvien", kind: str = "imaging",
               share: bool = True, validate: bool = True, pdf: bytes | None = None, **flags):
        document, version = documents.create(
            db, actor=self.oncologist_actor, patient=self.patient, kind=kind, title=title,
            file_bytes=pdf if pdf is not None else pdf_bytes(), mime_type="application/pdf",
            service_date=date(2026, 3, 9), organisation_id=self.org.id, share_with_dmp=share,
        )
        for name, value in flags.items():
            setattr(document, name, value)
        db.add(document)
        if validate:
            documents.validate(db, actor=self.oncologist_actor, document=document)
        db.flush()
        return document, version


# --------------------------------------------------------------------------------------------------- the real peer

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402

from tests.servers import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PEER_TOKEN = "test-token-7f3a"


class Peer:
    """`python -m dcc_portal sharing-peer` in a subprocess on a free port (started on demand)."""

    def __init__(self, log_dir: Path, *, token: str = PEER_TOKEN):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/fhir"
        self.token = token
        self.log = log_dir / f"peer-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *extra: str) -> Peer:
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dcc_portal", "sharing-peer", "--port", str(self.port), "--token", self.token, *extra],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"peer exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/_admin/state", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("peer did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def mode(self, mode: str, **options) -> None:
        httpx.post(f"{self.base}/_admin/mode", json={"mode": mode, **options}, timeout=5).raise_for_status()

    def state(self) -> dict:
        return httpx.get(f"{self.base}/_admin/state", timeout=5).json()

    def received(self) -> list[dict]:
        return self.state()["received"]

    def registry(self) -> list[dict]:
        return self.state()["registry"]


class Clock:
    """An injectable clock: tests move time forward instead of sleeping."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, *, to: datetime | None = None) -> datetime:
        self.now = to if to is not None else self.now + timedelta(seconds=seconds)
        return self.now


def worker_env(db_url: str, data_dir: Path, peer: Peer, **settings: str) -> dict[str, str]:
    return {**os.environ, "REFLEX_DB_URL": db_url, "DCC_DATA_DIR": str(data_dir), "DCC_SHARING_URL": peer.url,
            "DCC_SHARING_TOKEN": peer.token, **settings}
