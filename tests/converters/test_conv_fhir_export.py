"""Instrument -> FHIR R4 Questionnaire: validates with fhir.resources (R4B model) and round-trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.R4B.questionnaire import Questionnaire

from engagement.converters import convert
from engagement.converters.commands import convert_to_yaml, export_fhir_file, export_fhir_registered
from engagement.converters.fhir_export import export_fhir, validate
from engagement.errors import EngagementError
from engagement.instruments import builtin_paths, load

SD = "http://hl7.org/fhir/StructureDefinition/"

MAPPING: dict[str, Any] = {
    "id": "mini",
    "version": "1.2.0",
    "title": "Mini check",
    "scales": {
        "agree3": {
            "choices": [
                {"value": 1, "label": "Disagree"},
                {"value": 2, "label": "Neutral"},
                {"value": 3, "label": "Agree"},
            ],
            "missing": [{"value": -99, "label": "Rather not say"}],
        },
        "slider": {"range": {"min": 0, "max": 10, "step": 1}},
    },
    "items": [
        {"id": "kind", "text": "Staff were kind", "scale": "agree3", "required": True, "help": "Any staff"},
        {"id": "pain", "text": "Pain today", "type": "number", "scale": "slider"},
        {"id": "cost", "text": "Cost", "type": "number"},
        {"id": "notes", "text": "Anything else?", "type": "text"},
    ],
    "subscales": [{"id": "care", "indicator": "experience", "items": ["kind"], "higher_is": "better"}],
    "translations": {
        "fr": {
            "title": "Mini contrôle",
            "items": {"kind": {"text": "Personnel gentil", "help": "Tous"}},
            "scales": {"agree3": {1: "Pas d'accord", 3: "D'accord"}},
        }
    },
}


def test_export_shape() -> None:
    q = export_fhir(MAPPING)
    Questionnaire.model_validate(q)
    assert (q["id"], q["version"], q["name"], q["status"]) == ("mini", "1.2.0", "MiniCheck", "active")
    kind, pain, cost, notes = q["item"]
    assert [o["valueCoding"]["code"] for o in kind["answerOption"]] == ["1", "2", "3", "-99"]
    assert [o.get("extension", [{}])[0].get("valueDecimal") for o in kind["answerOption"]] == [1, 2, 3, None]
    assert kind["answerOption"][0]["valueCoding"]["_display"]["extension"][0]["extension"][1] == {
        "url": "content",
        "valueString": "Pas d'accord",
    }
    assert kind["required"] is True
    assert kind["item"][0]["text"] == "Any staff"
    assert pain["type"] == "integer"
    assert pain["extension"] == [
        {"url": SD + "minValue", "valueInteger": 0},
        {"url": SD + "maxValue", "valueInteger": 10},
    ]
    assert (cost["type"], notes["type"]) == ("decimal", "text")
    assert q["_title"]["extension"][0]["extension"][0] == {"url": "lang", "valueCode": "fr"}


@pytest.mark.parametrize("path", builtin_paths(), ids=lambda p: p.stem)
def test_builtin_instruments_export_and_validate(path: Path) -> None:
    instrument = load(path)
    q = export_fhir(instrument)
    Questionnaire.model_validate(q)
    assert [i["linkId"] for i in q["item"]] == [i.id for i in instrument.items]


def test_round_trip_keeps_items_values_and_translations(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(export_fhir(MAPPING)), encoding="utf-8")
    back = convert(path, "fhir").mapping
    assert [(i["id"], i["type"], i["text"]) for i in back["items"]] == [
        (i["id"], i.get("type", "choice"), i["text"]) for i in MAPPING["items"]
    ]
    # the missing code comes back as an ordinary answer: FHIR has no place that says "missing"
    assert back["scales"]["agree3"]["choices"] == [
        *MAPPING["scales"]["agree3"]["choices"],
        {"value": -99, "label": "Rather not say"},
    ]
    assert back["translations"]["fr"]["items"]["kind"] == {"text": "Personnel gentil", "help": "Tous"}
    assert back["translations"]["fr"]["scales"]["agree3"] == {1: "Pas d'accord", 3: "D'accord"}
    # ... unless the caller names the missing codes
    again = convert(path, "fhir", missing=[-99]).mapping
    assert again["scales"]["agree3"] == MAPPING["scales"]["agree3"]


def test_invalid_resource_is_reported_with_i379() -> None:
    with pytest.raises(EngagementError) as exc:
        validate(
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [{"linkId": "a", "type": "choice", "answerOption": [{}]}],
            },
            "mini",
        )
    assert exc.value.codes == ["I379"]


def test_convert_to_yaml_writes_a_loadable_file(tmp_path: Path) -> None:
    src = tmp_path / "form.md"
    src.write_text(
        "| survey |\n| | type | name | label |\n| | select_one yn | q1 | Well? |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n",
        encoding="utf-8",
    )
    out = tmp_path / "form.yaml"
    text, result = convert_to_yaml(src, "xlsform", out)
    assert out.read_text(encoding="utf-8") == text
    assert text.startswith("# Converted from xlsform source form.md")
    assert '# scale yn: source codes -> values {"yes": 1, "no": 2}' in text
    assert yaml.safe_load(text) == result.mapping
    assert load(out).item("q1").scale == "yn"
    exported = export_fhir_file(out, tmp_path / "form.json")
    assert json.loads((tmp_path / "form.json").read_text(encoding="utf-8")) == exported


def test_export_registered_version(session: Any, system: Any, tmp_path: Path) -> None:
    from engagement.instruments import registry

    registry.register(session, system, load(MAPPING))
    q = export_fhir_registered(session, system, "mini", out=tmp_path / "q.json")
    assert q["version"] == "1.2.0"
    assert len(q["item"]) == 4
    with pytest.raises(EngagementError) as exc:
        export_fhir_registered(session, system, "mini", version="9.9.9")
    assert exc.value.codes == ["B115"]
