"""Chunked reading gives the same frames, row numbers and duplicate checks as one big chunk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from engagement.instruments.model import Instrument
from engagement.readers import Mapping, fhir, qualtrics, read, redcap, suggest_mapping, table
from engagement.readers.inferred import infer

REDCAP = (
    "record_id,q1,q2,note,pulse_complete\n"
    + "".join(f"{i},{i % 5 + 1},{(i + 1) % 5 + 1},{'hi' if i % 3 == 0 else ''},2\n" for i in range(1, 8))
    + "3,1,1,,2\n"
)
QUALTRICS = (
    "ResponseId,EndDate,Finished,Q1\nResponse ID,End Date,Finished,Q one\n"
    '"{""ImportId"":""_recordId""}","{""ImportId"":""endDate""}","{""ImportId"":""finished""}",'
    '"{""ImportId"":""QID1""}"\n'
    + "".join(f"R_{i},2024-01-0{i} 10:00:00,1,{i % 5 + 1}\n" for i in range(1, 8))
)
TABLE = "participant,visit,q1\n" + "".join(f"P{i},t0,{i % 5 + 1}\n" for i in range(1, 8)) + "P2,t0,3\n"


def _read(path: Path, fmt: str, m: Mapping, inst: Instrument) -> tuple:
    r = read(path, fmt, m, inst, study_id="S1")
    return (
        r.responses.to_numpy().tolist(),
        r.comments.to_numpy().tolist(),
        [(p.code, p.row) for p in r.report.errors],
        [(p.code, p.row) for p in r.report.warnings],
    )


@pytest.mark.parametrize(
    ("fmt", "text", "module", "extra"),
    [
        (
            "redcap",
            REDCAP,
            redcap,
            {
                "fields": {"q1": "q1", "q2": "q2", "note": "note"},
                "submitted_at_default": "2026-01-01T00:00:00Z",
            },
        ),
        ("qualtrics", QUALTRICS, qualtrics, {"fields": {"Q1": "q1"}}),
        (
            "table",
            TABLE,
            table,
            {
                "fields": {"q1": "q1"},
                "participant_column": "participant",
                "timepoint_column": "visit",
                "submitted_at_default": "2026-01-01T00:00:00Z",
            },
        ),
    ],
)
@pytest.mark.parametrize("rows", [1, 2, 3])
def test_chunks_change_nothing(
    write: Callable[..., Path],
    pulse: Instrument,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    text: str,
    module: object,
    extra: dict,
    rows: int,
) -> None:
    path = write(f"x.{fmt}.csv", text)
    m = Mapping.model_validate({"instrument_id": "pulse", "instrument_version": "1.0.0", **extra})
    whole = _read(path, fmt, m, pulse)
    monkeypatch.setattr(module, "CHUNK_ROWS", rows)
    assert _read(path, fmt, m, pulse) == whole
    if fmt != "qualtrics":  # the duplicate last row is caught across chunks
        assert whole[2] == [("G416", 9)]
    else:
        assert [r[10] for r in whole[0]] == [4, 5, 6, 7, 8, 9, 10]


def test_ndjson_batches(
    write: Callable[..., Path], pulse: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps(
            {
                "resourceType": "QuestionnaireResponse",
                "id": f"r{i}",
                "status": "completed",
                "authored": "2026-01-01T00:00:00Z",
                "item": [{"linkId": "q1", "answer": [{"valueInteger": i % 5 + 1}]}],
            }
        )
        for i in range(7)
    ]
    path = write("x.ndjson", "\n".join(lines))
    m = Mapping(instrument_id="pulse", instrument_version="1.0.0", fields={"q1": "q1"})
    whole = _read(path, "fhir", m, pulse)
    monkeypatch.setattr(fhir, "BATCH", 2)
    assert _read(path, "fhir", m, pulse) == whole
    assert [r[10] for r in whole[0]] == [1, 2, 3, 4, 5, 6, 7]


def test_draft_from_fhir_and_suggested_codes(write: Callable[..., Path]) -> None:
    res = {
        "resourceType": "QuestionnaireResponse",
        "id": "r1",
        "status": "completed",
        "authored": "2026-01-01T00:00:00Z",
        "item": [
            {
                "linkId": "mood",
                "text": "Mood",
                "answer": [{"valueCoding": {"code": "LA-good", "display": "Good"}}],
            },
            {"linkId": "yes", "text": "Yes?", "answer": [{"valueCoding": {"code": "1", "display": "Yes"}}]},
            {"linkId": "kg", "text": "Weight", "answer": [{"valueDecimal": 70.5}]},
            {"linkId": "ok", "text": "OK?", "answer": [{"valueBoolean": False}]},
            {"linkId": "why", "text": "Why?", "answer": [{"valueString": "because"}]},
        ],
    }
    path = write("qr.json", json.dumps(res))
    inst, m = infer(path, "fhir", instrument_id="draft-mood")
    assert {it.id: (it.type, it.scale) for it in inst.items} == {
        "mood": ("choice", "codes_mood"),
        "yes": ("choice", "codes_yes"),
        "kg": ("number", "number"),
        "ok": ("choice", "yesno"),
        "why": ("text", None),
    }
    assert m.recodes == {"mood": {"LA-good": "1"}}  # numeric codes are their own values
    r = read(path, "fhir", m, inst, study_id="S1")
    assert r.responses.set_index("item_id")["value"].to_dict() == {
        "mood": "1",
        "yes": "1",
        "kg": "70.5",
        "ok": "0",
    }
    assert r.comments["text"].tolist() == ["because"]
    # a suggested mapping learns code -> value from displays, for files that carry bare codes
    assert suggest_mapping(path, "fhir", inst).recodes == {"mood": {"LA-good": "1"}}


def test_draft_from_qualtrics(write: Callable[..., Path]) -> None:
    path = write(
        "q.csv",
        QUALTRICS.replace("Q1\n", "Q1,Q2_TEXT\n", 1)
        .replace("Q one\n", "Q one,Say more\n", 1)
        .replace('"{""ImportId"":""QID1""}"\n', '"{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}"\n')
        .replace(",1,1\n", ",1,1,fine\n"),
    )
    inst, m = infer(path, "qualtrics", instrument_id="draft-q")
    assert {it.id: it.type for it in inst.items} == {"Q1": "number", "Q2_TEXT": "text"}
    assert (m.fields, m.text_fields, m.missing_values) == (
        {"Q1": "Q1", "Q2_TEXT": "Q2_TEXT"},
        ["Q2_TEXT"],
        ["-99"],
    )
