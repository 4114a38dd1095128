"""What the import page needs besides the import itself: instrument choices and the mapping to edit."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.models import InstrumentVersion
from engagement.permissions import Viewer


def instrument_choices(session: Session) -> list[str]:
    """'instrument-id 1.0.0' for every registered version, newest last."""
    return [f"{i} {v}" for i, v in session.execute(
        select(InstrumentVersion.instrument_id, InstrumentVersion.version)
        .order_by(InstrumentVersion.instrument_id, InstrumentVersion.id))]


def load_or_suggest_mapping(session: Session, viewer: Viewer, study_id: str, fmt: str, path: Path,
                            choice: str) -> tuple[str, str]:
    """The saved mapping for this format when there is one, else one suggested from the file's fields."""
    from engagement.ingest.third_party import saved_mappings
    from engagement.instruments.registry import get_version
    from engagement.readers import suggest_mapping

    saved = saved_mappings(session, viewer, study_id, fmt)
    instrument_id, version = choice.rsplit(" ", 1)
    if "default" in saved and saved["default"].get("instrument_id") == instrument_id:
        return json.dumps(saved["default"], indent=2), "the saved mapping"
    _, instrument = get_version(session, instrument_id, version)
    suggested = suggest_mapping(path, fmt, instrument)
    return json.dumps(suggested.model_dump(mode="json"), indent=2), "suggested from the file's fields"


def parse_mapping_text(text: str):  # type: ignore[no-untyped-def]
    from engagement.readers import load_mapping

    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail("G457", f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    return load_mapping(content, where="the mapping box")
