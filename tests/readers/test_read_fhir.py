"""FHIR R4 QuestionnaireResponse: single resource, Bundle and NDJSON, written inline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engagement.instruments.model import Instrument
from engagement.readers import Mapping, read, suggest_mapping

FIELDS = {"q1": "q1", "q2": "q2", "paid": "paid", "hours": "hours", "age": "age", "note": "note"}
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def qr(rid: str | None = "qr1", status: str = "completed", **extra: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "status": status,
        "questionnaire": "http://example.org/Questionnaire/pulse|1.0.0",
        "subject": {"reference": "Patient/p01"},
        "authored": "2026-03-01T10:00:00+01:00",
        "item": [
            {
                "linkId": "g1",
                "text": "About visits",
                "item": [
                    {"linkId": "q1", "answer": [{"valueCoding": {"code": "4"}}]},
                    {
                        "linkId": "q2",
                        "answer": [
                            {
                                "valueCoding": {
                                    "system": "http://loinc.org",
                                    "code": "LA6560-2",
                                    "extension": [{"url": ORDINAL, "valueDecimal": 3}],
                                }
                            }
                        ],
                    },
                ],
            },
            {"linkId": "paid", "answer": [{"valueBoolean": True}]},
            {"linkId": "hours", "answer": [{"valueDecimal": 2.5}]},
            {
                "linkId": "age",
                "answer": [
                    {
                        "valueInteger": 40,
                        "item": [{"linkId": "note", "answer": [{"valueString": "Parking was hard"}]}],
                    }
                ],
            },
            {"linkId": "extra", "answer": [{"valueString": "x"}]},
        ],
    }
    if rid:
        res["id"] = rid
    res.update(extra)
    return res


def mapping(**extra: object) -> Mapping:
    return Mapping.model_validate(
        {"instrument_id": "pulse", "instrument_version": "1.0.0", "fields": FIELDS, **extra}
    )


def answers(r) -> list[tuple]:
    return (
        r.responses[
            [
                "submission_id",
                "participant_id",
                "submitted_at",
                "item_id",
                "value",
                "source_row",
                "source_column",
            ]
        ]
        .to_records(index=False)
        .tolist()
    )


def where(problems: list) -> list[tuple]:
    return [(p.code, p.row, p.column) for p in problems]


def test_single_resource(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("qr.json", json.dumps(qr())), "fhir", mapping(), pulse, study_id="S1")
    assert answers(r) == [
        ("fhir:pulse:qr1", "p01", "2026-03-01T09:00:00Z", "q1", "4", 1, "g1 > q1"),
        ("fhir:pulse:qr1", "p01", "2026-03-01T09:00:00Z", "q2", "3", 1, "g1 > q2"),
        ("fhir:pulse:qr1", "p01", "2026-03-01T09:00:00Z", "paid", "1", 1, "paid"),
        ("fhir:pulse:qr1", "p01", "2026-03-01T09:00:00Z", "hours", "2.5", 1, "hours"),
        ("fhir:pulse:qr1", "p01", "2026-03-01T09:00:00Z", "age", "40", 1, "age"),
    ]
    assert r.comments.to_records(index=False).tolist() == [
        ("fhir:pulse:qr1", "note", "Parking was hard", "false")
    ]
    assert where(r.report.errors) == []
    assert where(r.report.warnings) == [("G413", 1, "extra")]


def test_coding_matched_by_display_when_code_is_unknown(
    write: Callable[..., Path], pulse: Instrument
) -> None:
    res = qr()
    res["item"][0]["item"][0]["answer"] = [{"valueCoding": {"code": "LA-x", "display": "Strongly agree"}}]
    r = read(write("qr.json", json.dumps(res)), "fhir", mapping(), pulse, study_id="S1")
    assert r.responses.set_index("item_id").at["q1", "value"] == "5"


def test_recode_by_link_id(write: Callable[..., Path], pulse: Instrument) -> None:
    res = qr()
    res["item"][0]["item"][0]["answer"] = [{"valueCoding": {"code": "agree-ish"}}]
    r = read(
        write("qr.json", json.dumps(res)),
        "fhir",
        mapping(recodes={"q1": {"agree-ish": "4"}}),
        pulse,
        study_id="S1",
    )
    assert r.responses.set_index("item_id").at["q1", "value"] == "4"


def test_bundle(write: Callable[..., Path], pulse: Instrument) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": qr("a")},
            {"resource": qr(None, status="in-progress")},
            {"resource": {"resourceType": "Patient", "id": "p01"}},
        ],
    }
    r = read(write("b.json", json.dumps(bundle)), "fhir", mapping(), pulse, study_id="S1")
    ids = r.responses["submission_id"].unique().tolist()
    assert ids[0] == "fhir:pulse:a"
    assert ids[1].startswith("fhir:pulse:sha256-")
    assert r.responses.groupby("submission_id")["source_row"].first().to_dict() == {ids[0]: 1, ids[1]: 2}
    assert sorted(where(r.report.warnings)) == [
        ("G412", 2, "status"),
        ("G413", 1, "extra"),
        ("G420", 3, None),
    ]
    again = read(write("b.json", json.dumps(bundle)), "fhir", mapping(), pulse, study_id="S1")
    assert again.responses["submission_id"].unique().tolist() == ids  # hash ids are stable


def test_ndjson(write: Callable[..., Path], pulse: Instrument) -> None:
    lines = [json.dumps(qr("a")), json.dumps(qr("b")), "", json.dumps({"resourceType": "Patient"}), "{oops"]
    r = read(write("x.ndjson", "\n".join(lines) + "\n"), "fhir", mapping(), pulse, study_id="S1")
    assert r.responses.groupby("submission_id")["source_row"].first().to_dict() == {
        "fhir:pulse:a": 1,
        "fhir:pulse:b": 2,
    }
    assert where(r.report.errors) == [("G400", 5, None)]
    assert ("G420", 4, None) in where(r.report.warnings)


def test_participant_lookup_and_anonymous(write: Callable[..., Path], pulse: Instrument) -> None:
    path = write("qr.json", json.dumps(qr()))
    r = read(path, "fhir", mapping(participant_lookup={"Patient/p01": "P-001"}), pulse, study_id="S1")
    assert set(r.responses["participant_id"]) == {"P-001"}
    r = read(path, "fhir", mapping(participant_lookup={"Patient/zz": "P-002"}), pulse, study_id="S1")
    assert where(r.report.errors) == [("G410", 1, "subject.reference")]
    r = read(path, "fhir", mapping(anonymous=True), pulse, study_id="S1")
    assert set(r.responses["participant_id"]) == {""}


def test_questionnaire_canonical_as_event(write: Callable[..., Path], pulse: Instrument) -> None:
    path = write("qr.json", json.dumps(qr()))
    r = read(
        path, "fhir", mapping(events={"http://example.org/Questionnaire/pulse": "t0"}), pulse, study_id="S1"
    )
    assert set(r.responses["timepoint_id"]) == {"t0"}


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ("", "G401"),
        ("not json at all", "G400"),
        (json.dumps({"resourceType": "Questionnaire", "id": "q"}), "G420"),
        (json.dumps({"resourceType": "Bundle", "entry": []}), "G401"),
        (json.dumps(qr(authored=None)), "G408"),
        (json.dumps(qr(authored="yesterday")), "G407"),
    ],
)
def test_refusals(write: Callable[..., Path], pulse: Instrument, doc: str, code: str) -> None:
    r = read(write("x.json", doc), "fhir", mapping(), pulse, study_id="S1")
    assert code in [p.code for p in r.report.errors]


def test_repeated_answers_and_wrong_types(write: Callable[..., Path], pulse: Instrument) -> None:
    res = qr()
    res["item"][1]["answer"] = [{"valueString": "Maybe"}]  # paid: not a yes/no label
    res["item"][2]["answer"] = [{"valueAttachment": {"url": "x"}}]  # hours: cannot be stored
    res["item"].append({"linkId": "age", "answer": [{"valueInteger": 41}]})  # age answered twice
    r = read(write("x.json", json.dumps(res)), "fhir", mapping(), pulse, study_id="S1")
    assert where(r.report.errors) == [("G417", 1, "hours"), ("G415", 1, "age"), ("G405", 1, "paid")]
    res["item"][1]["answer"] = [{"valueString": "yes"}]  # a label is fine
    r = read(write("x.json", json.dumps(res)), "fhir", mapping(), pulse, study_id="S1")
    assert r.responses.set_index("item_id").at["paid", "value"] == "1"


def test_entered_in_error_and_date_only(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(
        write("x.json", json.dumps(qr(status="entered-in-error"))), "fhir", mapping(), pulse, study_id="S1"
    )
    assert (r.submissions, where(r.report.warnings)) == (0, [("G429", 1, "status")])
    r = read(write("x.json", json.dumps(qr(authored="2008-01-17"))), "fhir", mapping(), pulse, study_id="S1")
    assert set(r.responses["submitted_at"]) == {"2008-01-17T00:00:00Z"}
    assert ("G421", 1, "authored") in where(r.report.warnings)


def test_suggest_mapping_by_link_id(write: Callable[..., Path], pulse: Instrument) -> None:
    m = suggest_mapping(write("qr.json", json.dumps(qr())), "fhir", pulse)
    assert m.fields == FIELDS
    assert m.text_fields == ["note"]
