"""CSV and Excel tables, wide and long, and the mapping itself."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from engagement.errors import EngagementError
from engagement.instruments.model import Instrument
from engagement.readers import Mapping, load_mapping, read, suggest_mapping

WIDE = """participant,visit,date,q1,q2,note,quote
P1,baseline,2026-03-01 09:00,3,4,fine,yes
P2,baseline,2026-03-02T10:00:00+02:00,5,,,
P3,baseline,,,,,
P1,baseline,2026-03-01 09:00,1,1,dup,
"""
LONG = """participant,visit,date,item,value
P1,baseline,2026-03-01 09:00,q1,3
P1,baseline,2026-03-01 09:00,q2,4
P1,baseline,2026-03-01 09:00,note,hello
P2,baseline,2026-03-01 09:00,q1,9
P2,baseline,2026-03-01 09:00,zz,1
P2,baseline,2026-03-01 09:00,q2,2
P2,baseline,2026-03-01 09:00,q2,3
"""


def mapping(**extra: object) -> Mapping:
    return Mapping.model_validate({"instrument_id": "pulse", "instrument_version": "1.0.0",
                                   "fields": {"q1": "q1", "q2": "q2", "note": "note"},
                                   "participant_column": "participant", "timepoint_column": "visit",
                                   "submitted_at_column": "date", **extra})


def answers(r) -> list[tuple]:
    return r.responses[["submission_id", "participant_id", "timepoint_id", "submitted_at", "item_id", "value",
                        "source_row"]].to_records(index=False).tolist()


def where(problems: list) -> list[tuple]:
    return [(p.code, p.row, p.column) for p in problems]


def test_wide_csv(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("w.csv", WIDE), "table", mapping(consent_field="quote"), pulse, study_id="S1")
    assert answers(r) == [
        ("table:pulse:P1:baseline", "P1", "baseline", "2026-03-01T09:00:00Z", "q1", "3", 2),
        ("table:pulse:P1:baseline", "P1", "baseline", "2026-03-01T09:00:00Z", "q2", "4", 2),
        ("table:pulse:P2:baseline", "P2", "baseline", "2026-03-02T08:00:00Z", "q1", "5", 3),
    ]
    assert r.comments.to_records(index=False).tolist() == [
        ("table:pulse:P1:baseline", "note", "fine", "true")]
    assert where(r.report.errors) == [("G416", 5, None)]
    assert where(r.report.warnings) == [("G418", 4, None)]


def test_long_csv(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("l.csv", LONG), "table", mapping(layout="long", fields={}), pulse, study_id="S1")
    assert answers(r) == [
        ("table:pulse:P1:baseline", "P1", "baseline", "2026-03-01T09:00:00Z", "q1", "3", 2),
        ("table:pulse:P1:baseline", "P1", "baseline", "2026-03-01T09:00:00Z", "q2", "4", 3),
        ("table:pulse:P2:baseline", "P2", "baseline", "2026-03-01T09:00:00Z", "q2", "2", 7),
    ]
    assert r.comments["text"].tolist() == ["hello"]
    assert sorted(where(r.report.errors)) == [("G405", 5, "value"), ("G415", 8, "item")]
    assert where(r.report.warnings) == [("G413", 6, "item")]


def test_xlsx_wide(tmp_path: Path, pulse: Instrument) -> None:
    book = Workbook()
    book.active.title = "notes"
    ws = book.create_sheet("answers")
    ws.append(["participant", "visit", "date", "q1", "q2", "note"])
    first = dt.datetime(2026, 3, 1, 9, 0)  # noqa: DTZ001 - Excel cells have no time zone
    second = dt.datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001
    ws.append(["P1", "baseline", first, 3.0, 4, "fine"])
    ws.append(["P2", "baseline", second, 2, None, None])
    path = tmp_path / "t.xlsx"
    book.save(path)
    r = read(path, "table", mapping(sheet="answers"), pulse, study_id="S1")
    assert answers(r) == [
        ("table:pulse:P1:baseline", "P1", "baseline", "2026-03-01T09:00:00Z", "q1", "3", 2),
        ("table:pulse:P1:baseline", "P1", "baseline", "2026-03-01T09:00:00Z", "q2", "4", 2),
        ("table:pulse:P2:baseline", "P2", "baseline", "2026-03-02T09:30:00Z", "q1", "2", 3),
    ]
    r = read(path, "table", mapping(sheet="nope"), pulse, study_id="S1")
    assert where(r.report.errors) == [("G424", None, None)]


@pytest.mark.parametrize(("extra", "code"), [
    ({"participant_column": None, "timepoint_column": None}, "G404"),
    ({"key_columns": ["record"]}, "G402"),
    ({"layout": "long", "item_column": "question"}, "G402"),
    ({"fields": {"q9": "q1"}}, "G402"),
])
def test_refusals(write: Callable[..., Path], pulse: Instrument, extra: dict, code: str) -> None:
    r = read(write("w.csv", WIDE), "table", mapping(**extra), pulse, study_id="S1")
    assert code in [p.code for p in r.report.errors]


def test_unknown_format(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("w.csv", WIDE), "spss", mapping(), pulse, study_id="S1")
    assert [p.code for p in r.report.errors] == ["G403"]


def test_mapping_round_trip_and_refusal() -> None:
    m = mapping(recodes={"q1": {"A": "1"}}, events={"baseline_arm_1": "t0"})
    assert load_mapping(json.loads(m.model_dump_json())) == m
    assert load_mapping(m.model_dump_json()) == m
    with pytest.raises(EngagementError) as err:
        load_mapping({"instrument_id": "x", "fields": {"a": 1}, "layout": "diagonal", "colour": "red"})
    assert set(err.value.codes) == {"G404"}
    assert {p.column for p in err.value.problems} == {"instrument_version", "fields.a", "layout", "colour"}


def test_suggest_wide_and_long(write: Callable[..., Path], pulse: Instrument) -> None:
    wide = suggest_mapping(write("w.csv", WIDE), "table", pulse)
    assert (wide.fields, wide.participant_column, wide.timepoint_column, wide.submitted_at_column) == (
        {"q1": "q1", "q2": "q2", "note": "note"}, "participant", "visit", "date")
    long = suggest_mapping(write("l.csv", LONG), "table", pulse)
    assert (long.layout, long.fields) == ("long", {"note": "note", "q1": "q1", "q2": "q2"})


def test_ragged_rows_are_refused_with_the_line(write: Callable[..., Path], pulse: Instrument) -> None:
    path = write("rag.csv", "participant,visit,q1\nP1,t0,3\nP2,t0,4,extra,cells\n")
    r = read(path, "table", mapping(fields={"q1": "q1"}, submitted_at_column=None,
                                    submitted_at_default="2026-01-01T00:00:00Z"), pulse, study_id="S1")
    assert [p.code for p in r.report.errors] == ["G400"]
    assert "line 3" in r.report.errors[0].detail
