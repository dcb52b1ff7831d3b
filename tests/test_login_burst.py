"""A burst of logins does not stall other users: the password hash is checked outside any transaction and off the
event loop, and a database kept busy by other writers is waited for and tried again, never shown as an error."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from dcc_portal import db as dbmod
from dcc_portal.models import Role
from dcc_portal.services.identity import passwords
from tests import factories as f
from tests.conftest import BACKEND

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock")


def test_the_password_hash_is_checked_outside_any_transaction_and_off_the_event_loop(db_url, monkeypatch):
    from dcc_portal.state import login

    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    with dbmod.transaction(db_url) as db:
        account, _ = f.account(db, role=Role.CLINICIAN, professional=f.professional(db))
    engine, seen = dbmod.get_engine(db_url), []
    real_check = passwords.check

    def watched_check(password, password_hash):
        seen.append((engine.pool.checkedout(), threading.current_thread().name,
                     os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return real_check(password, password_hash)

    monkeypatch.setattr(passwords, "check", watched_check)
    result, _ = asyncio.run(login._password_step(account.identifier, f.PASSWORD, "10.1.1.1"))
    unknown, _ = asyncio.run(login._password_step("nobody.here", f.PASSWORD, "10.1.1.1"))
    assert result.ok and not unknown.ok
    # No connection held, in the password pool, below the event loop's priority (other users' events go first).
    assert len(seen) == 2 and all(held == 0 and thread.startswith("password-check") and nice > os.nice(0)
                                  for held, thread, nice in seen), seen


@pytest.fixture
def locked(db_url):
    """The database's write lock held by another connection, and this process's connections told not to wait."""
    engine = dbmod.get_engine(db_url)
    event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA busy_timeout=0"))
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    yield engine, holder
    if holder.in_transaction:
        holder.rollback()
    holder.close()


@sqlite_only
def test_a_transaction_that_finds_the_database_locked_is_tried_again(locked):
    engine, holder = locked
    refused = []

    def release(context):
        refused.append(dbmod.is_contention(context.original_exception))
        holder.rollback()  # the other writer finishes

    event.listen(engine, "handle_error", release)
    calls = []

    def work(session):
        calls.append(1)
        return session.execute(text("SELECT count(*) FROM account")).scalar()

    assert dbmod.run(work, engine.url.render_as_string(hide_password=False)) == 0
    assert refused == [True] and calls == [1]


@sqlite_only
def test_a_database_busy_through_every_attempt_asks_the_user_to_try_again(locked):
    engine, _holder = locked
    with pytest.raises(DBAPIError) as error:
        dbmod.run(lambda session: session.execute(text("SELECT 1")).all(), engine.url.render_as_string(hide_password=False))
    assert dbmod.is_contention(error.value)
    from dcc_portal.dcc_portal import handle_backend_exception

    answer = repr(handle_backend_exception(error.value))
    assert "très sollicité" in answer and "locked" not in answer
