"""FHIR R4 Questionnaires written inline as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engagement.converters import convert
from engagement.errors import EngagementError
from engagement.instruments import load

SD = "http://hl7.org/fhir/StructureDefinition/"


def tr(lang: str, text: str) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": SD + "translation",
                "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}],
            }
        ]
    }


def ordinal(value: float, url: str = "ordinalValue") -> list[dict[str, Any]]:
    return [{"url": SD + url, "valueDecimal": value}]


QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "id": "visit",
    "name": "VisitCheck",
    "title": "Visit check",
    "version": "2.1",
    "status": "active",
    "contained": [
        {
            "resourceType": "ValueSet",
            "id": "freq",
            "status": "active",
            "compose": {
                "include": [
                    {
                        "system": "http://example.org/freq",
                        "concept": [
                            {
                                "code": "never",
                                "display": "Never",
                                "extension": ordinal(0),
                                "designation": [{"language": "fr", "value": "Jamais"}],
                            },
                            {"code": "often", "display": "Often", "extension": ordinal(2)},
                        ],
                    }
                ]
            },
        }
    ],
    "item": [
        {
            "linkId": "g1",
            "type": "group",
            "text": "About the visit",
            "item": [
                {
                    "linkId": "g1/q1",
                    "type": "choice",
                    "text": "Tired after visits?",
                    "_text": tr("fr", "Fatigué ?"),
                    "answerValueSet": "#freq",
                    "required": True,
                    "item": [
                        {
                            "linkId": "g1/q1-help",
                            "type": "display",
                            "text": "Think of last month",
                            "extension": [
                                {
                                    "url": SD + "questionnaire-itemControl",
                                    "valueCodeableConcept": {"coding": [{"code": "help"}]},
                                }
                            ],
                        }
                    ],
                },
                {
                    "linkId": "q2",
                    "type": "choice",
                    "text": "Wait",
                    "answerOption": [
                        {
                            "valueCoding": {"code": "short", "display": "Short"},
                            "extension": ordinal(1, "itemWeight"),
                        },
                        {
                            "valueCoding": {"system": "http://x", "code": "long", "display": "Long"},
                            "extension": ordinal(3, "itemWeight"),
                        },
                    ],
                },
            ],
        },
        {
            "linkId": "q3",
            "type": "choice",
            "text": "Stars",
            "answerOption": [{"valueInteger": 1}, {"valueInteger": 5}],
        },
        {
            "linkId": "q4",
            "type": "choice",
            "text": "Colour",
            "answerOption": [{"valueString": "red"}, {"valueString": "blue"}],
        },
        {
            "linkId": "q5",
            "type": "boolean",
            "text": "Came by car?",
            "enableWhen": [{"question": "q3", "operator": "=", "answerInteger": 5}],
        },
        {"linkId": "q6", "type": "decimal", "text": "Cost"},
        {"linkId": "q7", "type": "integer", "text": "Hours"},
        {"linkId": "q8", "type": "date", "text": "Date"},
        {"linkId": "q9", "type": "text", "text": "Comments"},
        {
            "linkId": "q10",
            "type": "choice",
            "repeats": True,
            "text": "Needs",
            "answerOption": [
                {"valueCoding": {"code": "1", "display": "Parking"}},
                {"valueCoding": {"code": "2", "display": "Food"}},
            ],
        },
        {"linkId": "q11", "type": "open-choice", "text": "Site", "answerOption": [{"valueString": "North"}]},
        {"linkId": "q12", "type": "attachment", "text": "Photo"},
        {"linkId": "total", "type": "decimal", "text": "Total", "readOnly": True},
        {"linkId": "note", "type": "display", "text": "Thanks"},
    ],
}


def write(tmp_path: Path, resource: dict[str, Any], name: str = "questionnaire.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(resource), encoding="utf-8")
    return path


def test_questionnaire_items_scales_and_translations(tmp_path: Path) -> None:
    result = convert(write(tmp_path, QUESTIONNAIRE), "fhir")
    m = result.mapping
    assert (m["id"], m["title"], m["version"]) == ("visitcheck", "Visit check", "2.1.0")
    assert [(i["id"], i["type"], i.get("scale")) for i in m["items"]] == [
        ("g1_q1", "choice", "freq"),
        ("q2", "choice", "q2"),
        ("q3", "choice", "q3"),
        ("q4", "choice", "q4"),
        ("q5", "choice", "yesno"),
        ("q6", "number", None),
        ("q7", "number", None),
        ("q8", "text", None),
        ("q9", "text", None),
        ("q10___1", "choice", "selected"),
        ("q10___2", "choice", "selected"),
        ("q11", "choice", "q11"),
        ("q11_other", "text", None),
    ]
    assert m["items"][0] == {
        "id": "g1_q1",
        "text": "Tired after visits?",
        "type": "choice",
        "scale": "freq",
        "required": True,
        "help": "Think of last month",
    }
    assert m["scales"]["freq"]["choices"] == [{"value": 0, "label": "Never"}, {"value": 2, "label": "Often"}]
    assert m["scales"]["q2"]["choices"] == [{"value": 1, "label": "Short"}, {"value": 3, "label": "Long"}]
    assert m["scales"]["q3"]["choices"] == [{"value": 1, "label": "1"}, {"value": 5, "label": "5"}]
    assert m["scales"]["q4"]["choices"] == [{"value": 1, "label": "red"}, {"value": 2, "label": "blue"}]
    assert result.choice_codes == {
        "freq": {"never": 0, "often": 2},
        "q2": {"short": 1, "long": 3},
        "q4": {"red": 1, "blue": 2},
        "q11": {"North": 1},
    }
    assert m["translations"]["fr"] == {
        "items": {"g1_q1": {"text": "Fatigué ?"}},
        "scales": {"freq": {0: "Jamais"}},
    }
    skipped = {w.item: w.code for w in result.warnings if w.code in ("I355", "I359")}
    assert skipped == {"q12": "I359", "total": "I355", "note": "I355"}
    assert "I370" in result.warning_codes
    assert "I371" in result.warning_codes
    load(m)


def test_questionnaire_response_with_contained_questionnaire(tmp_path: Path) -> None:
    inner = {k: v for k, v in QUESTIONNAIRE.items() if k != "contained"} | {"id": "inner"}
    qr = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "#inner",
        "status": "completed",
        "contained": [inner, QUESTIONNAIRE["contained"][0]],
    }
    m = convert(write(tmp_path, qr), "fhir").mapping
    assert m["items"][0]["scale"] == "freq"


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        (
            {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": "Questionnaire/x",
                "status": "completed",
            },
            "I366",
        ),
        ({"resourceType": "CodeSystem", "status": "active"}, "I366"),
        (
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [
                    {
                        "linkId": "a",
                        "type": "choice",
                        "text": "A",
                        "answerValueSet": "http://x.org/ValueSet/yn",
                    }
                ],
            },
            "I367",
        ),
        (
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [{"linkId": "a", "type": "choice", "text": "A"}],
            },
            "I368",
        ),
        (
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [
                    {
                        "linkId": "g",
                        "type": "group",
                        "repeats": True,
                        "item": [{"linkId": "a", "type": "string"}],
                    }
                ],
            },
            "I369",
        ),
        (
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [{"linkId": "a", "type": "display", "text": "Only text"}],
            },
            "I354",
        ),
    ],
)
def test_refusals(tmp_path: Path, resource: dict[str, Any], code: str) -> None:
    with pytest.raises(EngagementError) as exc:
        convert(write(tmp_path, resource), "fhir")
    assert exc.value.codes == [code]


def test_broken_json(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(EngagementError) as exc:
        convert(path, "fhir")
    assert exc.value.codes == ["I350"]
