"""`bench.load --instances 2`: two portal processes on PostgreSQL + Redis behind nginx, one killed half-way.

The simulated users browse through the proxy (tests/servers.Proxy, the rules of deploy/nginx-dcc-portal-proxy.conf).
Half-way through the measured window one instance gets SIGKILL; the sessions it served lose their socket and
open their page again through the proxy, as a browser does. Prints the browsing p95 by 2-second slice around the
kill and when it came back under 150 ms, the errors (at the kill and after), the reconnections, and whether every
event a client saw answered left its audit events in the database (at least one per answered event and account)
with an audit chain that verifies.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import text

from bench.common import data_folder, percentile, print_table
from bench.load import SATURATION_P95_MS, Results, Session, _reset_login_limits
from dcc_portal import db as dbmod
from dcc_portal.services.access import audit

SLICE = 2.0


@dataclass
class Timeline(Results):
    """Results that also remember when each browsing event was answered."""

    answered: list[tuple[float, float]] = field(default_factory=list)  # (monotonic time, seconds)

    def add(self, kind: str, seconds: float) -> None:
        super().add(kind, seconds)
        if self.measuring and not kind.startswith("login"):
            self.answered.append((time.monotonic(), seconds))


async def _run(base_url: str, accounts: list[tuple[str, str]], *, duration: float, ramp: float, think: float,
               kill) -> tuple[Timeline, list[Session], float, float]:
    results = Timeline()
    rng = random.Random(1)
    sessions = [Session(base_url, identifier, role, results, random.Random(rng.random()), think, base_url)
                for identifier, role in accounts]
    logged: list[Session] = []

    async def start(index: int, session: Session) -> None:
        await asyncio.sleep(ramp * index / max(1, len(sessions)))
        try:
            await session.login()
            logged.append(session)
        except Exception as error:  # noqa: BLE001 - counted, the run goes on
            results.error("login", error)

    await asyncio.gather(*(start(i, s) for i, s in enumerate(sessions)))
    for session in logged:
        session.reconnect = True
    results.measuring = True
    began = time.monotonic()
    browsing = asyncio.gather(*(s.browse(began + duration) for s in logged))
    await asyncio.sleep(duration / 2)
    killed_at = time.monotonic()
    await asyncio.to_thread(kill)
    await browsing
    results.measuring = False
    await asyncio.gather(*(s.client.close() for s in sessions), return_exceptions=True)
    return results, logged, began, killed_at


def _audit_check(db_url: str, sessions: list[Session], since) -> tuple[int, int, bool]:
    """(accounts whose answered events all left audit rows, accounts checked, chain verifies)"""
    answered = Counter()
    for session in sessions:
        answered[session.identifier] += session.acknowledged
    with dbmod.transaction(db_url) as db:
        rows = dict(db.execute(text(
            "SELECT a.identifier, count(e.id) FROM account a JOIN audit_event e ON e.account_id = a.id "
            "WHERE e.at >= :since GROUP BY a.identifier"), {"since": since}).all())
        chain = audit.verify(db).ok
    dbmod.dispose_engines()
    whole = sum(1 for identifier, count in answered.items() if rows.get(identifier, 0) >= count)
    return whole, len(answered), chain


def run_two_instances(args, accounts: list[tuple[str, str]]) -> int:
    from dcc_portal.models import utcnow
    from tests.servers import Portal, Proxy, free_port

    if not args.redis_url or args.db_url.startswith("sqlite"):
        raise SystemExit("--instances 2 needs PostgreSQL (--db-url) and Redis (--redis-url)")
    data_dir = data_folder("dcc-failover-")
    proxy_port = free_port()
    public = f"http://localhost:{proxy_port}"
    env = {"DCC_SHARING_WORKER": "0", "DCC_PUBLIC_URL": public, "REFLEX_TRUSTED_PROXY_HOPS": "1"}
    instances = [Portal(db_url=args.db_url, data_dir=data_dir, log=data_dir / f"instance-{n}.log",
                        redis_url=args.redis_url, workers=args.workers, env=env) for n in (1, 2)]
    _reset_login_limits(args.db_url, [identifier for identifier, _ in accounts])
    instances[0].start(rebuild=not args.no_build)
    instances[1].start(rebuild=False)
    proxy = Proxy([instance.port for instance in instances], port=proxy_port)
    since = utcnow()
    try:
        results, sessions, began, killed_at = asyncio.run(_run(
            proxy.base_url, accounts, duration=args.duration, ramp=args.ramp, think=args.think, kill=instances[0].kill))
    finally:
        proxy.stop()
        for instance in instances:
            instance.stop()

    print(f"DCC Portal — two instances behind nginx, PostgreSQL + Redis, {args.workers} workers each, "
          f"{os.cpu_count()} CPU: {len(sessions)} sessions browsing, think time {args.think:.0f} s; instance 1 killed "
          f"(SIGKILL) {killed_at - began:.0f} s into the {args.duration:.0f} s window")
    print()
    slices: dict[int, list[float]] = {}
    for at, seconds in results.answered:
        slices.setdefault(int((at - killed_at) // SLICE), []).append(seconds)
    rows, recovered = [], None
    for index in sorted(slices):
        values = slices[index]
        p95 = percentile(values, 95)
        rows.append((f"{index * SLICE:+.0f} s", str(len(values)), f"{p95:.0f} ms"))
        if index >= 0:
            if p95 >= SATURATION_P95_MS:
                recovered = None
            elif recovered is None:
                recovered = index * SLICE
    print_table(("since the kill", "events", "browsing p95"), rows)
    print()
    errors = sum(results.errors.values())
    print(f"errors: {errors}" + ("" if not errors else " — " + ", ".join(f"{k} × {v}" for k, v in results.errors.items())))
    print(f"reconnections through the proxy: {sum(s.reconnections for s in sessions)} "
          f"(sessions reconnected: {sum(1 for s in sessions if s.reconnections)})")
    print("browsing p95 back under 150 ms (and staying there): "
          + (f"{max(0.0, recovered):.0f}-{recovered + SLICE:.0f} s after the kill" if recovered is not None else "not in the window"))
    whole, checked, chain = _audit_check(args.db_url, sessions, since)
    print(f"acknowledged events with their audit rows: {whole} of {checked} accounts; audit chain "
          f"{'verifies' if chain else 'BROKEN'}")
    return 0 if whole == checked and chain else 1
