"""A first mapping for the import page: source fields matched to item ids by name, then by label.

The person checks and edits it once; the saved mapping is reused on the next import.
"""

from __future__ import annotations

import re
from pathlib import Path

from engagement.converters._text import safe_id
from engagement.instruments.model import Instrument
from engagement.readers.mapping import Mapping

_WORDS = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    return _WORDS.sub(" ", text.lower()).strip()


def match_fields(sources: list[tuple[str, str]], instrument: Instrument) -> dict[str, str]:
    """(source name, source label) -> item id: exact id, the converters' safe id, case, then label."""
    by_id = {it.id: it.id for it in instrument.items}
    by_lower = {it.id.lower(): it.id for it in instrument.items}
    by_label = {_norm(it.text): it.id for it in instrument.items if it.text}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name, label in sources:
        safe = safe_id(name, "q")
        # Qualtrics labels read "question - sub-question" (matrix rows, "- Text" entries): try each part
        labels = [label, *label.split(" - ")] if label else []
        item = (by_id.get(name) or by_id.get(safe) or by_lower.get(name.lower())
                or by_lower.get(safe.lower())
                or next((by_label[_norm(x)] for x in labels if _norm(x) in by_label), None))
        if item and item not in taken:
            out[name] = item
            taken.add(item)
    return out


def suggest_mapping(path: Path, fmt: str, instrument: Instrument) -> Mapping:
    from engagement.readers import _module

    reader = _module(fmt.strip().lower())
    sources, hints = reader.source_fields(Path(path))
    fields = match_fields(sources, instrument)
    text_items = {it.id for it in instrument.items if it.type == "text"}
    if hasattr(reader, "suggest_recodes"):
        hints["recodes"] = reader.suggest_recodes(Path(path), fields, instrument)
    return Mapping(instrument_id=instrument.id, instrument_version=instrument.version, fields=fields,
                   text_fields=[f for f, item in fields.items() if item in text_items], **hints)
