"""docs/instruments.md must document every key of the format and every I3xx code of this area."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engagement.errors import CATALOGUE
from engagement.instruments.normalise import SCHEMA_KEYS

DOC = Path(__file__).resolve().parents[2] / "docs" / "instruments.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _documented_keys(doc: str) -> set[str]:
    """Keys in the first column of the key tables: rows starting with | `key` |."""
    return set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.MULTILINE))


@pytest.mark.parametrize("section", sorted(SCHEMA_KEYS))
def test_every_schema_key_is_documented(doc: str, section: str) -> None:
    missing = SCHEMA_KEYS[section] - _documented_keys(doc)
    assert not missing, f"docs/instruments.md does not document {section} keys {sorted(missing)}"


def test_every_instrument_code_is_documented(doc: str) -> None:
    ours = [c for c in CATALOGUE if re.fullmatch(r"I3[0-4]\d", c)]
    assert ours
    missing = [c for c in ours if f"| {c} |" not in doc]
    assert not missing


def test_the_doc_example_is_a_valid_instrument(doc: str) -> None:
    from engagement.instruments import load

    example = doc.split("```yaml", 1)[1].split("```", 1)[0]
    inst = load(example, origin="docs/instruments.md")
    assert inst.id == "visit-check"
    assert inst.localized("fr").item("had_time").help == "Pensez aux médecins."
