"""`demo --load`: generate the demo bundle, import it, and add what the demo shows (accounts, summary)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from engagement.accounts import create_demo_users
from engagement.bundle.importer import import_bundle
from engagement.db import write_session
from engagement.migrate import is_empty, upgrade
from engagement.permissions import Viewer

DEMO_STUDY = "DEMO-ONC-01"


def load_demo(engine: Engine, viewer: Viewer, *, participants: int = 600, seed: int = 7,
              only_if_empty: bool = False) -> dict[str, Any]:
    upgrade(engine)
    if only_if_empty and not is_empty(engine):
        return {"loaded": False, "reason": "the database already holds a study"}
    from engagement.demo import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), participants=participants, seed=seed)
        with write_session(engine) as session:
            result = import_bundle(session, viewer, Path(tmp))
            users = create_demo_users(session, viewer, DEMO_STUDY)
            summary_loaded = _load_example_summary(session, viewer)
    return {"loaded": True, "counts": result.counts, "demo_users": [u.username for u in users],
            "lay_summary": summary_loaded}


def _load_example_summary(session, viewer: Viewer) -> bool:  # type: ignore[no-untyped-def]
    from engagement.lay_summary.demo import load_example

    load_example(session, viewer, DEMO_STUDY)
    return True
