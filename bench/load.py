"""Load test: simulated clinicians and GPs over the real websocket protocol against the production server.

    python -m dcc_portal generate-region --db-url URL          # once, with the DCC_SECRET_KEY the server will use
    python -m bench.load --db-url URL --sessions 200 --duration 60 [--redis-url redis://... --workers 3]
    python -m bench.load --url http://host:port --db-url URL ...   # a server already running on that database
    python -m bench.load --db-url URL --floor [--steps 100,200,400] [--step-seconds 30]   # against bench/floor/
    python -m bench.load --db-url postgresql+psycopg://... --redis-url redis://... --instances 2   # one killed
    python -m bench.load --db-url ... --redis-url ... --compare REV   # this tree and revision REV side by side

Without --url the command starts `reflex run --env prod --single-port` itself on the database (SQLite: one worker;
with --redis-url: Reflex's state in Redis and --workers backend processes), and stops it at the end.

Each session is one account of the generated region (hospital clinicians and GPs, with the known TOTP seeds of
`dcc_portal.demo.region`): it opens /login, sends the password then a TOTP code (a code is accepted once: a refused
code is retried at the next time step), then browses with a think time: its worklist or "my patients", the next
page, a name search, a patient's file, one of the patient's documents. Sessions start over --ramp seconds; the
figures cover the --duration seconds after the last login. Prints event latency p50/p95/p99 per kind of action,
errors (timeouts, server errors, unexpected redirects), throughput, the server's memory (RSS of its process tree) and
where the machine's CPU went during the window (bench/cpu.py): the server, PostgreSQL, Redis and the load generator,
with the server's and PostgreSQL's CPU per event answered (in --floor, for each step of both apps).
With --login-burst N, the measured window is cut in two halves: in the second, N more accounts log in over
--burst-seconds while the sessions keep browsing; the browsing p95 is printed for the equal time before the burst and
for the burst (until its last login is answered), with the burst's errors. The burst's browsers run in a second
process, as they would on other machines; how late the browsing process's own event loop ran is printed too.
Before the run the login limits of the loopback address and of the chosen accounts are reset in the database
(all sessions come from one address). Every request goes to the server given or started here, on this machine: nothing else is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench.common import data_folder, percentile, print_table
from bench.cpu import Meter, Usage
from bench.reflex_client import ReflexClient, ServerError, state_name
from dcc_portal import db as dbmod
from dcc_portal import settings
from dcc_portal.demo import region, seed
from dcc_portal.services.identity import totp
from dcc_portal.state.document_reader import DocumentReaderState
from dcc_portal.state.gp import GpDocumentsState, GpPatientsState
from dcc_portal.state.login import LoginState
from dcc_portal.state.patient_lists import TeamWorklistState
from dcc_portal.state.reports import TeamDocumentsState
from dcc_portal.state.session import SessionState
from dcc_portal.state.sharing import DmpOppositionState



@dataclass(frozen=True)
class Shape:
    """The full names of the states the simulated users read and call, in one app."""

    login: str
    session: str
    worklist: str
    gp_list: str
    team_docs: str
    dmp_opposition: str
    gp_docs: str
    reader: str


def _shape(module_of: dict[str, str]) -> Shape:
    classes = {"login": "login_state", "session": "session_state", "worklist": "team_worklist_state",
               "gp_list": "gp_patients_state", "team_docs": "team_documents_state",
               "dmp_opposition": "dmp_opposition_state", "gp_docs": "gp_documents_state",
               "reader": "document_reader_state"}
    return Shape(**{field: state_name(module_of[field], snake) for field, snake in classes.items()})


PORTAL = Shape(login=LoginState.get_full_name(), session=SessionState.get_full_name(),
               worklist=TeamWorklistState.get_full_name(), gp_list=GpPatientsState.get_full_name(),
               team_docs=TeamDocumentsState.get_full_name(), dmp_opposition=DmpOppositionState.get_full_name(),
               gp_docs=GpDocumentsState.get_full_name(), reader=DocumentReaderState.get_full_name())
FLOOR = _shape(dict.fromkeys(Shape.__dataclass_fields__, "floor_app.floor_app"))
FLOOR_APP = Path(__file__).resolve().parent / "floor"
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
    received: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # bytes answered, by kind
    # How late this load generator's own event loop ran a short timer, by phase: its share of a latency measured.
    own_lag: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, seconds: float) -> None:
        if kind.startswith("login") or self.measuring:
            self.latencies[kind].append(seconds)
        if self.measuring:
            self.window_events += 1
            if self.phase and not kind.startswith("login"):
                self.by_phase[self.phase].append(seconds)

    def browsing(self) -> list[float]:
        """The measured latencies of every kind of event but the login steps."""
        return [v for kind, values in self.latencies.items() if not kind.startswith("login") for v in values]

    def size(self, kind: str, received: int) -> None:
        if self.measuring:
            self.received[kind].append(received)

    def error(self, kind: str, error: BaseException) -> None:
        # The message without the account identifier, so that the same failure is counted once.
        reason = " ".join(word for word in str(error).split() if not word.startswith("region."))[:60]
        self.errors[f"{kind}: {type(error).__name__}" + (f" ({reason})" if reason else "")] += 1


class Session:
    def __init__(self, base_url: str, identifier: str, role: str, results: Results, rng: random.Random, think: float,
                 origin: str | None, shape: Shape = PORTAL):
        self.client = ReflexClient(base_url, origin=origin, login_state=shape.login, session_state=shape.session)
        self.identifier, self.role, self.results, self.rng, self.think = identifier, role, results, rng, think
        self.shape = shape
        self.until = float("inf")
        self.reconnect = False  # when its socket dies: open the page again (bench.failover), instead of stopping
        self.reconnections = 0
        self.acknowledged = 0  # events answered: each one wrote its audit events

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
        received = self.client.received
        try:
            self.results.add(kind, await coroutine)
            self.results.size(kind, self.client.received - received)
            self.acknowledged += 1
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
        names = self.shape
        home, listing = ("/team", names.worklist) if team else ("/gp", names.gp_list)
        c = self.client
        # Every session starts browsing when the window opens: a first think time spreads them out, instead of
        # measuring one burst of simultaneous list loads.
        await self._pause()
        while time.monotonic() < self.until:
            if c.closed is not None:
                if not self.reconnect or not await self._reconnected():
                    return
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
                    f"/team/patient?p={patient}", c.expect_update(names.dmp_opposition, "loaded")))
                documents = c.get(names.team_docs, "items") or []
            else:
                ok = await self._timed("page: patient file", c.navigate(
                    f"/gp/patient?p={patient}", c.expect_update(names.gp_docs, "loaded")))
                documents = c.get(names.gp_docs, "items") or []
            await self._pause()
            if ok and documents:
                document = self.rng.choice(documents)["public_id"]
                await self._timed("page: document reader",
                                  c.navigate(f"/document?d={document}", c.expect_update(names.reader, "info")))
                await self._pause()

    async def _reconnected(self) -> bool:
        """The page opened again on a new socket, with the same tab token and session cookie (a browser reconnecting)."""
        await self.client.close()
        try:
            await self.client.connect(self.client.path, timeout=30)
        except (ServerError, TimeoutError, OSError) as error:
            self.results.error("reconnection", error)
            await asyncio.sleep(1)
            return time.monotonic() < self.until
        self.reconnections += 1
        return True

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
    browsing events answered meanwhile are counted as the burst's. Returns how long the burst lasted.

    The logging-in browsers run in a process of their own, as they would on other machines: their pages and logins
    must not hold up, in this process, the reading of the answers that the browsing sessions are timed on."""
    await asyncio.sleep(start_in)
    results.phase, started = "burst", time.monotonic()
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.load", "--burst-child",
                                                 stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    order = {"base_url": base_url, "accounts": accounts, "spread": spread, "origin": origin}
    answer, _ = await child.communicate(json.dumps(order).encode())
    if child.returncode != 0 or not answer.strip():
        raise SystemExit(f"the login burst process failed (exit {child.returncode})")
    report = json.loads(answer.decode().strip().splitlines()[-1])
    for kind, values in report["latencies"].items():
        results.latencies[kind].extend(values)
    for kind, count in report["errors"].items():
        results.errors[kind] += count
    results.phase = "after"
    return time.monotonic() - started


async def _burst_logins(base_url: str, accounts: list[tuple[str, str]], results: Results, *, spread: float,
                        origin: str | None) -> None:
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


def burst_child() -> int:
    """The burst's process: reads its order (JSON) on stdin, prints the login latencies and errors (JSON)."""
    order = json.load(sys.stdin)
    results = Results()
    asyncio.run(_burst_logins(order["base_url"], [tuple(account) for account in order["accounts"]], results,
                              spread=order["spread"], origin=order["origin"]))
    print(json.dumps({"latencies": results.latencies, "errors": results.errors}))
    return 0


async def run(base_url: str, accounts: list[tuple[str, str]], *, duration: float, ramp: float, think: float, seed_value: int,
              origin: str | None, memory, meter: Meter, burst: list[tuple[str, str]] = (), burst_seconds: float = 5
              ) -> tuple[Results, float, list[int], int, Usage]:
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

    async def probe_own_lag(tick: float = 0.05):
        while not stop_sampling.is_set():
            due = time.monotonic() + tick
            await asyncio.sleep(tick)
            if results.measuring:
                results.own_lag[results.phase or "window"].append(time.monotonic() - due)

    sampler = asyncio.gather(sample_memory(), probe_own_lag())

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
    first = meter.read()
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
    usage = Meter.between(first, meter.read())
    stop_sampling.set()
    await sampler
    await asyncio.gather(*(s.client.close() for s in sessions), return_exceptions=True)
    return results, elapsed, samples, len(logged), usage


@dataclass
class Step:
    sessions: int
    events_per_second: float
    p95_ms: float
    errors: int
    bytes_by_kind: dict[str, float]
    cpu: Usage
    events: int

    @property
    def saturated(self) -> bool:
        return self.p95_ms > SATURATION_P95_MS or self.errors > 0


SATURATION_P95_MS = 150


async def staircase(base_url: str, accounts: list[tuple[str, str]], shape: Shape, *, steps: list[int], seconds: float,
                    ramp: float, think: float, origin: str | None, meter: Meter) -> list[Step]:
    """More and more sessions: at each step the new ones log in over `ramp` seconds while the others keep browsing
    (not measured), then every session browses for `seconds` measured ones. Stops after the first step whose browsing
    p95 exceeds SATURATION_P95_MS or that had an error (its logins' included)."""
    rng = random.Random(1)
    sessions: list[Session] = []
    tasks: list[asyncio.Task] = []
    found: list[Step] = []
    try:
        for target in steps:
            ramping = Results()
            fresh = [Session(base_url, identifier, role, ramping, random.Random(rng.random()), think, origin, shape)
                     for identifier, role in accounts[len(sessions):target]]
            for session in sessions:
                session.results = ramping

            async def log_in(index: int, session: Session) -> None:
                await asyncio.sleep(ramp * index / max(1, len(fresh)))
                try:
                    await session.login()
                except (ServerError, TimeoutError, OSError) as error:
                    ramping.error("login", error)
                    return
                tasks.append(asyncio.create_task(session.browse(float("inf"))))

            await asyncio.gather(*(log_in(i, s) for i, s in enumerate(fresh)))
            sessions.extend(fresh)
            window = Results(measuring=True)
            for session in sessions:
                session.results = window
            first = meter.read()
            await asyncio.sleep(seconds)
            window.measuring = False
            usage = Meter.between(first, meter.read())
            browsing = window.browsing()
            step = Step(len(sessions), window.window_events / seconds, percentile(browsing, 95) if browsing else 0.0,
                        sum(window.errors.values()) + sum(ramping.errors.values()),
                        {kind: statistics.mean(sizes) for kind, sizes in window.received.items() if sizes},
                        usage, window.window_events)
            found.append(step)
            print(f"  {step.sessions} sessions: {step.events_per_second:.1f} events/s, browsing p95 {step.p95_ms:.0f} ms, "
                  f"errors {step.errors}; CPU: {usage.line()}", flush=True)
            if step.saturated:
                break
    finally:
        for session in sessions:
            session.until = 0
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(s.client.close() for s in sessions), return_exceptions=True)
    return found


def _saturation(steps: list[Step]) -> str:
    last = steps[-1] if steps else None
    if last is None or not last.saturated:
        return f"not reached at {last.sessions if last else 0} sessions"
    return f"{last.sessions} sessions, {last.events_per_second:.0f} events/s"


def floor_comparison(args, accounts: list[tuple[str, str]]) -> int:
    """The same staircase against the bare floor app (with --floor-duty, then the floor doing the least database work
    a page owes), then against the portal, in this run."""
    from bench.floor.floor_app import duty
    from tests.servers import Portal

    steps = [int(n) for n in args.steps.split(",")]
    accounts = accounts[:max(steps)]
    data_dir = data_folder("dcc-floor-")
    apps = [("floor", FLOOR, FLOOR_APP, {})]
    if args.floor_duty:
        apps.append(("floor + duty", FLOOR, FLOOR_APP, {"DCC_FLOOR_DUTY": "1"}))
    apps.append(("portal", PORTAL, None, {}))
    runs: dict[str, list[Step]] = {}
    for name, shape, app_dir, env in apps:
        _reset_login_limits(args.db_url, [identifier for identifier, _ in accounts])
        server = Portal(db_url=args.db_url, data_dir=data_dir, log=data_dir / f"{name.replace(' + ', '-')}-server.log",
                        redis_url=args.redis_url, workers=args.workers, env={"DCC_SHARING_WORKER": "0", **env},
                        **({"app_dir": app_dir} if app_dir else {}))
        server.start(rebuild=app_dir is not None or not args.no_build)
        print(f"{name}: {server.base_url}, {'Redis, %d workers' % server.workers if args.redis_url else '1 worker'}",
              flush=True)
        try:
            runs[name] = asyncio.run(staircase(server.base_url, accounts, shape, steps=steps, seconds=args.step_seconds,
                                               ramp=args.ramp, think=args.think, origin=None, meter=Meter(server.pids)))
        finally:
            server.stop()
            if env:
                duty.drop(args.db_url)
    print()
    print(f"DCC Portal against a bare Reflex app of the same shape, {os.cpu_count()} CPU, {date.today()}, "
          f"think time {args.think:.0f} s, {args.step_seconds:.0f} s measured per step; saturation = browsing p95 over "
          f"{SATURATION_P95_MS} ms or a first error")
    if args.floor_duty:
        print("floor + duty: the floor app also doing, per page, the session check, the access rule, the page's rows, "
              "a chained audit event and a durable commit (bench/floor/floor_app/duty.py)")
    rows = []
    for name, steps_run in runs.items():
        rows.extend((name, str(s.sessions), f"{s.events_per_second:.1f}", f"{s.p95_ms:.0f} ms", str(s.errors),
                     f"{s.cpu.percent.get('server', 0):.0f}%", f"{s.cpu.per_event_ms('server', s.events):.1f} ms",
                     f"{s.cpu.per_event_ms('PostgreSQL', s.events):.1f} ms", f"{s.cpu.machine_busy:.0f}%")
                    for s in steps_run)
    print_table(("app", "sessions", "events/s", "browsing p95", "errors", "server CPU", "server CPU per event",
                 "PostgreSQL CPU per event", "machine busy"), rows)
    print()
    kinds = sorted({kind for steps_run in runs.values() for s in steps_run for kind in s.bytes_by_kind})
    print_table(("event", *(f"bytes answered ({name})" for name in runs)), [
        (kind, *(f"{statistics.mean([s.bytes_by_kind[kind] for s in steps_run if kind in s.bytes_by_kind] or [0]):.0f}"
                 for steps_run in runs.values())) for kind in kinds])
    print()
    print("; ".join(f"{name} saturation: {_saturation(steps_run)}" for name, steps_run in runs.items()))
    names = list(runs)
    for later, name in enumerate(names):
        for reference in names[:later]:
            point, base = runs[name][-1], runs[reference][-1]
            if point.saturated and base.saturated:
                print(f"{name} / {reference}: {point.sessions / base.sessions:.0%} of the sessions, "
                      f"{point.events_per_second / base.events_per_second:.0%} of the events/s")
    return 0


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
    parser.add_argument("--floor", action="store_true",
                        help="staircase of sessions against a bare Reflex app of the same shape, then the portal")
    parser.add_argument("--floor-duty", action="store_true",
                        help="with --floor, PostgreSQL: also the floor app doing the least database work a page owes "
                             "(bench/floor/floor_app/duty.py), between the bare floor and the portal")
    parser.add_argument("--steps", default="100,200,400,600,800,1000,1200,1500",
                        help="with --floor: session counts of the staircase")
    parser.add_argument("--step-seconds", type=float, default=30, help="with --floor: seconds measured per step")
    parser.add_argument("--instances", type=int, default=1, choices=(1, 2),
                        help="2: two instances behind nginx, one killed half-way (PostgreSQL + Redis; bench/failover.py)")
    parser.add_argument("--compare", metavar="REV",
                        help="serve git revision REV beside this tree, each to half the sessions in the same window, "
                             "and print each server's CPU per event (bench/compare.py)")
    parser.add_argument("--burst-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.burst_child:
        return burst_child()
    if args.floor_duty and not (args.floor and args.db_url.startswith("postgresql")):
        parser.error("--floor-duty goes with --floor on a PostgreSQL region")

    from tests.servers import Portal

    if args.instances == 2:
        from bench.failover import run_two_instances

        return run_two_instances(args, _accounts(args.db_url, args.sessions))
    if args.compare:
        from bench.compare import run_paired

        return run_paired(args, _accounts(args.db_url, args.sessions))
    if args.floor:
        return floor_comparison(args, _accounts(args.db_url, max(int(n) for n in args.steps.split(","))))
    accounts = _accounts(args.db_url, args.sessions + args.login_burst)
    accounts, burst = accounts[:args.sessions], accounts[args.sessions:]
    _reset_login_limits(args.db_url, [identifier for identifier, _ in accounts])
    portal = None
    if args.url:
        base_url, memory, meter = args.url.rstrip("/"), (lambda: 0), Meter(lambda: [])
        mode = f"server at {base_url}"
    else:
        data_dir = data_folder("dcc-load-")
        portal = Portal(db_url=args.db_url, data_dir=data_dir, log=data_dir / "load-server.log",
                        redis_url=args.redis_url, workers=args.workers, env={"DCC_SHARING_WORKER": "0"})
        portal.start(rebuild=not args.no_build)
        base_url, memory, meter = portal.base_url, portal.rss_bytes, Meter(portal.pids)
        mode = (f"PostgreSQL + Redis, {portal.workers} workers" if args.redis_url else
                ("PostgreSQL, 1 worker" if not args.db_url.startswith("sqlite") else "SQLite, 1 worker"))
    try:
        idle_rss = memory()
        results, elapsed, samples, logged, usage = asyncio.run(run(
            base_url, accounts, duration=args.duration, ramp=args.ramp, think=args.think, seed_value=args.seed,
            origin=None, memory=memory, meter=meter, burst=burst, burst_seconds=args.burst_seconds))
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
        calm, during, later = results.by_phase["calm"], results.by_phase["burst"], results.by_phase["after"]
        before, under = percentile(calm, 95), percentile(during, 95)
        print(f"login burst: {len(burst)} logins over {args.burst_seconds:.0f} s, all answered within "
              f"{results.burst_lasted:.1f} s; browsing p95 {before:.0f} ms before it ({len(calm)} events), "
              f"{under:.0f} ms during it ({len(during)} events): x{under / before:.2f}"
              + (f"; {percentile(later, 95):.0f} ms after it ({len(later)} events): "
                 f"x{under / percentile(later, 95):.2f}" if later else ""))
    print("load generator's own event loop, lateness of a 50 ms timer: " + "; ".join(
        f"{phase} p95 {percentile(lags, 95):.0f} ms, max {max(lags) * 1000:.0f} ms"
        for phase, lags in results.own_lag.items() if lags))
    print(f"CPU during the measured window, % of one core: {usage.line()}")
    print(f"CPU per event answered: server {usage.per_event_ms('server', results.window_events):.1f} ms, "
          f"PostgreSQL {usage.per_event_ms('PostgreSQL', results.window_events):.1f} ms, "
          f"Redis {usage.per_event_ms('Redis', results.window_events):.1f} ms")
    if samples and max(samples):
        print(f"server memory (RSS of the process tree): {idle_rss / 1e6:.0f} MB idle, peak {max(samples) / 1e6:.0f} MB, "
              f"median {statistics.median(samples) / 1e6:.0f} MB")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
