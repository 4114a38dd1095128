"""Instrument -> FHIR R4 Questionnaire (JSON), validated with fhir.resources.

fhir.resources 8.x models R5 at the top level and R4B under fhir.resources.R4B; Questionnaire is the
same in R4 and R4B (4.0.1 / 4.3.0), so the R4B model is the validator used here.

Every item becomes one flat question (linkId = item id). Choice scales become answerOption valueCoding
(code = the scale value, display = its label) with an ordinalValue extension carrying the value, so
FHIRPath `ordinal()` sums match this project's scores; missing codes are listed without ordinalValue.
Range scales (sliders) become integer/decimal items with minValue/maxValue. Help text is a child
display item with itemControl 'help'. Translations are FHIR translation extensions on _title, _text
and _display.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engagement.errors import fail
from engagement.instruments import Instrument, load, value_key

SD = "http://hl7.org/fhir/StructureDefinition/"
ORDINAL = SD + "ordinalValue"
TRANSLATION = SD + "translation"
ITEM_CONTROL = SD + "questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
SCALE_SYSTEM = "urn:engagement:scale:"

Json = dict[str, Any]


def export_fhir(source: Instrument | Mapping[str, Any] | str | Path) -> Json:
    """A validated FHIR R4 Questionnaire for an instrument, its YAML mapping or its YAML file."""
    instrument = source if isinstance(source, Instrument) else load(source)  # type: ignore[arg-type]
    content = instrument.to_content()
    resource = questionnaire(content)
    validate(resource, content["id"])
    return resource


def validate(resource: Json, instrument_id: str) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire
    from pydantic import ValidationError

    try:
        Questionnaire.model_validate(resource)
    except ValidationError as exc:
        raise fail(
            "I379",
            str(exc).splitlines()[0]
            + ": "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]),
            item=instrument_id,
        ) from exc


def questionnaire(content: Json) -> Json:
    tr = content.get("translations", {})
    resource: Json = {
        "resourceType": "Questionnaire",
        "id": _fhir_id(content["id"]),
        "url": f"urn:engagement:instrument:{content['id']}",
        "version": content["version"],
        "name": _computable_name(content["title"] or content["id"]),
        "title": content["title"],
        "status": "active",
        "language": content.get("language") or "en",
    }
    title_tr = {lang: t["title"] for lang, t in tr.items() if t.get("title")}
    if title_tr:
        resource["_title"] = _translation_ext(title_tr)
    if content.get("description"):
        resource["description"] = content["description"]
    resource["item"] = [_item(content, item) for item in content["items"]]
    return resource


def _item(content: Json, item: Json) -> Json:
    tr = content.get("translations", {})
    scale = content["scales"].get(item["scale"]) if item.get("scale") else None
    out: Json = {"linkId": item["id"], "text": item["text"]}
    texts = {
        lang: t["items"][item["id"]]["text"]
        for lang, t in tr.items()
        if t.get("items", {}).get(item["id"], {}).get("text")
    }
    if texts:
        out["_text"] = _translation_ext(texts)
    if item["type"] == "text":
        out["type"] = "text"
    elif scale and scale.get("choices"):
        out["type"] = "choice"
        out["answerOption"] = _options(content, item["scale"], scale)
    else:
        out.update(_number(scale))
    if item.get("required"):
        out["required"] = True
    help_item = _help(content, item)
    if help_item:
        out["item"] = [help_item]
    return out


def _options(content: Json, scale_id: str, scale: Json) -> list[Json]:
    labels = {
        lang: t.get("scales", {}).get(scale_id, {}) for lang, t in content.get("translations", {}).items()
    }
    options = []
    for choice, scored in [(c, True) for c in scale["choices"]] + [(c, False) for c in scale["missing"]]:
        key = value_key(choice["value"])
        coding: Json = {"system": SCALE_SYSTEM + scale_id, "code": key, "display": choice["label"] or key}
        shown = {lang: lab[key] for lang, lab in labels.items() if lab.get(key)}
        if shown:
            coding["_display"] = _translation_ext(shown)
        option: Json = {"valueCoding": coding}
        if scored:  # missing codes carry no ordinalValue, so FHIRPath ordinal() sums skip them too
            option["extension"] = [{"url": ORDINAL, "valueDecimal": choice["value"]}]
        options.append(option)
    return options


def _number(scale: Json | None) -> Json:
    rng = scale.get("range") if scale else None
    if not rng:
        return {"type": "decimal"}
    integral = all(float(rng[k]).is_integer() for k in ("min", "max", "step"))
    kind = "Integer" if integral else "Decimal"
    cast = int if integral else float
    return {
        "type": kind.lower(),
        "extension": [
            {"url": SD + "minValue", f"value{kind}": cast(rng["min"])},
            {"url": SD + "maxValue", f"value{kind}": cast(rng["max"])},
        ],
    }


def _help(content: Json, item: Json) -> Json | None:
    helps = {
        lang: t["items"][item["id"]]["help"]
        for lang, t in content.get("translations", {}).items()
        if t.get("items", {}).get(item["id"], {}).get("help")
    }
    if not item.get("help") and not helps:
        return None
    out: Json = {
        "linkId": f"{item['id']}-help",
        "text": item.get("help") or "",
        "type": "display",
        "extension": [
            {
                "url": ITEM_CONTROL,
                "valueCodeableConcept": {
                    "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}]
                },
            }
        ],
    }
    if helps:
        out["_text"] = _translation_ext(helps)
    return out


def _translation_ext(texts: Mapping[str, str]) -> Json:
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}],
            }
            for lang, text in sorted(texts.items())
        ]
    }


def _fhir_id(raw: str) -> str:
    return (re.sub(r"[^A-Za-z0-9\-.]", "-", raw) or "instrument")[:64]


def _computable_name(title: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Instrument"
    return name if name[0].isalpha() else f"Q{name}"
