"""SQLite settings: WAL, foreign keys, busy timeout, and writers that wait instead of failing."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from engagement.db import database_url, make_engine, write_session


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("ENGAGEMENT_DATABASE_URL", raising=False)
    assert database_url(None).endswith("/data/engagement.db")
    monkeypatch.setenv("ENGAGEMENT_DATABASE_URL", "postgresql://u@h:5/d")
    assert database_url(None) == "postgresql+psycopg://u@h:5/d"
    assert database_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"


def test_second_writer_waits_for_the_first(tmp_path):
    """BEGIN IMMEDIATE: the second writer blocks on the lock, then succeeds; nobody sees 'locked'."""
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1, 0)"))
    errors: list[BaseException] = []
    first_has_lock = threading.Event()

    def increment(hold: float, signal: bool) -> None:
        try:
            with write_session(engine) as s:
                v = s.execute(text("SELECT v FROM t WHERE id = 1")).scalar_one()
                if signal:
                    first_has_lock.set()
                time.sleep(hold)
                s.execute(text("UPDATE t SET v = :v WHERE id = 1"), {"v": v + 1})
        except BaseException as exc:
            errors.append(exc)

    a = threading.Thread(target=increment, args=(0.5, True))
    a.start()
    first_has_lock.wait(5)
    b = threading.Thread(target=increment, args=(0, False))
    b.start()
    a.join()
    b.join()
    assert errors == []
    with engine.connect() as conn:
        # read-modify-write by both: no lost update, because the lock was taken at BEGIN
        assert conn.execute(text("SELECT v FROM t WHERE id = 1")).scalar_one() == 2
