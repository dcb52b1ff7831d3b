"""Unit-test fixtures: a migrated SQLite database per test (copied from one migrated template)."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DCC_SECRET_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())

from dcc_portal import db as dbmod  # noqa: E402
from dcc_portal import migrate  # noqa: E402


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    dbmod.get_engine(url).dispose()
    return path


@pytest.fixture
def db_url(template_db, tmp_path) -> str:
    path = tmp_path / "test.db"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(db_url):
    """An open session on a fresh database; commit() is available to tests."""
    from sqlmodel import Session

    engine = dbmod.get_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()
    engine.dispose()
