"""Bulk inserts for the generated region: executemany on SQLite, COPY on PostgreSQL, identifiers given by the
caller; then the id sequences moved past them and the planner's statistics refreshed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Boolean, Date, DateTime
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel


def _naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class BulkWriter:
    """Inserts rows as fast as the database takes them: executemany (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.connection = sqlite3.connect(make_url(url).database, isolation_level=None)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=OFF")  # set-up data, written once; the portal uses FULL
            self.connection.execute("BEGIN")
        else:
            import psycopg

            parsed = make_url(url)
            self.connection = psycopg.connect(
                host=parsed.host or "localhost", port=parsed.port or 5432, user=parsed.username,
                password=parsed.password, dbname=parsed.database,
            )
        self.counts: dict[str, int] = {}

    def max_id(self, table: str, column: str = "id") -> int:
        cursor = self.connection.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")
        return int(cursor.fetchone()[0])

    def scalar(self, sql: str):
        row = self.connection.execute(sql).fetchone()
        return row[0] if row else None

    def _converters(self, table: str, columns: Sequence[str]):
        sql_table = SQLModel.metadata.tables[table]
        converters = []
        for name in columns:
            kind = sql_table.c[name].type
            kind = getattr(kind, "impl_instance", kind)
            if self.sqlite and isinstance(kind, DateTime):
                converters.append(lambda v: None if v is None else _naive(v))
            elif self.sqlite and isinstance(kind, Date):
                converters.append(lambda v: None if v is None else v.isoformat())
            elif self.sqlite and isinstance(kind, Boolean):
                converters.append(lambda v: None if v is None else int(v))
            else:
                converters.append(None)
        return converters

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        quoted = ", ".join(f'"{name}"' for name in columns)
        if self.sqlite:
            converters = self._converters(table, columns)
            if any(converters):
                rows = [tuple(c(v) if c else v for c, v in zip(converters, row, strict=True)) for row in rows]
            self.connection.executemany(
                f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})', rows)
        else:
            with self.connection.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)

    def execute(self, sql: str, params: Sequence = ()) -> None:
        if self.sqlite:
            self.connection.execute(sql, params)
        else:
            self.connection.execute(sql.replace("?", "%s"), params)

    def commit(self) -> None:
        if self.sqlite:
            self.connection.execute("COMMIT")
            self.connection.execute("BEGIN")
        else:
            self.connection.commit()

    def finish(self) -> None:
        """Commit, move the id sequences past the ids given here, refresh the planner's statistics."""
        if self.sqlite:
            self.connection.execute("COMMIT")
            self.connection.execute("ANALYZE")
        else:
            for table in self.counts:
                if "id" in SQLModel.metadata.tables[table].c and SQLModel.metadata.tables[table].c.id.autoincrement:
                    self.connection.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
            self.connection.commit()
            self.connection.autocommit = True
            self.connection.execute("ANALYZE")
        self.connection.close()
