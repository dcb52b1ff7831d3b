"""`bench.load --compare REV`: this tree and git revision REV served side by side, each to half the sessions.

On a machine whose speed drifts from minute to minute (this development machine: the same code measured 9.8 and
11.3 ms of server CPU per event in two runs ten minutes apart), two runs taken one after the other cannot show a
change of a few per cent. Here both servers run at once on the same database, one Redis database each, with the
same number of workers, and the two halves of the sessions browse them through the same seconds: each server's
CPU per event answered is read from /proc over the same window, so a drift of the machine moves both alike.

REV is checked out in a temporary git worktree, removed at the end. Both servers serve the frontend built from this
tree (.web/build): compare revisions whose pages are the same (a change of the backend).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.common import data_folder, percentile, print_table
from bench.cpu import Meter


@contextmanager
def worktree(revision: str, root: Path) -> Iterator[Path]:
    """REV checked out beside this tree, serving this tree's frontend build."""
    build = root / ".web" / "build"
    if not build.is_dir():
        raise SystemExit(f"{build} is missing: run bench.load once without --no-build")
    folder = Path(tempfile.mkdtemp(prefix="dcc-compare-"))
    subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "--quiet", str(folder), revision], check=True)
    try:
        (folder / ".web").mkdir(exist_ok=True)
        (folder / ".web" / "build").symlink_to(build)
        yield folder
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(folder)], check=False)


def redis_database(url: str, number: int) -> str:
    """The same Redis server, database `number`: the two servers' states and locks do not meet."""
    base = re.sub(r"/\d*$", "", url.rstrip("/"))
    return f"{base}/{number}"


def run_paired(args, accounts: list[tuple[str, str]]) -> int:
    from bench.load import _reset_login_limits, run
    from tests.servers import ROOT, Portal

    _reset_login_limits(args.db_url, [identifier for identifier, _ in accounts])
    data_dir = data_folder("dcc-compare-data-")
    names = ("this tree", args.compare)
    servers: list[Portal] = []
    with worktree(args.compare, ROOT) as other:
        try:
            for number, app_dir in enumerate((ROOT, other)):
                server = Portal(db_url=args.db_url, data_dir=data_dir, log=data_dir / f"compare-{number}-server.log",
                                redis_url=redis_database(args.redis_url, number) if args.redis_url else None,
                                workers=args.workers, env={"DCC_SHARING_WORKER": "0"}, app_dir=app_dir)
                server.start(rebuild=number == 0 and not args.no_build)
                servers.append(server)
                print(f"{names[number]}: {server.base_url}", flush=True)

            async def both():
                return await asyncio.gather(*(
                    run(server.base_url, accounts[number::2], duration=args.duration, ramp=args.ramp,
                        think=args.think, seed_value=args.seed, origin=None, memory=server.rss_bytes,
                        meter=Meter(server.pids))
                    for number, server in enumerate(servers)))

            outcomes = asyncio.run(both())
        finally:
            for server in servers:
                server.stop()

    print()
    print(f"DCC Portal — paired comparison, {os.cpu_count()} CPU: {len(accounts)} sessions, half on each server, "
          f"{servers[0].workers} worker(s) each, think time {args.think:.0f} s")
    rows, per_event, errors = [], [], 0
    for name, (results, elapsed, _samples, logged, usage) in zip(names, outcomes):
        browsing = results.browsing()
        errors += (failed := sum(results.errors.values()))
        per_event.append(usage.per_event_ms("server", results.window_events))
        rows.append((name, str(logged), f"{elapsed:.0f} s", f"{results.window_events / elapsed:.1f}",
                     f"{percentile(browsing, 50):.0f} ms", f"{percentile(browsing, 95):.0f} ms", str(failed),
                     f"{usage.percent.get('server', 0):.0f}%", f"{per_event[-1]:.2f} ms"))
    print_table(("server", "sessions", "window", "events/s", "browsing p50", "browsing p95", "errors", "server CPU",
                 "server CPU per event"), rows)
    if per_event[0]:
        print(f"server CPU per event, {args.compare} / this tree: {per_event[1] / per_event[0]:.3f}")
    print(f"the machine during the first window, % of one core (PostgreSQL and Redis serve both): "
          f"{outcomes[0][4].line()}")
    return 0 if not errors else 1
