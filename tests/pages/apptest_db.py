"""Committed SQLite databases for AppTest page tests (AppTest runs pages in this process), and running a page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from engagement.accounts import create_demo_users
from engagement.bundle.importer import import_bundle
from engagement.db import make_engine, write_session
from engagement.migrate import upgrade
from engagement.permissions import Viewer


def demo_database(folder: Path, participants: int = 80) -> str:
    """The demo study (small) with the demo accounts; returns its URL."""
    from engagement.demo import generate

    url = f"sqlite:///{folder / 'pages.db'}"
    engine = make_engine(url)
    upgrade(engine)
    system = Viewer.system_actor("test")
    generate(folder / "bundle", participants=participants, seed=3)
    with write_session(engine) as session:
        import_bundle(session, system, folder / "bundle")
        create_demo_users(session, system, "DEMO-ONC-01")
    engine.dispose()
    return url


def page_database(path: Path, monkeypatch: pytest.MonkeyPatch,
                  fill: Callable[[Session, Viewer], None]) -> Engine:
    """A migrated SQLite file, filled in one unit of work, that the pages under test open: db_engine() keeps
    one engine per URL, so pointing ENGAGEMENT_DATABASE_URL at a fresh file needs no cache clearing."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with write_session(engine) as session:
        fill(session, Viewer.system_actor("test"))
    monkeypatch.setenv("ENGAGEMENT_DATABASE_URL", url)
    return engine


def open_page(page: str | Path, user: str, *, timeout: int = 60, **state: Any) -> AppTest:
    """Run a page as a signed-in user (with extra session state); it must render without an exception."""
    at = AppTest.from_file(str(page), default_timeout=timeout)
    at.session_state["auth_username"] = user
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at
