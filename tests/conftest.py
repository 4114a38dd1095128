"""Shared fixtures: one migrated database per backend, each test in a rolled-back transaction.

PostgreSQL tests run when ENGAGEMENT_TEST_POSTGRES_URL names a server (a fresh database is created on it
for the run); without it they skip, unless REQUIRE_POSTGRES=1, when they fail. The same rule holds for
browser tests with REQUIRE_BROWSER=1 (see tests/browser/conftest.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from engagement import indicators_data
from engagement.db import database_url, make_engine
from engagement.migrate import upgrade
from engagement.permissions import Viewer

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def require_or_skip(env_flag: str, reason: str) -> None:
    if os.environ.get(env_flag) == "1":
        pytest.fail(f"{reason}, and {env_flag}=1 says it must be there")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"{SHARED_FIXTURES} is absent")
    return SHARED_FIXTURES


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("db") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _postgres_engine(prepare: Callable[[Engine], None] = upgrade) -> Iterator[Engine]:
    """A fresh database on the test server, prepared (migrated to head by default), dropped afterwards."""
    admin_url = os.environ.get("ENGAGEMENT_TEST_POSTGRES_URL")
    if not admin_url:
        require_or_skip("REQUIRE_POSTGRES", "ENGAGEMENT_TEST_POSTGRES_URL is not set")
    url = make_url(database_url(admin_url))
    name = f"engagement_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        prepare(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _sqlite_engine(tmp_path_factory)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    yield from _postgres_engine()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A Session inside an outer transaction that is rolled back after the test.

    Services flush but never commit; code that does commit only releases a savepoint here.
    """
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def system() -> Viewer:
    return Viewer.system_actor("test")


@pytest.fixture(autouse=True)
def _fresh_indicator_cache() -> Iterator[None]:
    # Rolled-back tests can reuse ids, so a cached frame from one test must never serve the next
    # (the dashboard's indicators and the risk frames share engagement.indicators_data's cache).
    indicators_data.clear_cache()
    yield
    indicators_data.clear_cache()
