"""Load test: simulated clinicians and GPs over the real websocket protocol against the production server.

    python -m dcc_portal generate-region --db-url URL          # once, with the DCC_SECRET_KEY the server will use
    python -m bench.load --db-url URL --sessions 200 --duration 60 [--redis-url redis://... --workers 3]
    python -m bench.load --url http://host:port --db-url URL ...   # a server already running on that database

Without --url the command starts `reflex run --env prod --single-port` itself on the database (SQLite: one worker;
with --redis-url: Reflex's state in Redis and --workers backend processes), and stops it at the end.

Each session is one account of the generated region (hospital clinicians and GPs, with the known TOTP seeds of
`dcc_portal.demo.region`): it opens /login, sends the password then a TOTP code (a code is accepted once: a refused
code is retried at the next time step), then browses with a think time: its worklist or "my patients", the next
page, a name search, a patient's file, one of the patient's documents. Sessions start over --ramp seconds; the
figures cover the --duration seconds after the last login. Prints event latency p50/p95/p99 per kind of action,
errors (timeouts, server errors, unexpected redirects), throughput and the server's memory (RSS of its process tree).
With --login-burst N, the measured window is cut in two halves: in the second, N more accounts log in over
--burst-seconds while the sessions keep browsing; the browsing p95 is printed for the equal time before the burst and
for the burst (until its last login is answered), with the burst's errors.
Before the run the login limits of the loopback address and of the chosen accounts are reset in the database
(all sessions come from one address). Every request goes to the server given or started here, on this machine: nothing else is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench.common import percentile, print_table
from bench.reflex_client import ReflexClient, ServerError, state_name
from dcc_portal import db as dbmod
from dcc_portal import settings
from dcc_portal.demo import region, seed
from dcc_portal.services.identity import totp

WORKLIST = state_name("dcc_portal.state.patient_lists", "team_worklist_state")
GP_LIST = state_name("dcc_portal.state.gp", "gp_patients_state")
TEAM_DOCS = state_name("dcc_portal.state.reports", "team_documents_state")
DMP_OPPOSITION = state_name("dcc_portal.state.sharing", "dmp_opposition_state")
GP_DOCS = state_name("dcc_portal.state.gp", "gp_documents_state")
READER = state_name("dcc_portal.state.document_reader", "document_reader_state")
SEARCHES = ["MAR", "DU", "LE", "BER", "ROB", "PET", "GAR", "MOR", "LAC", "BON"]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    measuring: bool = False
    window_events: int = 0
    # Browsing latencies by phase of a login burst ("before", "burst"), when there is one.
    phase: str = ""
    burst_lasted: float = 0.0
    by_phase: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, seconds: float) -> None:
        if kind.startswith("login") or self.measuring:
            self.latencies[kind].append(seconds)
        if self.measuring:
            self.window_events += 1
            if self.phase and not kind.startswith("login"):
                self.by_phase[self.phase].append(seconds)

    def error(self, kind: str, error: BaseException) -> None:
        # The message without the account identifier, so that the same failure is counted once.
        reason = " ".join(word for word in str(error).split() if not word.startswith("region."))[:60]
        self.errors[f"{kind}: {type(error).__name__}" + (f" ({reason})" if reason else "")] += 1


class Session:
    def __init__(self, base_url: str, identifier: str, role: str, results: Results, rng: random.Random, think: float,
                 origin: str | None):
        self.client = ReflexClient(base_url, origin=origin)
        self.identifier, self.role, self.results, self.rng, self.think = identifier, role, results, rng, think
        self.until = float("inf")

    async def _code(self, attempt: int) -> str:
        if attempt:
            await asyncio.sleep(totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS + 0.2)
        return totp.code_at(region.totp_seed(self.identifier), totp.current_step())

    async def login(self) -> None:
        await self.client.connect("/login", timeout=120)
        password, code, home = await self.client.login(self.identifier, seed.DEMO_PASSWORD, self._code, timeout=180)
        self.results.add("login: password (argon2id)", password)
        self.results.add("login: TOTP code", code)
        expected = "/team" if self.role != "gp" else "/gp"
        if home.rstrip("/") != expected:
            raise ServerError(f"{self.identifier} landed on {home}")

    async def _timed(self, kind: str, coroutine) -> bool:
        if time.monotonic() >= self.until:
            coroutine.close()
            return False
        try:
            self.results.add(kind, await coroutine)
        except (ServerError, TimeoutError, OSError) as error:
            self.results.error(kind, error)
            return False
        if self.client.redirects and self.client.redirects[-1].rstrip("/") in ("/forbidden", "/login"):
            self.results.error(kind, ServerError(f"redirected to {self.client.redirects[-1]}"))
            self.client.redirects.clear()
            return False
        return True

    async def browse(self, until: float) -> None:
        self.until = until
        team = self.role != "gp"
        home, listing = ("/team", WORKLIST) if team else ("/gp", GP_LIST)
        c = self.client
        # Every session starts browsing when the window opens: a first think time spreads them out, instead of
        # measuring one burst of simultaneous list loads.
        await self._pause()
        while time.monotonic() < until and c.closed is None:
            await self._timed("page: list (worklist / my patients)", c.navigate(home, c.expect_update(listing, "items")))
            await self._pause()
            if (c.get(listing, "page_count") or 1) > 1 and self.rng.random() < 0.5:
                await self._timed("event: next page", c.call(f"{listing}.next_page", {}, c.expect_update(listing, "items")))
                await self._pause()
            if self.rng.random() < 0.4:
                query = self.rng.choice(SEARCHES)
                await self._timed("event: name search", c.call(f"{listing}.search", {"form_data": {"q": query}},
                                                                c.expect_update(listing, "items")))
                await self._pause()
            items = c.get(listing, "items") or []
            if not items:
                continue
            patient = self.rng.choice(items)["public_id"]
            if team:
                ok = await self._timed("page: patient file", c.navigate(
                    f"/team/patient?p={patient}", c.expect_update(DMP_OPPOSITION, "loaded")))
                documents = c.get(TEAM_DOCS, "items") or []
            else:
                ok = await self._timed("page: patient file", c.navigate(
                    f"/gp/patient?p={patient}", c.expect_update(GP_DOCS, "loaded")))
                documents = c.get(GP_DOCS, "items") or []
            await self._pause()
            if ok and documents:
                document = self.rng.choice(documents)["public_id"]
                await self._timed("page: document reader", c.navigate(f"/document?d={document}", c.expect_update(READER, "info")))
                await self._pause()

    async def _pause(self) -> None:
        pause = self.rng.expovariate(1 / self.think) if self.think else 0
        await asyncio.sleep(max(0.0, min(pause, self.until - time.monotonic())))


def _reset_login_limits(db_url: str, identifiers: list[str]) -> None:
    """Every simulated user logs in from this machine's address: failures of an earlier, overloaded run (timeouts
    count as failed attempts) must not trip the per-address limit (50 failures in 15 minutes) or an account's delay
    in this run. Benchmark database only."""
    with dbmod.transaction(db_url) as db:
        db.execute(text("DELETE FROM login_throttle WHERE client_ip IN ('127.0.0.1', '::1')"))
        for start in range(0, len(identifiers), 500):
            chunk = identifiers[start:start + 500]
            names = ", ".join(f":i{n}" for n in range(len(chunk)))
            db.execute(text(f"UPDATE account SET failed_count = 0, locked_until = NULL, last_failed_at = NULL "
                            f"WHERE identifier IN ({names})"), {f"i{n}": value for n, value in enumerate(chunk)})
    dbmod.dispose_engines()


def _accounts(db_url: str, count: int) -> list[tuple[str, str]]:
    """(identifier, role): hospital clinicians and nurses for 60%, GPs for 40%, distinct accounts."""
    with dbmod.transaction(db_url) as db:
        team = db.execute(text("SELECT identifier, role FROM account WHERE identifier LIKE 'region.hp%' "
                               "AND role IN ('clinician', 'nurse') ORDER BY identifier")).all()
        gps = db.execute(text("SELECT identifier, role FROM account WHERE identifier LIKE 'region.mg%' "
                              "ORDER BY identifier")).all()
    dbmod.dispose_engines()
    if not team or not gps:
        raise SystemExit(f"no generated region in {db_url}: run `python -m dcc_portal generate-region --db-url {db_url}`")
    wanted_team = min(len(team), round(count * 0.6))
    chosen = [tuple(row) for row in team[:wanted_team]] + [tuple(row) for row in gps[: count - wanted_team]]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} accounts for {count} sessions")
    return chosen


async def login_burst(base_url: str, accounts: list[tuple[str, str]], results: Results, *, start_in: float, spread: float,
                      origin: str | None) -> float:
    """Logins of `accounts` over `spread` seconds, `start_in` seconds from now, while the others browse; the
    browsing events answered meanwhile are counted as the burst's. Returns how long the burst lasted."""
    await asyncio.sleep(start_in)
    results.phase, started = "burst", time.monotonic()
    rng = random.Random(7)
    burst = [Session(base_url, identifier, role, results, random.Random(rng.random()), 0, origin)
             for identifier, role in accounts]

    async def one(index: int, session: Session) -> None:
        await asyncio.sleep(spread * index / max(1, len(burst)))
        try:
            await session.login()
        except (ServerError, TimeoutError, OSError) as error:
            results.error("burst login", error)
        finally:
            await session.client.close()

    await asyncio.gather(*(one(i, s) for i, s in enumerate(burst)))
    results.phase = "after"
    return time.monotonic() - started


async def run(base_url: str, accounts: list[tuple[str, str]], *, duration: float, ramp: float, think: float, seed_value: int,
              origin: str | None, memory, burst: list[tuple[str, str]] = (), burst_seconds: float = 5
              ) -> tuple[Results, float, list[int], int]:
    results = Results()
    rng = random.Random(seed_value)
    sessions = [Session(base_url, identifier, role, results, random.Random(rng.random()), think, origin)
                for identifier, role in accounts]
    logged: list[Session] = []
    login_failures = 0
    samples: list[int] = []
    stop_sampling = asyncio.Event()

    async def sample_memory():
        while not stop_sampling.is_set():
            samples.append(memory())
            try:
                await asyncio.wait_for(stop_sampling.wait(), 2)
            except TimeoutError:
                pass

    sampler = asyncio.create_task(sample_memory())

    async def start(index: int, session: Session):
        nonlocal login_failures
        await asyncio.sleep(ramp * index / max(1, len(sessions)))
        try:
            await session.login()
            logged.append(session)
        except (ServerError, TimeoutError, OSError) as error:
            login_failures += 1
            results.error("login", error)

    await asyncio.gather(*(start(i, s) for i, s in enumerate(sessions)))
    results.measuring = True
    window_start = time.monotonic()
    until = window_start + duration
    browsing = asyncio.gather(*(s.browse(until) for s in logged))
    if burst:
        # The first half of the window is the reference ("calm"); the burst starts at its middle.
        results.phase = "calm"
        lasted = await login_burst(base_url, list(burst), results, start_in=duration / 2, spread=burst_seconds, origin=origin)
        results.burst_lasted = lasted
    await browsing
    elapsed = time.monotonic() - window_start
    results.measuring = False
    stop_sampling.set()
    await sampler
    await asyncio.gather(*(s.client.close() for s in sessions), return_exceptions=True)
    return results, elapsed, samples, len(logged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=os.environ.get("REFLEX_DB_URL") or settings.db_url(),
                        help="database holding the generated region")
    parser.add_argument("--url", help="base URL of a running server on that database (default: start one)")
    parser.add_argument("--redis-url", help="with the server started here: Reflex state in Redis, several workers")
    parser.add_argument("--workers", type=int, default=3, help="backend workers with --redis-url (default 3)")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60, help="seconds measured after the last login")
    parser.add_argument("--ramp", type=float, default=60, help="seconds over which the sessions log in")
    parser.add_argument("--think", type=float, default=5, help="mean think time between two actions, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-build", action="store_true", help="reuse the last frontend build (.web/build)")
    parser.add_argument("--login-burst", type=int, default=0,
                        help="that many more accounts log in at the middle of the window (e.g. 50)")
    parser.add_argument("--burst-seconds", type=float, default=5, help="over how many seconds the burst logs in")
    args = parser.parse_args(argv)

    from tests.servers import Portal

    accounts = _accounts(args.db_url, args.sessions + args.login_burst)
    accounts, burst = accounts[:args.sessions], accounts[args.sessions:]
    _reset_login_limits(args.db_url, [identifier for identifier, _ in accounts])
    portal = None
    if args.url:
        base_url, memory = args.url.rstrip("/"), (lambda: 0)
        mode = f"server at {base_url}"
    else:
        data_dir = Path(os.environ.get("DCC_DATA_DIR") or tempfile.mkdtemp(prefix="dcc-load-"))
        portal = Portal(db_url=args.db_url, data_dir=data_dir, log=data_dir / "load-server.log",
                        redis_url=args.redis_url, workers=args.workers, env={"DCC_SHARING_WORKER": "0"})
        portal.start(rebuild=not args.no_build)
        base_url, memory = portal.base_url, portal.rss_bytes
        mode = (f"PostgreSQL + Redis, {portal.workers} workers" if args.redis_url else
                ("PostgreSQL, 1 worker" if not args.db_url.startswith("sqlite") else "SQLite, 1 worker"))
    try:
        idle_rss = memory()
        results, elapsed, samples, logged = asyncio.run(run(
            base_url, accounts, duration=args.duration, ramp=args.ramp, think=args.think, seed_value=args.seed,
            origin=None, memory=memory, burst=burst, burst_seconds=args.burst_seconds))
    finally:
        if portal is not None:
            portal.stop()

    print(f"DCC Portal — load test, {mode}, {os.cpu_count()} CPU, {date.today()}: {args.sessions} sessions "
          f"({logged} logged in over {args.ramp:.0f} s), {elapsed:.0f} s measured, think time {args.think:.0f} s")
    print()
    rows = []
    all_events: list[float] = []
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        if not kind.startswith("login"):
            all_events.extend(values)
        rows.append((kind, str(len(values)), f"{percentile(values, 50):.0f} ms", f"{percentile(values, 95):.0f} ms",
                     f"{percentile(values, 99):.0f} ms"))
    if all_events:
        rows.append(("all browsing events", str(len(all_events)), f"{percentile(all_events, 50):.0f} ms",
                     f"{percentile(all_events, 95):.0f} ms", f"{percentile(all_events, 99):.0f} ms"))
    print_table(("event", "count", "p50", "p95", "p99"), rows)
    print()
    errors = sum(results.errors.values())
    print(f"errors: {errors}" + ("" if not errors else " — " + ", ".join(f"{k} × {v}" for k, v in results.errors.items())))
    print(f"throughput: {results.window_events / elapsed:.1f} events/s during the measured window")
    if burst:
        calm, during = results.by_phase["calm"], results.by_phase["burst"]
        before, under = percentile(calm, 95), percentile(during, 95)
        print(f"login burst: {len(burst)} logins over {args.burst_seconds:.0f} s, all answered within "
              f"{results.burst_lasted:.1f} s; browsing p95 {before:.0f} ms before it ({len(calm)} events), "
              f"{under:.0f} ms during it ({len(during)} events): x{under / before:.2f}")
    if samples and max(samples):
        print(f"server memory (RSS of the process tree): {idle_rss / 1e6:.0f} MB idle, peak {max(samples) / 1e6:.0f} MB, "
              f"median {statistics.median(samples) / 1e6:.0f} MB")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
