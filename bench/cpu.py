"""Where a run's CPU went: the time used by each kind of process on this machine between two readings of /proc,
in per cent of one core, and the machine's busy share of all its cores. The server's processes are given by pid;
PostgreSQL and Redis are recognised by their command name, wherever they were started; the load generator is this
process and its children."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("server", "PostgreSQL", "Redis", "load generator", "other")


def _ticks(stat: str) -> tuple[int, int]:
    """(ppid, utime + stime) from /proc/PID/stat (the command name may hold spaces and parentheses)."""
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _idle_and_total() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + values[4], sum(values)


@dataclass(frozen=True)
class Reading:
    at: float
    by_pid: dict[int, tuple[str, int]]  # pid -> (kind, ticks)
    idle: int
    total: int


@dataclass(frozen=True)
class Usage:
    seconds: float
    percent: dict[str, float]  # kind -> % of one core
    machine_busy: float  # % of one core, summed over the cores

    def per_event_ms(self, kind: str, events: int) -> float:
        """Milliseconds of one core this kind used per event answered in the window."""
        return self.percent.get(kind, 0.0) / 100 * self.seconds * 1000 / events if events else 0.0

    def line(self) -> str:
        parts = ", ".join(f"{kind} {self.percent.get(kind, 0.0):.0f}%" for kind in KINDS)
        return f"{parts}; machine busy {self.machine_busy:.0f}% of {os.cpu_count() * 100}%"


class Meter:
    def __init__(self, server_pids: Callable[[], list[int]]):
        self.server_pids = server_pids

    def _kind(self, pid: int, ppid: int, server: set[int], mine: int) -> str:
        if pid in server:
            return "server"
        if pid == mine or ppid == mine:
            return "load generator"
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return "other"
        if name.startswith("postgres") or name.startswith("postmaster"):
            return "PostgreSQL"
        if name.startswith("redis-server"):
            return "Redis"
        return "other"

    def read(self) -> Reading:
        server, mine = set(self.server_pids()), os.getpid()
        by_pid = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid, ticks = _ticks((entry / "stat").read_text())
            except (OSError, ValueError, IndexError):
                continue
            pid = int(entry.name)
            by_pid[pid] = (self._kind(pid, ppid, server, mine), ticks)
        idle, total = _idle_and_total()
        return Reading(time.monotonic(), by_pid, idle, total)

    @staticmethod
    def between(first: Reading, last: Reading) -> Usage:
        seconds = max(last.at - first.at, 1e-9)
        used: dict[str, int] = {}
        for pid, (kind, ticks) in last.by_pid.items():
            used[kind] = used.get(kind, 0) + ticks - first.by_pid.get(pid, (kind, 0))[1]
        percent = {kind: 100 * ticks / TICKS / seconds for kind, ticks in used.items()}
        total = max(last.total - first.total, 1)
        busy = 100 * (1 - (last.idle - first.idle) / total) * (os.cpu_count() or 1)
        return Usage(seconds, percent, busy)
