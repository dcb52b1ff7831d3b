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
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
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


# A pooled connection left unused for longer than this is checked with a round trip before it is handed out: the
# server may have restarted or dropped it meanwhile. Under load connections come back within milliseconds, and every
# transaction would otherwise pay that round trip.
PING_AFTER_IDLE_SECONDS = 10.0
_RETURNED_AT = "dcc_returned_at"


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The server went away: this connection is opened again, and every other one opened before it is renewed
            # at its next checkout.
            raise InvalidatePoolError(str(error)) from error


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
                engine = create_engine(url, pool_size=10, max_overflow=20)
                _ping_when_idle(engine)
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


_CONNECTION = "dcc_connection"


def connection_of(session):
    """`session.connection()`, kept for the rest of the transaction: asking the session again costs as much as a small
    read on the driver. Statements run on it skip the ORM's execution layer (and its events)."""
    transaction = session.get_transaction()
    kept = session.info.get(_CONNECTION)
    if transaction is not None and kept is not None and kept[0] is transaction and transaction.is_active:
        return kept[1]
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


def _wrapped(connection, error: Exception, sql: str, values, cursor) -> DBAPIError:
    """A driver's error as SQLAlchemy reports it (`DBAPIError`, the original in `.orig`: `is_contention` reads it), the
    pool's connections dropped when the database went away."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if lost:
        # As SQLAlchemy does for its own statements: every connection opened before this one is renewed at its next
        # checkout (the server went away for all of them), not only this one.
        connection.engine.pool._invalidate(connection.connection, error)
        connection.invalidate(error)
    return DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error, connection_invalidated=lost,
                               dialect=dialect)


class Read:
    """A SELECT of plain columns, built once, that the events run again and again (the session check, the unread
    count, the access checks, the lists). It runs on the session's own connection and transaction through the
    database driver, compiled once per dialect, with the same conversions of values SQLAlchemy applies both ways
    (times in UTC, enumerations): the ORM and Core layers cost this process several times the driver's own work for a
    small read (`python -m bench.statements`). Rows are named tuples of the selected columns.

    Changes still pending in the session are flushed first, as the ORM does before a query. Statements with list
    parameters (IN of a list) go through SQLAlchemy Core, which expands them."""

    def __init__(self, statement):
        if not getattr(statement, "is_select", False):
            raise TypeError("Read runs SELECT statements only")
        names = [name for name in statement.selected_columns.keys() if not name.startswith("_")]  # "_no_label"
        if len(set(names)) != len(names):
            raise ValueError(f"columns selected twice under one name: {names}")
        self.statement = statement
        # Unlabelled columns (a bare subquery) are read by position.
        self.row = namedtuple("Row", list(statement.selected_columns.keys()), rename=True)
        self._plans: dict[str, tuple | None] = {}

    def _plan(self, dialect) -> tuple | None:
        compiled = self.statement.compile(dialect=dialect)
        if any(bind.expanding or bind.callable is not None for bind in compiled.bind_names):
            return None
        fixed, by_key = {}, {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            by_key.setdefault(bind.key, []).append((name, processor))
            if not bind.required:
                fixed[name] = bind.effective_value if processor is None else processor(bind.effective_value)
        result_processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                             for column in self.statement.selected_columns]
        positions = list(compiled.positiontup) if compiled.positional else None
        return (compiled.string, fixed, by_key, len(set(compiled.bind_names.values())), positions,
                result_processors if any(result_processors) else None)

    def run(self, session, params: dict[str, Any] | None = None) -> list:
        """Every row."""
        if session.autoflush and (session.new or session.dirty or session.deleted):
            session.flush()
        connection = connection_of(session)
        dialect = connection.dialect
        plan = self._plans.get(dialect.name, False)
        if plan is False:
            plan = self._plans[dialect.name] = self._plan(dialect)
        if plan is None:
            return [self.row._make(row) for row in connection.execute(self.statement, params or {})]
        sql, fixed, by_key, count, positions, result_processors = plan
        values = dict(fixed)
        for key, value in (params or {}).items():
            for name, processor in by_key.get(key, ()):
                values[name] = value if processor is None else processor(value)
        if len(values) < count:
            raise KeyError(f"missing parameters of {sorted(by_key)}: given {sorted(params or {})}")
        cursor = connection.connection.driver_connection.cursor()
        values = [values[name] for name in positions] if positions is not None else values
        if connection.dispatch.before_cursor_execute:  # statement counters and tracers still see it
            connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
        try:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(connection, error, sql, values, cursor) from error
        finally:
            cursor.close()
        if result_processors is None:
            return [self.row._make(row) for row in rows]
        return [self.row._make([value if processor is None else processor(value)
                                for processor, value in zip(result_processors, row)]) for row in rows]

    def first(self, session, params: dict[str, Any] | None = None):
        """The first row, or None."""
        rows = self.run(session, params)
        return rows[0] if rows else None

    def scalar(self, session, params: dict[str, Any] | None = None):
        """The first column of the first row, or None."""
        rows = self.run(session, params)
        return rows[0][0] if rows else None

    def scalars(self, session, params: dict[str, Any] | None = None) -> list:
        """The first column of every row."""
        return [row[0] for row in self.run(session, params)]
