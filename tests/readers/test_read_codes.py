"""The readers use only catalogued codes, and only their own range (G400-G449)."""

from __future__ import annotations

import re
from pathlib import Path

from engagement.errors import CATALOGUE

READERS = Path(__file__).resolve().parents[2] / "engagement" / "readers"


def test_reader_codes_are_catalogued_and_in_range() -> None:
    used = set()
    for path in READERS.glob("*.py"):
        used |= set(re.findall(r'"(G4\d\d)"', path.read_text(encoding="utf-8")))
    assert used, "the readers raise no G4xx codes at all?"
    assert sorted(c for c in used if c not in CATALOGUE) == []
    assert sorted(c for c in used if not 400 <= int(c[1:]) <= 449) == []


def test_documented_codes() -> None:
    doc = (READERS.parents[1] / "docs" / "importing.md").read_text(encoding="utf-8")
    ours = sorted(c for c in CATALOGUE if re.fullmatch(r"G4[0-4]\d", c))
    assert [c for c in ours if c not in doc] == []


def test_every_mapping_key_is_documented() -> None:
    from engagement.readers.mapping import Mapping

    doc = (READERS.parents[1] / "docs" / "importing.md").read_text(encoding="utf-8")
    assert [k for k in Mapping.model_fields if f"`{k}`" not in doc] == []
