"""What every persistent outbox of the portal shares (DMP submissions, e-mails): claiming a due row with a lease,
giving it back with its outcome, exponential backoff, and the loops that run a worker.

An outbox table has `id`, `status`, `attempts`, `next_attempt_at`, `lease_owner`, `lease_expires_at`,
`last_attempt_at` and `updated_at`. A row is due when its status is claimable and `next_attempt_at` <= now.

- Claim: one UPDATE ... WHERE the row is still due (compare-and-set): two workers, threads or processes never hold
  the same row. A claimed row is "sending" until `next_attempt_at` = the end of its lease; a worker that dies
  mid-send leaves it there, and once the lease is over any worker takes it again (never lost on restart).
- Finish: the outcome is written only while the worker still holds the lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, update
from sqlmodel import select

from dcc_portal import db as dbmod


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def worker_name(name: str = "") -> str:
    return (name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")[:80]


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random) -> timedelta:
    """Exponential backoff with equal jitter: between half and all of min(cap, base * 2^(attempt-1))."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)


def due_clause(model, *, claimable: Iterable[str], now: datetime):
    return and_(model.status.in_(list(claimable)), model.next_attempt_at <= now)


def claim(db_url: str | None, model, *, claimable: Iterable[str], sending: str, owner: str, lease_seconds: float,
          now: datetime, extra: Iterable = ()) -> int | None:
    """Take one due row (compare-and-set) and hold it for `lease_seconds`; returns its id, or None."""
    claimable = list(claimable)
    due = due_clause(model, claimable=claimable, now=now)
    lease_end = now + timedelta(seconds=lease_seconds)
    with dbmod.transaction(db_url) as db:
        candidates = db.exec(
            select(model.id).where(due, *extra).order_by(model.next_attempt_at, model.id).limit(5)
        ).all()
        for candidate in candidates:
            taken = db.execute(
                update(model)
                .where(model.id == candidate, due)
                .values(status=sending, lease_owner=owner, lease_expires_at=lease_end, next_attempt_at=lease_end,
                        attempts=model.attempts + 1, last_attempt_at=now, updated_at=now)
            )
            if taken.rowcount == 1:
                return candidate
    return None


def finish(db, model, *, row_id: int, sending: str, owner: str, values: dict) -> bool:
    """Record an outcome if `owner` still holds the lease (the lease fields are cleared); False if it was lost."""
    values = {"lease_owner": "", "lease_expires_at": None, **values}
    return db.execute(
        update(model).where(model.id == row_id, model.status == sending, model.lease_owner == owner).values(**values)
    ).rowcount == 1


def run_forever(run_once: Callable[[], list], *, stop: threading.Event, poll: float, logger: logging.Logger,
                label: str) -> None:
    """A worker run alone (`python -m dcc_portal ...-worker`): until `stop` is set, sleeping `poll` s when idle."""
    while not stop.is_set():
        try:
            busy = bool(run_once())
        except Exception:  # the database may be briefly unavailable: never let the worker die
            logger.exception("%s: unexpected error, retrying", label)
            busy = False
        if not busy:
            stop.wait(poll)


async def run_in_portal(run_once: Callable[[], list], *, poll: float, logger: logging.Logger, label: str) -> None:
    """A worker living as long as the portal (a Reflex lifespan task): sends in a thread, polls when idle."""
    while True:
        try:
            busy = await asyncio.to_thread(run_once)
        except Exception:
            logger.exception("%s: unexpected error, retrying", label)
            busy = []
        if not busy:
            await asyncio.sleep(poll)
