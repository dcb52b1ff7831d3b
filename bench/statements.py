"""What one small read costs the portal's process, layer by layer: the same lookup of a patient by public id (one row
of the patient table, as every patient page does) through the ORM session as an entity, through the session as
columns, through SQLAlchemy Core on the connection, through `db.Read` (the portal's hot reads) and through the
database driver alone; the same for a count.

    python -m bench.statements --db-url URL [--runs 2000]

Prints wall time and CPU time of this process per statement (the database server's own time is not in the CPU
figure). On PostgreSQL the driver prepares a statement after a few uses, so every layer runs prepared statements.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from bench.common import print_table
from dcc_portal import db as dbmod
from dcc_portal.models import Notification, Patient
from dcc_portal.services.access import rule
from dcc_portal.services.record import notifications

PATIENT_COLUMNS = select(*Patient.__table__.columns).where(Patient.public_id == bindparam("public_id"))
PATIENT_READ = dbmod.Read(PATIENT_COLUMNS)
UNREAD_COLUMNS = select(func.count(Notification.id)).where(Notification.account_id == bindparam("account_id"),
                                                           Notification.read_at.is_(None))


_COMPILED: dict[int, tuple[str, list[str]]] = {}


def _driver(session: Session, statement, values: dict) -> object:
    """The statement run by the driver alone, compiled once to the driver's own placeholders."""
    dialect = session.get_bind().dialect
    if id(statement) not in _COMPILED:
        compiled = statement.compile(dialect=dialect)
        _COMPILED[id(statement)] = str(compiled), list(compiled.positiontup or ())
    sql, names = _COMPILED[id(statement)]
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute(sql, [values[name] for name in names] if names else values)
    return cursor.fetchone()


def measure(url: str, runs: int) -> list[tuple[str, float, float]]:
    engine = dbmod.get_engine(url)
    with Session(engine) as session:
        public_ids = list(session.execute(select(Patient.public_id).limit(runs)).scalars())
        account_id = session.execute(select(Notification.account_id).limit(1)).scalar() or 0
    if not public_ids:
        raise SystemExit("no patient in this database: generate a region first")
    ways: list[tuple[str, Callable[[Session, str], object]]] = [
        ("patient, ORM entity (session.exec)", lambda s, p: s.exec(rule._PATIENT_BY_PUBLIC_ID, params={"public_id": p}).first()),
        ("patient, columns through the session", lambda s, p: s.execute(PATIENT_COLUMNS, {"public_id": p}).first()),
        ("patient, Core on the connection", lambda s, p: s.connection().execute(PATIENT_COLUMNS, {"public_id": p}).first()),
        ("patient, db.Read", lambda s, p: PATIENT_READ.first(s, {"public_id": p})),
        ("patient, driver cursor", lambda s, p: _driver(s, PATIENT_COLUMNS, {"public_id": p})),
        ("unread count, ORM (session.exec)", lambda s, p: s.exec(UNREAD_COLUMNS, params={"account_id": account_id}).one()),
        ("unread count, db.Read", lambda s, p: notifications._UNREAD.scalar(s, {"account_id": account_id})),
        ("unread count, driver cursor", lambda s, p: _driver(s, UNREAD_COLUMNS, {"account_id": account_id})),
    ]
    found = []
    for name, way in ways:
        with Session(engine) as session:
            for public_id in public_ids[:50]:
                way(session, public_id)
            wall, cpu = time.perf_counter(), time.process_time()
            for index in range(runs):
                way(session, public_ids[index % len(public_ids)])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            session.rollback()
        found.append((name, wall * 1000 / runs, cpu * 1000 / runs))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    rows = measure(args.db_url, args.runs)
    print(f"One small read, {args.runs} runs each, {args.db_url.split(':', 1)[0]}")
    print_table(("way", "wall per statement", "CPU of this process per statement"),
                [(name, f"{wall:.3f} ms", f"{cpu:.3f} ms") for name, wall, cpu in rows])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
