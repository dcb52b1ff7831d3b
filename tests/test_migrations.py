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
