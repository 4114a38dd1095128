"""FHIR R4 Questionnaire (JSON) -> instrument mapping.

Accepts a Questionnaire, a QuestionnaireResponse that contains its Questionnaire (SDC adaptive forms),
or a Bundle holding one Questionnaire. Groups are flattened; linkIds become item ids (made safe);
answers come from answerOption or from CONTAINED ValueSets; ordinalValue / itemWeight extensions
become the scale values. External value sets cannot be fetched offline and are refused (I367).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engagement.converters._build import Choice, InstrumentBuilder, ItemText, Value
from engagement.converters._sources import read_json
from engagement.converters._text import as_number, plain_text, slug, version_text

SD = "http://hl7.org/fhir/StructureDefinition/"
ORDINAL_URLS = {SD + "ordinalValue", SD + "itemWeight", SD + "iso21090-CO-value"}
TRANSLATION_URL = SD + "translation"
HIDDEN_URL = SD + "questionnaire-hidden"
ITEM_CONTROL_URL = SD + "questionnaire-itemControl"
CALCULATED = ("sdc-questionnaire-calculatedExpression", "cqf-calculatedValue")
TEXT_TYPES = {"string", "text", "date", "dateTime", "time", "url"}
NUMBER_TYPES = {"decimal", "integer", "quantity"}
CHOICE_TYPES = {"choice", "open-choice"}
SCALE_SYSTEM = "urn:engagement:scale:"  # what engagement.converters.fhir_export writes

Json = dict[str, Any]


def convert_fhir(
    path: Path,
    *,
    instrument_id: str | None = None,
    version: str | None = None,
    missing: Iterable[Value] = (),
) -> InstrumentBuilder:
    b = InstrumentBuilder(path.name, missing)
    data = read_json(path, b)
    if data is None:
        return b
    bad: list[str] = []
    data = _shaped(data, "$", bad)
    if bad:
        b.error("I366", f"not shaped like FHIR JSON at {', '.join(bad[:5])}", value=bad[0])
        return b
    found = _questionnaire(b, data)
    if found is None:
        return b
    q, value_sets = found
    b.id = slug(instrument_id or q.get("name") or q.get("id") or path.stem)
    b.title = plain_text(q.get("title") or q.get("name") or q.get("id") or path.stem)
    b.titles = translations(q.get("_title"))
    b.version = version or version_text(q.get("version", ""))
    b.language = str(q.get("language") or "")
    b.description = f"Converted from the FHIR Questionnaire {q.get('url') or q.get('id') or path.name}."
    walker = Walker(b, value_sets)
    walker.walk(q.get("item", []))
    if walker.conditional:
        b.warn("I370", f"enableWhen on {len(walker.conditional)} items: {', '.join(walker.conditional)}")
    return b


LIST_KEYS = {
    "item",
    "answerOption",
    "contained",
    "extension",
    "coding",
    "concept",
    "include",
    "contains",
    "designation",
    "entry",
    "enableWhen",
}
DICT_KEYS = {
    "valueCoding",
    "compose",
    "expansion",
    "_text",
    "_display",
    "_title",
    "_valueString",
    "valueCodeableConcept",
    "resource",
}


def _shaped(value: Any, where: str, bad: list[str]) -> Any:
    """Check the parts the walker relies on: lists of objects and objects where FHIR has them."""
    if isinstance(value, list):
        return [_shaped(v, f"{where}[{i}]", bad) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    for key, sub in value.items():
        if key in LIST_KEYS and not (isinstance(sub, list) and all(isinstance(x, dict) for x in sub)):
            bad.append(f"{where}.{key} (a list of objects)")
        elif key in DICT_KEYS and not isinstance(sub, dict):
            bad.append(f"{where}.{key} (an object)")
    return {k: _shaped(v, f"{where}.{k}", bad) for k, v in value.items()}


def _questionnaire(b: InstrumentBuilder, data: Any) -> tuple[Json, dict[str, Json]] | None:
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind == "Bundle":
        found = [
            e.get("resource", {})
            for e in data.get("entry", [])
            if e.get("resource", {}).get("resourceType") == "Questionnaire"
        ]
        if len(found) == 1:
            return found[0], _value_sets(found[0])
        b.error("I366", f"the Bundle holds {len(found)} Questionnaires; give a file with exactly one")
        return None
    if kind == "Questionnaire":
        return data, _value_sets(data)
    if kind == "QuestionnaireResponse":
        ref = str(data.get("questionnaire", ""))
        inner = next(
            (
                c
                for c in data.get("contained", [])
                if c.get("resourceType") == "Questionnaire" and ref == f"#{c.get('id')}"
            ),
            None,
        )
        if inner is not None:
            return inner, {**_value_sets(data), **_value_sets(inner)}
        b.error(
            "I366",
            f"a QuestionnaireResponse that answers {ref or 'an unnamed Questionnaire'} without "
            "containing it; convert that Questionnaire instead",
            value=ref or None,
        )
        return None
    b.error("I366", f"resourceType {kind!r}", value=str(kind))
    return None


def _value_sets(resource: Json) -> dict[str, Json]:
    """Contained ValueSets by '#id' and by canonical url (both ways of pointing at them occur)."""
    out: dict[str, Json] = {}
    for c in resource.get("contained", []):
        if c.get("resourceType") == "ValueSet":
            out[f"#{c.get('id')}"] = c
            if c.get("url"):
                out[str(c["url"])] = c
    return out


def extension_value(element: Json, urls: set[str]) -> Any:
    for ext in element.get("extension", []) or []:
        if ext.get("url") in urls:
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None


def translations(primitive_ext: Any) -> dict[str, str]:
    """The FHIR translation extension on a primitive's `_text`/`_title`/`_display`: {lang: text}."""
    out: dict[str, str] = {}
    for ext in (primitive_ext or {}).get("extension", []) if isinstance(primitive_ext, dict) else []:
        if ext.get("url") != TRANSLATION_URL:
            continue
        parts = {e.get("url"): e.get("valueCode") or e.get("valueString") for e in ext.get("extension", [])}
        if parts.get("lang") and parts.get("content"):
            out[str(parts["lang"])] = plain_text(parts["content"])
    return out


def _control(item: Json) -> str:
    concept = extension_value(item, {ITEM_CONTROL_URL}) or {}
    return next((c.get("code", "") for c in concept.get("coding", [])), "")


class Walker:
    def __init__(self, b: InstrumentBuilder, value_sets: dict[str, Json]) -> None:
        self.b, self.value_sets = b, value_sets
        self.conditional: list[str] = []

    def walk(self, items: list[Json]) -> None:
        for item in items:
            self.item(item)

    def item(self, item: Json) -> None:
        link, kind = str(item.get("linkId", "")), str(item.get("type", ""))
        where = {"item": link}
        children = [
            c for c in item.get("item", []) if not (c.get("type") == "display" and _control(c) == "help")
        ]
        if kind == "group":
            if item.get("repeats"):
                self.b.error("I369", f"group {link!r} repeats", **where)
            if item.get("enableWhen"):
                self.conditional.append(link)
            self.walk(children)
            return
        if kind == "display":
            self.b.warn("I355", "display text", **where)
        elif self._derived(item):
            self.b.warn("I355", "calculated, hidden or read-only item", **where)
        elif self.question(item, link, kind, where) and item.get("enableWhen"):
            self.conditional.append(link)
        self.walk(children)

    @staticmethod
    def _derived(item: Json) -> bool:
        urls = {e.get("url", "") for e in item.get("extension", []) or []}
        calculated = any(u.endswith(CALCULATED) for u in urls)
        return calculated or item.get("readOnly") is True or extension_value(item, {HIDDEN_URL}) is True

    def question(self, item: Json, link: str, kind: str, where: dict[str, Any]) -> bool:
        text = self.texts(item, link, where)
        required = item.get("required") is True
        if kind == "boolean":
            self.b.item(
                link, text, "choice", scale=self.b.binary_scale("yesno"), required=required, where=where
            )
        elif kind in TEXT_TYPES or kind in NUMBER_TYPES:
            self.b.item(
                link, text, "text" if kind in TEXT_TYPES else "number", required=required, where=where
            )
        elif kind in CHOICE_TYPES:
            return self.choice(item, link, text, required, where)
        else:
            self.b.warn("I359", f"FHIR item type {kind!r}", value=kind, **where)
            return False
        return True

    def texts(self, item: Json, link: str, where: dict[str, Any]) -> ItemText:
        text = plain_text(item.get("text"))
        if not text:
            coded = item.get("code") if isinstance(item.get("code"), list) else []  # Coding.code is text
            codes = [c.get("display") for c in coded if isinstance(c, dict) and c.get("display")]
            text = plain_text(codes[0]) if codes else link
            self.b.warn(
                "I372", f"item.text is empty; used {'item.code display' if codes else 'the linkId'}", **where
            )
        helps = [c for c in item.get("item", []) if c.get("type") == "display" and _control(c) == "help"]
        help_text = " ".join(plain_text(h.get("text")) for h in helps)
        help_tr: dict[str, str] = {}
        for h in helps:
            for lang, t in translations(h.get("_text")).items():
                help_tr[lang] = " ".join(p for p in (help_tr.get(lang, ""), t) if p)
        return ItemText(text, help_text, translations(item.get("_text")), help_tr)

    def choice(self, item: Json, link: str, text: ItemText, required: bool, where: dict[str, Any]) -> bool:
        options = self.options(item, link, where)
        if not options:
            return False
        choices, scores = options
        if item.get("repeats"):
            self.b.multi_select(link, text, choices, required=required, where=where)
        else:
            preferred = _scale_name(item, link)
            scale = self.b.scale(
                preferred, choices, where, scores if any(s is not None for s in scores) else None
            )
            if scale is None:
                return False
            self.b.item(link, text, "choice", scale=scale, required=required, where=where)
        if item.get("type") == "open-choice":
            self.b.item(f"{link}_other", ItemText(f"{text.text}: other answer"), "text", where=where)
            self.b.warn("I373", f"open-choice {link!r}: text item {link}_other", **where)
        return True

    def options(
        self, item: Json, link: str, where: dict[str, Any]
    ) -> tuple[list[Choice], list[Value | None]] | None:
        if item.get("answerOption"):
            return _answer_options(item["answerOption"])
        ref = item.get("answerValueSet")
        if not ref:
            self.b.error("I368", f"choice item {link!r} has neither answerOption nor answerValueSet", **where)
            return None
        vs = self.value_sets.get(str(ref))
        if vs is None:
            self.b.error(
                "I367",
                f"answerValueSet {ref!r} is not a contained ValueSet (external value sets "
                "cannot be fetched offline)",
                **{**where, "value": str(ref)},
            )
            return None
        concepts = _concepts(vs)
        if not concepts:
            self.b.error(
                "I367",
                f"ValueSet {ref!r} does not list its concepts (compose.include.concept or "
                "expansion.contains)",
                **{**where, "value": str(ref)},
            )
            return None
        return concepts


def _scale_name(item: Json, link: str) -> str:
    """Scale id: the contained ValueSet's id, else our own exporter's scale system, else the linkId."""
    if item.get("answerValueSet"):
        return str(item["answerValueSet"]).lstrip("#").rsplit("/", 1)[-1]
    systems = {str((o.get("valueCoding") or {}).get("system", "")) for o in item.get("answerOption", [])}
    if len(systems) == 1 and next(iter(systems)).startswith(SCALE_SYSTEM):
        return next(iter(systems))[len(SCALE_SYSTEM) :]
    return link


def _answer_options(options: list[Json]) -> tuple[list[Choice], list[Value | None]]:
    choices, scores = [], []
    for opt in options:
        coding = opt.get("valueCoding")
        if coding is not None:
            code = str(coding.get("code", ""))
            label = plain_text(coding.get("display")) or code
            labels = translations(coding.get("_display"))
            score = extension_value(opt, ORDINAL_URLS)
            score = extension_value(coding, ORDINAL_URLS) if score is None else score
        else:
            value = next(
                (v for k, v in opt.items() if k.startswith("value") and not k.startswith("value_")), ""
            )
            code = label = str(value)
            labels = translations(opt.get("_valueString"))
            score = extension_value(opt, ORDINAL_URLS)
        choices.append(Choice(code, label, labels))
        scores.append(as_number(score) if score is not None else None)
    return choices, scores


def _concepts(vs: Json) -> tuple[list[Choice], list[Value | None]] | None:
    rows: list[Json] = []
    for include in vs.get("compose", {}).get("include", []):
        if not include.get("concept"):
            return None  # a whole code system or a filter: the answers are not listed here
        rows.extend(include["concept"])
    if not rows:
        rows = list(vs.get("expansion", {}).get("contains", []))
    choices, scores = [], []
    for concept in rows:
        code = str(concept.get("code", ""))
        labels = {
            str(d["language"]): plain_text(d["value"])
            for d in concept.get("designation", [])
            if d.get("language") and d.get("value")
        }
        labels.update(translations(concept.get("_display")))
        choices.append(Choice(code, plain_text(concept.get("display")) or code, labels))
        score = extension_value(concept, ORDINAL_URLS)
        scores.append(as_number(score) if score is not None else None)
    return (choices, scores) if choices else None
