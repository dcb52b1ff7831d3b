"""The committed Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import dcc_portal.models  # noqa: F401  registers every table on SQLModel.metadata
from dcc_portal import db as dbmod
from dcc_portal import migrate


@pytest.fixture
def fresh_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    yield url
    dbmod.get_engine(url).dispose()


def differences(url: str) -> list:
    with dbmod.get_engine(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, SQLModel.metadata)


def test_upgraded_schema_matches_the_models(fresh_url):
    assert differences(fresh_url) == []


def test_upgrade_creates_every_model_table(fresh_url):
    tables = set(inspect(dbmod.get_engine(fresh_url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_upgrade_protects_the_audit_trail(fresh_url):
    with dbmod.get_engine(fresh_url).connect() as connection:
        triggers = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers


def test_upgrade_twice_is_harmless(fresh_url):
    migrate.upgrade(fresh_url)
    assert differences(fresh_url) == []


def test_downgrade_to_base_then_upgrade_again(fresh_url):
    config = migrate.alembic_config(fresh_url)
    command.downgrade(config, "base")
    leftover = set(inspect(dbmod.get_engine(fresh_url)).get_table_names()) - {"alembic_version"}
    assert leftover == set()
    command.upgrade(config, "head")
    assert differences(fresh_url) == []


def _insert_filled(connection, table: str, **given) -> None:
    """A row with every required column filled with a plain value of its type."""
    values = dict(given)
    for column in inspect(connection).get_columns(table):
        if column["name"] in values or column["nullable"] or column.get("default") is not None:
            continue
        kind = str(column["type"]).upper()
        values[column["name"]] = (1 if "INT" in kind else False if "BOOL" in kind
                                  else "2026-01-01 00:00:00" if "DATE" in kind or "TIME" in kind else "x")
    names = ", ".join(values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + name for name in values)})"), values)


def test_upgrade_keeps_the_rows_of_a_database_in_use(tmp_path):
    """Upgrading a database that holds rows other rows refer to (an organisation and its professional) must not
    rebuild the referred table: SQLite refuses to drop it while the foreign keys are enforced."""
    url = f"sqlite:///{tmp_path / 'in-use.db'}"
    command.upgrade(migrate.alembic_config(url), "53f8abefb472")
    with dbmod.get_engine(url).begin() as connection:
        _insert_filled(connection, "organisation", id=1)
        _insert_filled(connection, "professional", id=1)
        _insert_filled(connection, "professional_organisation", professional_id=1, organisation_id=1)
    migrate.upgrade(url)
    with dbmod.get_engine(url).connect() as connection:
        assert connection.execute(text("SELECT psc_only_allowed FROM organisation WHERE id = 1")).scalar_one() in (0, False)
        assert connection.execute(text("SELECT organisation_id FROM professional_organisation")).scalar_one() == 1
    assert differences(url) == []
    dbmod.get_engine(url).dispose()
