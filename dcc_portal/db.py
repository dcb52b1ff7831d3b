"""Database engine and transactions.

SQLite is the embedded default: every connection gets WAL, synchronous=FULL, foreign keys, a busy
timeout and a larger page cache, and every transaction starts with BEGIN IMMEDIATE. Most transactions write an audit
event, and an immediate transaction never fails half-way when another writer committed first.

A transaction that could not start or finish because of other writers ("database is locked" once the busy timeout
has run out, a PostgreSQL serialisation failure or deadlock) is tried again a bounded number of times: at BEGIN
for SQLite, and as a whole unit of work through `run`.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dcc_portal import settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
ATTEMPTS = 3
# Marks the sessions opened by `transaction`: the caller's unit of work, which a refusal abandons (access.deny).
_UNIT_OF_WORK = "dcc_unit_of_work"
T = TypeVar("T")


def is_contention(error: BaseException) -> bool:
    """Another writer got in the way: worth trying the same work again."""
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) in ("40001", "40P01"):  # serialization_failure, deadlock_detected
        return True
    return isinstance(original, sqlite3.OperationalError) and any(
        word in str(original) for word in ("database is locked", "database is busy"))


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun explicitly below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        # 64 MiB of page cache per connection (the default is 2 MiB): a regional database is gigabytes, and a list
        # reads thousands of scattered rows (busiest worklist: 10 ms -> 3 ms). Filled only as pages are read.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        for attempt in range(ATTEMPTS):
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except DBAPIError as error:
                if attempt + 1 == ATTEMPTS or not is_contention(error):
                    raise
                _pause(attempt)


def get_engine(url: str | None = None) -> Engine:
    url = url or settings.db_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                # Last in, first out: a connection's page cache survives its own commits but is dropped whenever
                # another connection wrote, so the pool hands out the connection used last.
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, pool_use_lifo=True)
                _configure_sqlite(engine)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        session.info[_UNIT_OF_WORK] = True
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_unit_of_work(session: Session) -> bool:
    """Opened by `transaction`: the session's transaction is the caller's whole unit of work."""
    return bool(session.info.get(_UNIT_OF_WORK))


def run(work: Callable[[Session], T], url: str | None = None) -> T:
    """`work` in one transaction, run again (at most ATTEMPTS times in all) when other writers got in the way. The
    work must be safe to repeat: it is rolled back before each new attempt."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction(url) as session:
                return work(session)
        except DBAPIError as error:
            if attempt + 1 == ATTEMPTS or not is_contention(error):
                raise
            _pause(attempt)
    raise AssertionError("unreachable")
