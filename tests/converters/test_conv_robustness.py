"""Any input either converts or is refused with a converter code; nothing else escapes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement.converters import convert, detect_format
from engagement.errors import CATALOGUE, EngagementError

CELL = st.text(alphabet=st.sampled_from(list('ab1|, -_:"\n<>')), max_size=12)
REDCAP_TYPES = st.sampled_from(
    ["text", "notes", "radio", "dropdown", "checkbox", "yesno", "slider", "calc", "descriptive", "odd"]
)


def _try(text: str, suffix: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"source{suffix}"
        path.write_text(text, encoding="utf-8")
        codes: list[str] = []
        try:
            convert(path, fmt)
        except EngagementError as exc:
            codes = exc.codes
    assert all(code in CATALOGUE for code in codes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CELL, CELL, REDCAP_TYPES, CELL, CELL), max_size=6))
def test_redcap_rows_never_crash(rows: list[tuple[str, str, str, str, str]]) -> None:
    lines = ["field_name,form_name,field_type,field_label,select_choices_or_calculations"]
    lines += [",".join(json.dumps(c) for c in row) for row in rows]
    _try("\n".join(lines), ".csv", "redcap")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, max_size=5), max_size=8))
def test_xlsform_markdown_never_crashes(rows: list[list[str]]) -> None:
    body = "\n".join("| " + " | ".join(c.replace("|", "").replace("\n", " ") for c in r) + " |" for r in rows)
    _try("| survey |\n| | type | name | label |\n" + body, ".md", "xlsform")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | CELL,
        lambda kids: (
            st.lists(kids, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "linkId",
                        "type",
                        "text",
                        "item",
                        "answerOption",
                        "valueCoding",
                        "code",
                        "answerValueSet",
                        "repeats",
                    ]
                ),
                kids,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_fhir_items_never_crash(items: object) -> None:
    _try(json.dumps({"resourceType": "Questionnaire", "status": "active", "item": items}), ".json", "fhir")


def test_detect_format(tmp_path: Path) -> None:
    q = tmp_path / "q.json"
    q.write_text('{"resourceType": "Questionnaire"}', encoding="utf-8")
    d = tmp_path / "d.csv"
    d.write_text('"Variable / Field Name","Form Name"\n', encoding="utf-8")
    f = tmp_path / "f.csv"
    f.write_text("survey,,\n,type,name\n", encoding="utf-8")
    found = [detect_format(p) for p in (q, d, f, tmp_path / "x.xlsx")]
    assert found == ["fhir", "redcap", "xlsform", "xlsform"]


def test_every_code_the_converters_use_is_catalogued() -> None:
    import re

    package = Path(__file__).resolve().parents[2] / "engagement" / "converters"
    source = "".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    used = set(re.findall(r'"(I3\d\d)"', source))
    assert used
    assert all("I350" <= code <= "I399" for code in used)
    assert used <= set(CATALOGUE)
