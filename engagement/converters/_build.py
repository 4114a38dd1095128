"""Collects items, scales and translations from any source format into the instrument mapping.

Every converter reads its source into plain rows, then calls this builder, so the rules that must be
the same for all formats (safe unique ids, how choice codes become scale values, shared scales,
multi-select expansion) live in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engagement.converters._text import as_number, checkbox_code, safe_id
from engagement.errors import EngagementError, Problem

Value = int | float

BINARY_SCALES: dict[str, list[tuple[int, str]]] = {
    "yesno": [(0, "No"), (1, "Yes")],
    "truefalse": [(0, "False"), (1, "True")],
    "selected": [(0, "Not selected"), (1, "Selected")],
}


@dataclass
class Choice:
    code: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)  # translations: language -> label


@dataclass
class ItemText:
    text: str
    help: str = ""
    texts: dict[str, str] = field(default_factory=dict)  # translations: language -> text
    helps: dict[str, str] = field(default_factory=dict)


class InstrumentBuilder:
    def __init__(self, file: str, missing: Iterable[Value] = ()) -> None:
        self.file = file
        self.missing_values = {float(v) for v in missing}  # answers that mean "prefer not to say" ...
        self.id = ""
        self.title = ""
        self.version = "1.0.0"
        self.titles: dict[str, str] = {}
        self.items: list[dict[str, Any]] = []
        self.scales: dict[str, dict[str, Any]] = {}
        self.translations: dict[str, dict[str, Any]] = {}
        self.warnings: list[Problem] = []
        self.errors: list[Problem] = []
        self._scale_keys: dict[str, str] = {}
        self.codes: dict[str, dict[str, Value]] = {}  # scale id -> {source code: value} where they differ
        self.language = ""
        self.description = ""
        self._ids: set[str] = set()

    # ----------------------------------------------------------------------------- problems
    def warn(self, code: str, detail: str = "", **where: Any) -> None:
        self.warnings.append(Problem(code, detail, file=self.file, **where))

    def error(self, code: str, detail: str = "", **where: Any) -> None:
        self.errors.append(Problem(code, detail, file=self.file, **where))

    # ----------------------------------------------------------------------------- scales
    def scale(
        self,
        preferred: str,
        choices: list[Choice],
        where: dict[str, Any],
        scores: list[Value | None] | None = None,
    ) -> str | None:
        """Register a choice list; returns its scale id (identical lists share one scale)."""
        codes = [c.code for c in choices]
        dup = next((c for i, c in enumerate(codes) if c in codes[:i]), None)
        if dup is not None:
            self.error("I357", f"code {dup!r} appears twice in choice list {preferred!r}", **where)
            return None
        values, keep_codes, note = _values(codes, scores)
        entries = [
            {"value": value, "label": choice.label} for choice, value in zip(choices, values, strict=True)
        ]
        codes_kept = {c.code: v for c, v in zip(choices, values, strict=True)} if keep_codes else {}
        missing = [e for e in entries if float(e["value"]) in self.missing_values]
        entries = [e for e in entries if float(e["value"]) not in self.missing_values]
        key = json.dumps(
            [entries, missing, codes_kept, [c.labels for c in choices]], sort_keys=True, default=str
        )
        if key in self._scale_keys:
            return self._scale_keys[key]
        if note:
            self.warn(
                note,
                f"choice list {preferred!r}: codes {codes}"
                + (f", scores {scores}" if note == "I377" else "")
                + f" became values {values}",
                **where,
            )
        sid = self._unique(safe_id(preferred, "scale"), set(self.scales))
        self.scales[sid] = {"choices": entries, "missing": missing}
        self._scale_keys[key] = sid
        if codes_kept:
            self.codes[sid] = codes_kept
        for choice, value in zip(choices, values, strict=True):
            for lang, label in choice.labels.items():
                self._lang(lang)["scales"].setdefault(sid, {})[value] = label
        return sid

    def range_scale(self, preferred: str, low: Value, high: Value, step: Value = 1) -> str:
        """Sliders and bounded numbers: a scale with a range instead of choices."""
        key = json.dumps(["range", low, high, step])
        if key not in self._scale_keys:
            sid = self._unique(safe_id(preferred, "scale"), set(self.scales))
            self.scales[sid] = {"range": {"min": low, "max": high, "step": step}}
            self._scale_keys[key] = sid
        return self._scale_keys[key]

    def binary_scale(self, kind: str) -> str:
        choices = [Choice(str(v), label) for v, label in BINARY_SCALES[kind]]
        sid = self.scale(kind, choices, {})
        assert sid is not None
        return sid

    # ----------------------------------------------------------------------------- items
    def item(
        self,
        raw_id: str,
        text: ItemText,
        kind: str,
        *,
        scale: str | None = None,
        required: bool = False,
        where: dict[str, Any],
    ) -> str:
        item_id = self._item_id(raw_id, where)
        entry: dict[str, Any] = {"id": item_id, "text": text.text, "type": kind}
        if scale:
            entry["scale"] = scale
        if required:
            entry["required"] = True
        if text.help:
            entry["help"] = text.help
        self.items.append(entry)
        for lang in set(text.texts) | set(text.helps):
            tr: dict[str, str] = {}
            if text.texts.get(lang):
                tr["text"] = text.texts[lang]
            if text.helps.get(lang):
                tr["help"] = text.helps[lang]
            if tr:
                self._lang(lang)["items"][item_id] = tr
        return item_id

    def multi_select(
        self, raw_id: str, text: ItemText, choices: list[Choice], *, required: bool, where: dict[str, Any]
    ) -> list[str]:
        """One 0/1 item per choice, named like REDCap's checkbox export columns (<field>___<code>)."""
        scale = self.binary_scale("selected")
        ids = []
        for choice in choices:
            part = ItemText(
                f"{text.text}: {choice.label}",
                text.help,
                {lang: f"{t}: {choice.labels.get(lang, choice.label)}" for lang, t in text.texts.items()},
                dict(text.helps),
            )
            ids.append(
                self.item(
                    f"{raw_id}___{checkbox_code(choice.code)}",
                    part,
                    "choice",
                    scale=scale,
                    required=False,
                    where=where,
                )
            )
        self.warn("I374", f"{raw_id!r} became {len(ids)} items: {', '.join(ids)}", **where)
        return ids

    def _item_id(self, raw_id: str, where: dict[str, Any]) -> str:
        base = safe_id(raw_id, "q")
        item_id = self._unique(base, self._ids)
        self._ids.add(item_id)
        if item_id != raw_id:
            self.warn("I371", f"{raw_id!r} -> {item_id!r}", **where)
        return item_id

    @staticmethod
    def _unique(base: str, taken: set[str]) -> str:
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        return candidate

    def _lang(self, lang: str) -> dict[str, Any]:
        return self.translations.setdefault(lang, {"items": {}, "scales": {}})

    # ----------------------------------------------------------------------------- result
    def mapping(self) -> dict[str, Any]:
        if not self.items and not self.errors:
            self.error("I354", "no item could be converted")
        if self.errors:
            raise EngagementError(self.errors)
        for lang, title in self.titles.items():
            self._lang(lang)["title"] = title
        mapping: dict[str, Any] = {"id": self.id, "version": self.version, "title": self.title}
        if self.description:
            mapping["description"] = self.description
        if self.language:
            mapping["language"] = self.language
        mapping.update({"scales": self.scales, "items": self.items, "subscales": []})
        if self.translations:
            mapping["translations"] = {
                lang: _drop_empty(tr) for lang, tr in sorted(self.translations.items())
            }
        return mapping


def _values(codes: list[str], scores: list[Value | None] | None) -> tuple[list[Value], bool, str]:
    """Scale values: ordinal scores if complete and distinct, else numeric codes, else positions 1..n.

    Returns the values, whether the source codes must be kept beside them, and the warning code.
    """
    note = ""
    if scores is not None and any(s is not None for s in scores):
        if None not in scores and len(set(scores)) == len(scores):
            return [s for s in scores if s is not None], True, ""
        note = "I377"
    numbers = [as_number(c) for c in codes]
    if None not in numbers and len(set(numbers)) == len(numbers):
        return [n for n in numbers if n is not None], False, note
    return list(range(1, len(codes) + 1)), True, note or "I358"


def _drop_empty(tr: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in tr.items() if v}
