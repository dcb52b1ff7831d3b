"""The PostgreSQL pool: a connection that sat idle is checked before use, one in constant use is not."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from dcc_portal import db as dbmod
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the pool's checks are PostgreSQL's (TEST_DATABASE=postgres)")


_BACKEND_PID = dbmod.Read(select(func.pg_backend_pid().label("pid")))


def _backend_pid(url: str) -> int:
    with dbmod.transaction(url) as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _backend_pid_on_the_driver(url: str) -> int:
    with dbmod.transaction(url) as session:
        return _BACKEND_PID.first(session).pid


def _drop_connections(url: str) -> None:
    """What a restart of the database server does to the portal's pooled connections."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def test_a_connection_dropped_while_idle_is_replaced_before_the_transaction_uses_it(db_url, monkeypatch):
    dropped = _backend_pid(db_url)
    _drop_connections(db_url)
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 0.0)

    assert _backend_pid(db_url) != dropped  # no error reached the caller


def test_a_connection_in_constant_use_is_not_pinged_and_one_failure_renews_the_pool(db_url, monkeypatch):
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 3600.0)
    dropped = _backend_pid(db_url)
    _drop_connections(db_url)

    with pytest.raises(DBAPIError) as refused:
        _backend_pid(db_url)
    assert refused.value.connection_invalidated
    assert _backend_pid(db_url) != dropped


def test_a_failure_on_the_driver_renews_every_connection_of_the_pool(db_url, monkeypatch):
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with dbmod.transaction(db_url) as first, dbmod.transaction(db_url) as second:  # two connections in the pool
        dropped = {_BACKEND_PID.first(first).pid, _BACKEND_PID.first(second).pid}
    _drop_connections(db_url)

    with pytest.raises(DBAPIError) as refused:
        _backend_pid_on_the_driver(db_url)
    assert refused.value.connection_invalidated
    # The other pooled connection, dropped too, is not handed out again.
    assert _backend_pid_on_the_driver(db_url) not in dropped
