"""A draft instrument and mapping read off the data itself, for exports that come with no definition.

Used when a Qualtrics export has no QSF, or a QuestionnaireResponse has no Questionnaire that converts:
numeric answers become number items, codings and booleans become choice items whose scale lists the
codes (their own numbers when numeric, else 1..n in order of first appearance with a recode), and
everything else text.
The draft is a starting point for a person to check, never registered silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engagement.converters._text import plain_text, safe_id
from engagement.instruments.model import Instrument
from engagement.readers.mapping import Mapping
from engagement.readers.values import NA_TOKENS, canonical_number

YESNO = {"choices": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}]}
# numbers of unknown range: the draft accepts any; a person narrows the range before registering
ANY_NUMBER = {"range": {"min": -1_000_000_000, "max": 1_000_000_000, "step": 0.000001}}


class _Draft:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.scales: dict[str, dict[str, Any]] = {}
        self.fields: dict[str, str] = {}
        self.recodes: dict[str, dict[str, str]] = {}
        self.text: list[str] = []
        self._codes: dict[str, dict[str, str]] = {}

    def add(self, source: str, label: str, kind: str, scale: str | None = None) -> None:
        if source in self.fields:
            return
        item_id = safe_id(source, "q")
        while item_id in self.items:
            item_id += "_"
        item: dict[str, Any] = {"id": item_id, "text": label or source, "type": kind}
        if kind == "number":
            scale = "number"
            self.scales["number"] = ANY_NUMBER
        elif scale == "yesno":
            self.scales["yesno"] = YESNO
        if scale:
            item["scale"] = scale
        self.items[item_id] = item
        self.fields[source] = item_id
        if kind == "text":
            self.text.append(source)

    def code(self, source: str, label: str, code: str, display: str) -> None:
        codes = self._codes.setdefault(source, {})
        if code not in codes:
            codes[code] = display or code
        self.add(source, label, "choice", f"codes_{safe_id(source, 'q')}")

    def instrument(self, instrument_id: str, version: str) -> tuple[Instrument, Mapping]:
        from engagement.instruments.loading import load

        for source, codes in self._codes.items():
            numbers = [canonical_number(c) for c in codes]
            if None not in numbers and len(set(numbers)) == len(numbers):  # numeric codes are the values
                pairs = zip(numbers, codes.values(), strict=True)
                choices = [{"value": float(n), "label": d} for n, d in pairs]  # type: ignore[arg-type]
            else:
                choices = [{"value": i, "label": d} for i, d in enumerate(codes.values(), 1)]
                self.recodes[source] = {c: str(i) for i, c in enumerate(codes, 1)}
            self.scales[f"codes_{safe_id(source, 'q')}"] = {"choices": choices}
        content = {"id": instrument_id, "version": version, "title": f"Draft from data: {instrument_id}",
                   "items": list(self.items.values()), "scales": self.scales}
        return load(content), Mapping(instrument_id=instrument_id, instrument_version=version,
                                      fields=self.fields, recodes=self.recodes, text_fields=self.text)


def infer(path: Path, fmt: str, instrument_id: str = "draft",
          version: str = "0.0.1") -> tuple[Instrument, Mapping]:
    draft = _Draft()
    if fmt == "fhir":
        _fhir(path, draft)
    elif fmt == "qualtrics":
        _qualtrics(path, draft)
    else:
        raise ValueError(f"no inference for {fmt!r}")
    inst, mapping = draft.instrument(instrument_id, version)
    if fmt == "qualtrics":
        mapping = mapping.model_copy(update={"missing_values": ["-99"]})
    return inst, mapping


def _fhir(path: Path, draft: _Draft) -> None:
    from engagement.readers import fhir
    from engagement.readers.frames import Collector

    c = Collector(path.name, Mapping(instrument_id="-", instrument_version="-"), "-")
    for _, res in fhir.resources(path, c):
        _fhir_items(res.get("item") or [], draft)


def _fhir_items(items: list[dict[str, Any]], draft: _Draft) -> None:
    for item in items:
        link, label = str(item.get("linkId", "")), plain_text(item.get("text", ""))
        for answer in item.get("answer") or []:
            _fhir_answer(link, label, answer, draft)
            _fhir_items(answer.get("item") or [], draft)
        _fhir_items(item.get("item") or [], draft)


def _fhir_answer(link: str, label: str, answer: dict[str, Any], draft: _Draft) -> None:
    kind, value = next(((k, v) for k, v in answer.items() if k.startswith("value")), (None, None))
    if kind == "valueCoding":
        draft.code(link, label, str(value.get("code", "")), str(value.get("display", "")))
    elif kind == "valueBoolean":
        draft.add(link, label, "choice", "yesno")
    elif kind in ("valueInteger", "valueDecimal", "valueQuantity"):
        draft.add(link, label, "number")
    elif kind is not None:
        draft.add(link, label, "text")


def _qualtrics(path: Path, draft: _Draft) -> None:
    import pandas as pd

    from engagement.readers import qualtrics

    header = qualtrics.read_header(path)
    if header is None:
        return
    questions = header.question_columns()
    text = header.text_columns()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=0,
                        encoding_errors="replace").iloc[header.rows - 1:]
    frame = qualtrics._named(frame, header)
    for q in questions:
        values = {v.strip() for v in frame[q]} - set(NA_TOKENS) - {"-99"}
        numeric = values and all(canonical_number(v) is not None for v in values)
        draft.add(q, header.labels.get(q, ""), "number" if numeric and q not in text else "text")
