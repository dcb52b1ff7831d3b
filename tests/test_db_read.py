"""`db.Read`: the hot reads run on the driver give what SQLAlchemy gives, inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, column, event, func, select, table
from sqlalchemy.exc import DBAPIError, IntegrityError, PendingRollbackError

from dcc_portal import db as dbmod
from dcc_portal.models import Account, Notification, Role
from tests import factories

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOTIFICATIONS = select(Notification.id, Notification.title, Notification.created_at, Notification.read_at,
                       Account.role, Account.identifier).join(Account, Account.id == Notification.account_id).where(
    Notification.account_id == bindparam("account_id"), Notification.kind != "never").order_by(Notification.id)


def _account(db) -> Account:
    account, _secret = factories.account(db, role=Role.GP, professional=factories.professional(db), enrolled=False)
    for n in range(3):
        db.add(Notification(account_id=account.id, kind="document", title=f"Nouveau compte rendu {n}",
                            created_at=T0 + timedelta(minutes=n), read_at=T0 + timedelta(hours=1) if n == 1 else None))
    db.flush()
    return account


def test_rows_are_those_sqlalchemy_reads_with_times_in_utc_and_names(db):
    account = _account(db)
    read = dbmod.Read(NOTIFICATIONS)
    rows = read.run(db, {"account_id": account.id})
    assert [tuple(row) for row in rows] == [tuple(row) for row in db.execute(NOTIFICATIONS, {"account_id": account.id})]
    assert [row.created_at for row in rows] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert rows[0].created_at.tzinfo is not None and rows[0].read_at is None
    assert rows[1].read_at == T0 + timedelta(hours=1)
    assert (rows[0].role, rows[0].identifier) == (Role.GP, account.identifier)
    assert read.first(db, {"account_id": account.id + 1000}) is None
    # A time given as a parameter is converted as SQLAlchemy converts it.
    after = dbmod.Read(select(func.count(Notification.id)).where(Notification.created_at > bindparam("after")))
    assert after.scalar(db, {"after": T0}) == 2


def test_it_sees_what_the_transaction_has_not_flushed_yet_and_list_parameters_work(db):
    account = _account(db)
    db.add(Notification(account_id=account.id, kind="document", title="Pas encore écrit", created_at=T0))
    titles = dbmod.Read(select(Notification.title).where(Notification.account_id.in_(bindparam("ids", expanding=True))))
    assert "Pas encore écrit" in titles.scalars(db, {"ids": [account.id]})
    assert len(titles.scalars(db, {"ids": [account.id, account.id + 1000]})) == 4


def test_statement_counters_see_it_and_driver_errors_come_as_sqlalchemy_errors(db):
    account = _account(db)
    sent = []

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(db.get_bind(), "before_cursor_execute", count)
    try:
        dbmod.Read(NOTIFICATIONS).run(db, {"account_id": account.id})
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", count)
    assert len(sent) == 1 and "FROM notification" in sent[0]
    with pytest.raises(KeyError):
        dbmod.Read(NOTIFICATIONS).run(db, {})
    with pytest.raises(DBAPIError) as raised:
        dbmod.Read(select(column("x")).select_from(table("no_such_table"))).run(db)
    assert raised.value.orig is not None
    with pytest.raises(TypeError):
        dbmod.Read(Notification.__table__.delete())


def test_after_a_failed_write_it_refuses_to_read_as_the_session_does(db):
    account = _account(db)
    read = dbmod.Read(NOTIFICATIONS)
    assert len(read.run(db, {"account_id": account.id})) == 3  # the transaction's connection is kept from here
    db.add(Notification(account_id=account.id + 1000, kind="document", title="Compte inconnu", created_at=T0))
    with pytest.raises(IntegrityError):
        db.flush()
    with pytest.raises(PendingRollbackError):
        read.run(db, {"account_id": account.id})
    db.rollback()
    assert read.run(db, {"account_id": account.id}) == []  # rolled back with the rest
