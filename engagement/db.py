"""Engines and sessions: SQLite by default, PostgreSQL (psycopg 3) when a URL names it.

SQLite is tuned for many small concurrent writers (form submissions) beside readers (dashboards):
WAL so readers never block writers, foreign keys on, a busy timeout, and write transactions that take
the write lock up front with BEGIN IMMEDIATE. A deferred transaction that reads and then writes can
fail with "database is locked" when another writer got there first, whatever the timeout; taking the
lock at BEGIN makes a second writer wait on the busy timeout instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "engagement.db"
BUSY_TIMEOUT_S = 30
T = TypeVar("T")


def in_parts(values: Sequence[T], size: int) -> Iterable[list[T]]:
    """values in lists of at most size, for IN (...) lists kept under every backend's bound-parameter
    limit (each caller picks the size that suits its statement)."""
    for i in range(0, len(values), size):
        yield list(values[i:i + size])


def database_url(url: str | None = None) -> str:
    """--db URL, else ENGAGEMENT_DATABASE_URL, else the embedded SQLite file under data/."""
    chosen = url or os.environ.get("ENGAGEMENT_DATABASE_URL")
    if not chosen:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if "://" not in chosen:  # a bare path means a SQLite file
        return f"sqlite:///{Path(chosen).resolve()}"
    if chosen.startswith(("postgresql://", "postgres://")):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def make_engine(url: str | None = None) -> Engine:
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        return _sqlite_engine(resolved.render_as_string(hide_password=False))
    return create_engine(resolved, pool_pre_ping=True)


def _sqlite_engine(url: str) -> Engine:
    db_path = make_url(url).database
    if db_path and db_path != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    # A pool as large as the crowd of form submitters we test with (20): SQLite serialises the writes
    # anyway, but a thread waiting for a pooled connection would time out instead of queueing on the lock.
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                           pool_size=20, max_overflow=20, pool_timeout=BUSY_TIMEOUT_S)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed txn
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = "IMMEDIATE" if conn.get_execution_options().get("write", False) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@cache
def engine_for(url: str | None = None) -> Engine:
    """One engine per URL per process (pages rerun often; engines own connection pools)."""
    return make_engine(url)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A unit of work that writes: takes the write lock at BEGIN, commits on success, rolls back on error."""
    with Session(engine.execution_options(write=True), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
