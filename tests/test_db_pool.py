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
        admin.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _two_connections_at_once(url: str) -> set[int]:
    with dbmod.transaction(url) as first, dbmod.transaction(url) as second:
        return {_BACKEND_PID.first(first).pid, _BACKEND_PID.first(second).pid}


def test_connections_dropped_while_idle_are_replaced_before_a_transaction_uses_them(db_url, monkeypatch):
    dropped = _two_connections_at_once(db_url)
    _drop_connections(db_url)
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 0.0)

    assert _backend_pid(db_url) not in dropped  # no error reached the caller
    assert not _two_connections_at_once(db_url) & dropped


@pytest.mark.parametrize("read", [_backend_pid, _backend_pid_on_the_driver], ids=["sqlalchemy", "driver"])
def test_a_connection_in_constant_use_is_not_pinged_and_its_failure_renews_the_whole_pool(db_url, monkeypatch, read):
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 3600.0)
    dropped = _two_connections_at_once(db_url)
    _drop_connections(db_url)

    with pytest.raises(DBAPIError) as refused:
        read(db_url)
    assert refused.value.connection_invalidated
    # The other pooled connection, dropped too, is not handed out again.
    assert not _two_connections_at_once(db_url) & dropped
