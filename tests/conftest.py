"""Unit-test fixtures: a migrated database per test, cloned from one migrated template.

SQLite by default; TEST_DATABASE=postgres runs the same tests on a real PostgreSQL started for the session."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.servers import memory_folder

os.environ.setdefault("DCC_SECRET_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
# The run's files (databases, uploaded PDFs, frozen CDA documents) live in memory when the machine allows it, out of
# the project's var/ folder; they are removed when the run ends.
RUN_FOLDER = tempfile.mkdtemp(prefix="dcc-tests-", dir=memory_folder())
os.environ.setdefault("DCC_DATA_DIR", os.path.join(RUN_FOLDER, "data"))
os.makedirs(os.environ["DCC_DATA_DIR"], exist_ok=True)

from dcc_portal import db as dbmod  # noqa: E402
from dcc_portal import migrate  # noqa: E402


BACKEND = os.environ.get("TEST_DATABASE", "sqlite")


@pytest.hookimpl(tryfirst=True)  # before pytest's own tmp_path set-up reads the option
def pytest_configure(config):
    if config.option.basetemp is None:
        config.option.basetemp = os.path.join(RUN_FOLDER, "pytest")


def pytest_unconfigure(config):
    shutil.rmtree(RUN_FOLDER, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    if BACKEND != "postgres":
        yield None
        return
    from tests.servers import Postgres

    server = Postgres()
    yield server
    dbmod.dispose_engines()
    server.stop()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, postgres) -> str:
    """URL of a migrated database that each test clones."""
    if postgres is not None:
        postgres.execute("CREATE DATABASE dcc_template")
        url = postgres.url("dcc_template")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
    migrate.upgrade(url)
    dbmod.get_engine(url).dispose()
    return url


@contextmanager
def cloned_database(template_url: str, postgres, folder) -> Iterator[str]:
    """A fresh copy of the migrated template, dropped afterwards."""
    if postgres is not None:
        name = f"test_{uuid.uuid4().hex[:12]}"
        postgres.execute(f"CREATE DATABASE {name} TEMPLATE dcc_template")
        url = postgres.url(name)
        try:
            yield url
        finally:
            dbmod.get_engine(url).dispose()
            postgres.execute(f"DROP DATABASE {name} WITH (FORCE)")
        return
    path = folder / f"test-{uuid.uuid4().hex[:8]}.db"
    shutil.copy(template_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    try:
        yield url
    finally:
        dbmod.get_engine(url).dispose()


@pytest.fixture
def db_url(template_db, tmp_path, postgres):
    with cloned_database(template_db, postgres, tmp_path) as url:
        yield url


@pytest.fixture
def db(db_url):
    """An open session on a fresh database; commit() is available to tests."""
    from sqlmodel import Session

    engine = dbmod.get_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()
    engine.dispose()
