"""How fast a case change in the live sitting reaches every participant's screen.

    python -m bench.live_board [--participants 30] [--changes 20] [--redis-url redis://… --workers 3] [--no-build]

Builds a database of its own (the demo region, then a board whose coordinator and `--participants` members each
have an account), starts the production server on it, logs every member in over the websocket protocol
(bench/reflex_client.py, password then TOTP) and opens the live page on each. The coordinator then moves to the next
case `--changes` times, a few seconds apart; for each change and each participant, the time from the coordinator's
event to the moment the new case arrived in that participant's state is recorded. Prints p50/p95/max over all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from datetime import timedelta

from sqlmodel import select

from bench.common import data_folder, percentile, print_table
from bench.reflex_client import ReflexClient, state_name
from dcc_portal import db as dbmod
from dcc_portal import migrate
from dcc_portal.demo import seed
from dcc_portal.models import (
    CareTeamMembership,
    CharterAcceptance,
    Patient,
    Rcp,
    RcpCase,
    RcpKind,
    RcpMember,
    RcpSession,
    RcpSessionStatus,
    Role,
    utcnow,
)
from dcc_portal.services.access import charter
from dcc_portal.services.identity import totp
from tests import factories

LIVE = state_name("dcc_portal.state.rcp_live", "rcp_live_state")
LOGINS_AT_ONCE = 6
SPECIALTIES = ["G15_10/SM36", "G15_10/SM54", "G15_10/SM44", "G15_10/SM47", "G15_10/SM41", "G15_10/SM37"]


def build_world(db_url: str, participants: int, cases: int) -> tuple[str, list[tuple[str, str]]]:
    """(session public id, [(identifier, TOTP secret)], coordinator first)."""
    migrate.upgrade(db_url)
    with dbmod.transaction(db_url) as db:
        seed.load_demo_region(db)
    with dbmod.transaction(db_url) as db:
        org = factories.organisation(db, name="Centre de l'essai de séance")
        version = charter.current(db)
        board = Rcp(national_id="99029902", name="RCP de l'essai de séance", organisation_id=org.id, kind=RcpKind.ORGAN,
                    appareil_code="57171008")
        db.add(board)
        db.flush()
        people = []
        for index in range(participants + 1):
            pro = factories.professional(db, specialty=SPECIALTIES[index % len(SPECIALTIES)], org=org,
                                         family=f"SEANCE{index:02d}")
            account, secret = factories.account(db, role=Role.CLINICIAN, professional=pro, identifier=f"seance.{index:02d}")
            db.add(CharterAcceptance(account_id=account.id, charter_version_id=version.id))
            db.add(RcpMember(rcp_id=board.id, professional_id=pro.id, is_coordinator=index == 0))
            people.append((account.identifier, secret, pro))
        now = utcnow()
        session = RcpSession(rcp_id=board.id, starts_at=now - timedelta(minutes=5), registration_deadline=now - timedelta(days=1),
                             status=RcpSessionStatus.OPEN, published_at=now - timedelta(days=3))
        db.add(session)
        db.flush()
        coordinator = people[0][2]
        for index, patient in enumerate(db.exec(select(Patient).order_by(Patient.id).limit(cases)).all()):
            db.add(CareTeamMembership(patient_id=patient.id, professional_id=coordinator.id, team_role="oncologist",
                                      start_date=now.date() - timedelta(days=30)))
            db.add(RcpCase(session_id=session.id, patient_id=patient.id, requester_professional_id=coordinator.id,
                           reason="treatment_proposal", question=f"Question {index + 1}", summary="Résumé du dossier",
                           created_at=now + timedelta(seconds=index)))
        return session.public_id, [(identifier, secret) for identifier, secret, _ in people]


async def _open(base_url: str, identifier: str, secret: str, page: str) -> ReflexClient:
    client = ReflexClient(base_url)
    await client.connect("/login", timeout=120)

    async def code(attempt: int) -> str:
        if attempt:
            await asyncio.sleep(totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS + 0.2)
        return totp.code_at(secret, totp.current_step())

    await client.login(identifier, factories.PASSWORD, code, timeout=180)
    await client.navigate(page, lambda: bool(client.get(LIVE, "info")), timeout=60)
    return client


def _case(client: ReflexClient) -> str:
    return (client.get(LIVE, "case") or {}).get("public_id", "")


async def measure(base_url: str, session_id: str, people: list[tuple[str, str]], changes: int) -> list[float]:
    page = f"/team/rcp/live?s={session_id}"
    coordinator = await _open(base_url, *people[0], page)
    participants: list[ReflexClient] = []
    for start in range(1, len(people), LOGINS_AT_ONCE):  # password hashing: a burst of 30 logins outlasts state locks
        participants += await asyncio.gather(*(_open(base_url, identifier, secret, page)
                                               for identifier, secret in people[start:start + LOGINS_AT_ONCE]))
    delays: list[float] = []
    rng = random.Random(3)
    try:
        for _ in range(changes):
            before = _case(coordinator)
            started = time.perf_counter()
            await coordinator.emit(f"{LIVE}.step", {"offset": 1})
            await coordinator.until(lambda: _case(coordinator) not in ("", before), timeout=30)
            target = _case(coordinator)

            async def seen(client: ReflexClient) -> float:
                await client.until(lambda: _case(client) == target, timeout=30)
                return time.perf_counter() - started

            delays.extend(await asyncio.gather(*(seen(client) for client in participants)))
            await asyncio.sleep(1 + rng.random() * 2)
    finally:
        await asyncio.gather(*(client.close() for client in [coordinator, *participants]), return_exceptions=True)
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live_board", description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--db-url", help="an empty database to build the world in (default: a new SQLite file)")
    parser.add_argument("--redis-url", help="Reflex's state in Redis, several workers")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--no-build", action="store_true", help="reuse the last frontend build (.web/build)")
    args = parser.parse_args(argv)

    from tests.servers import Portal

    data_dir = data_folder("dcc-live-")
    os.environ["DCC_DATA_DIR"] = str(data_dir)  # the TOTP seeds written here are sealed with the server's key
    db_url = args.db_url or f"sqlite:///{data_dir / 'live.db'}"
    session_id, people = build_world(db_url, args.participants, cases=args.changes + 1)
    dbmod.dispose_engines()
    portal = Portal(db_url=db_url, data_dir=data_dir, log=data_dir / "live-server.log", redis_url=args.redis_url,
                    workers=args.workers, env={"DCC_SHARING_WORKER": "0"})
    portal.start(rebuild=not args.no_build)
    try:
        delays = asyncio.run(measure(portal.base_url, session_id, people, args.changes))
    finally:
        portal.stop()
    mode = f"PostgreSQL + Redis, {portal.workers} workers" if args.redis_url else "SQLite, 1 worker"
    print(f"Live sitting — a case change reaching {args.participants} participants, {args.changes} changes, {mode}, "
          f"{os.cpu_count()} CPU")
    print_table(("screens reached", "p50", "p95", "max"), [(str(len(delays)), f"{percentile(delays, 50):.0f} ms",
                                                             f"{percentile(delays, 95):.0f} ms",
                                                             f"{max(delays) * 1000:.0f} ms")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
