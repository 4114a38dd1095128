"""A committed SQLite database for AppTest page tests (AppTest runs pages in this process)."""

from __future__ import annotations

from pathlib import Path

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
