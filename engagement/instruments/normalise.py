"""Read raw YAML data into canonical content: known keys only, right types, defaults filled in.

Problems of shape (missing or unknown keys, wrong types) are collected here; problems of meaning
(unknown items, duplicate values ...) are left to engagement.instruments.checks, which runs on the
canonical content this module returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engagement.errors import Report
from engagement.instruments.model import value_key

TOP_KEYS = {"id", "version", "title", "description", "language", "audience", "scales", "items",
            "subscales", "translations"}
TOP_REQUIRED = ("id", "version", "title", "items")
SCALE_KEYS = {"choices", "missing", "range"}
CHOICE_KEYS = {"value", "label"}
RANGE_KEYS = {"min", "max", "step"}
ITEM_KEYS = {"id", "text", "type", "scale", "required", "help"}
SUBSCALE_KEYS = {"id", "title", "indicator", "items", "reverse", "method", "min_answered", "rescale",
                 "higher_is", "top_values"}
SUBSCALE_REQUIRED = ("id", "indicator", "items", "higher_is")
TRANSLATION_KEYS = {"title", "description", "items", "scales"}
TRANSLATED_ITEM_KEYS = {"text", "help"}

# Every key the format knows, by section; docs/instruments.md must mention each (a test checks).
SCHEMA_KEYS: dict[str, set[str]] = {
    "instrument": TOP_KEYS, "scale": SCALE_KEYS, "choice": CHOICE_KEYS, "range": RANGE_KEYS,
    "item": ITEM_KEYS, "subscale": SUBSCALE_KEYS, "translation": TRANSLATION_KEYS,
    "translated item": TRANSLATED_ITEM_KEYS,
}


class Reader:
    """Carries the file name and the report so each small step can say where a problem is."""

    def __init__(self, origin: str, report: Report):
        self.origin, self.report = origin, report

    def error(self, code: str, detail: str, key: str | None = None, item: str | None = None,
              value: object = None) -> None:
        self.report.error(code, detail, file=self.origin, column=key, item=item,
                          value=None if value is None else str(value))

    def keys(self, data: Mapping[str, Any], allowed: set[str], where: str, item: str | None = None) -> None:
        for k in data:
            if k not in allowed:
                self.error("I302", f"{where} has unknown key {k!r}; known keys: {', '.join(sorted(allowed))}",
                           key=f"{where}.{k}", item=item)

    def required(self, data: Mapping[str, Any], keys: tuple[str, ...], where: str,
                 item: str | None = None) -> bool:
        ok = True
        for k in keys:
            if data.get(k) is None or data.get(k) == "":
                self.error("I301", f"{where} needs the key {k!r}", key=f"{where}.{k}", item=item)
                ok = False
        return ok

    def text(self, value: Any, where: str, item: str | None = None, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error("I303", f"{where} must be text", key=where, item=item, value=value)
            return default
        return str(value).strip()

    def number(self, value: Any, where: str, item: str | None = None) -> float | int | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                value = float(str(value).strip())
            except ValueError:
                self.error("I303", f"{where} must be a number", key=where, item=item, value=value)
                return None
        return int(value) if float(value).is_integer() else float(value)

    def boolean(self, value: Any, where: str, item: str | None = None, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error("I303", f"{where} must be true or false", key=where, item=item, value=value)
            return default
        return value

    def mapping(self, value: Any, where: str, item: str | None = None) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error("I303", f"{where} must be a mapping (key: value lines)", key=where, item=item)
            return {}
        return value

    def sequence(self, value: Any, where: str, item: str | None = None) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str | int | float):  # a lone value is a list of one, as people write it
            return [value]
        if not isinstance(value, list | tuple):
            self.error("I303", f"{where} must be a list", key=where, item=item)
            return []
        return list(value)


def normalise(raw: Any, origin: str, report: Report) -> dict[str, Any]:
    r = Reader(origin, report)
    if not isinstance(raw, Mapping):
        r.error("I300", "the file must hold one mapping with keys id, version, title, items ...")
        return {}
    r.keys(raw, TOP_KEYS, "instrument")
    r.required(raw, TOP_REQUIRED, "instrument")
    return {
        "id": r.text(raw.get("id"), "id"),
        "version": r.text(raw.get("version"), "version"),
        "title": r.text(raw.get("title"), "title"),
        "description": r.text(raw.get("description"), "description"),
        "language": r.text(raw.get("language"), "language", default="en") or "en",
        "audience": [r.text(a, "audience") for a in r.sequence(raw.get("audience"), "audience")],
        "scales": {str(sid): _scale(r, str(sid), sc)
                   for sid, sc in r.mapping(raw.get("scales"), "scales").items()},
        "items": [_item(r, i, it) for i, it in enumerate(r.sequence(raw.get("items"), "items"))],
        "subscales": [_subscale(r, i, s)
                      for i, s in enumerate(r.sequence(raw.get("subscales"), "subscales"))],
        "translations": {str(lang): _translation(r, str(lang), tr)
                         for lang, tr in r.mapping(raw.get("translations"), "translations").items()},
    }


def _choice(r: Reader, where: str, raw: Any, scale_id: str) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):  # a bare code, as in `missing: [-99]`
        value = r.number(raw, where, item=scale_id)
        return None if value is None else {"value": value, "label": ""}
    r.keys(raw, CHOICE_KEYS, where, item=scale_id)
    if not r.required(raw, ("value",), where, item=scale_id):
        return None
    value = r.number(raw["value"], f"{where}.value", item=scale_id)
    if value is None:
        return None
    return {"value": value, "label": r.text(raw.get("label"), f"{where}.label", item=scale_id)}


def _scale(r: Reader, sid: str, raw: Any) -> dict[str, Any]:
    where = f"scales.{sid}"
    raw = r.mapping(raw, where, item=sid)
    r.keys(raw, SCALE_KEYS, where, item=sid)
    out: dict[str, Any] = {
        "choices": [c for i, x in enumerate(r.sequence(raw.get("choices"), f"{where}.choices", item=sid))
                    if (c := _choice(r, f"{where}.choices[{i}]", x, sid)) is not None],
        "missing": [c for i, x in enumerate(r.sequence(raw.get("missing"), f"{where}.missing", item=sid))
                    if (c := _choice(r, f"{where}.missing[{i}]", x, sid)) is not None],
        "range": None,
    }
    if raw.get("range") is not None:
        rng = r.mapping(raw["range"], f"{where}.range", item=sid)
        r.keys(rng, RANGE_KEYS, f"{where}.range", item=sid)
        if r.required(rng, ("min", "max"), f"{where}.range", item=sid):
            out["range"] = {k: r.number(rng.get(k, 1), f"{where}.range.{k}", item=sid)
                            for k in ("min", "max", "step")}
    return out


def _item(r: Reader, index: int, raw: Any) -> dict[str, Any]:
    where = f"items[{index}]"
    raw = r.mapping(raw, where)
    item_id = r.text(raw.get("id"), f"{where}.id")
    r.keys(raw, ITEM_KEYS, where, item=item_id or None)
    r.required(raw, ("id", "text"), where, item=item_id or None)
    scale = r.text(raw.get("scale"), f"{where}.scale", item=item_id) or None
    default_type = "choice" if scale else "text"
    return {
        "id": item_id,
        "text": r.text(raw.get("text"), f"{where}.text", item=item_id),
        "type": r.text(raw.get("type"), f"{where}.type", item=item_id) or default_type,
        "scale": scale,
        "required": r.boolean(raw.get("required"), f"{where}.required", item=item_id),
        "help": r.text(raw.get("help"), f"{where}.help", item=item_id),
    }


def _id_list(r: Reader, raw: Any, where: str, sid: str) -> list[str]:
    return [r.text(v, where, item=sid) for v in r.sequence(raw, where, item=sid)]


def _subscale(r: Reader, index: int, raw: Any) -> dict[str, Any]:
    where = f"subscales[{index}]"
    raw = r.mapping(raw, where)
    sid = r.text(raw.get("id"), f"{where}.id")
    r.keys(raw, SUBSCALE_KEYS, where, item=sid or None)
    r.required(raw, SUBSCALE_REQUIRED, where, item=sid or None)
    min_answered = r.number(raw.get("min_answered", 0.5), f"{where}.min_answered", item=sid)
    return {
        "id": sid,
        "title": r.text(raw.get("title"), f"{where}.title", item=sid),
        "indicator": r.text(raw.get("indicator"), f"{where}.indicator", item=sid),
        "items": _id_list(r, raw.get("items"), f"{where}.items", sid),
        "reverse": _id_list(r, raw.get("reverse"), f"{where}.reverse", sid),
        "method": r.text(raw.get("method"), f"{where}.method", item=sid) or "mean",
        "min_answered": 0.5 if min_answered is None else min_answered,
        "rescale": _rescale(r, raw, f"{where}.rescale", sid),
        "higher_is": r.text(raw.get("higher_is"), f"{where}.higher_is", item=sid),
        "top_values": _numbers(r, raw.get("top_values"), f"{where}.top_values", sid),
    }


def _numbers(r: Reader, raw: Any, where: str, sid: str) -> list[float | int]:
    return [v for v in (r.number(x, where, item=sid) for x in r.sequence(raw, where, item=sid))
            if v is not None]


def _rescale(r: Reader, raw: Mapping[str, Any], where: str, sid: str) -> list[float] | None:
    if "rescale" not in raw:
        return [0, 100]
    if raw["rescale"] is None:
        return None
    values = r.sequence(raw["rescale"], where, item=sid)
    nums = [r.number(v, where, item=sid) for v in values]
    if len(nums) != 2 or None in nums or nums[0] >= nums[1]:  # type: ignore[operator]
        r.error("I321", f"{where} must be [low, high] with low < high", key=where, item=sid,
                value=raw["rescale"])
        return [0, 100]
    return nums  # type: ignore[return-value]


def _translation(r: Reader, lang: str, raw: Any) -> dict[str, Any]:
    where = f"translations.{lang}"
    raw = r.mapping(raw, where)
    r.keys(raw, TRANSLATION_KEYS, where)
    items: dict[str, dict[str, str]] = {}
    for item_id, given in r.mapping(raw.get("items"), f"{where}.items").items():
        tr_where = f"{where}.items.{item_id}"
        tr = {"text": given} if isinstance(given, str) else r.mapping(given, tr_where, item=str(item_id))
        r.keys(tr, TRANSLATED_ITEM_KEYS, tr_where, item=str(item_id))
        items[str(item_id)] = {k: r.text(tr.get(k), f"{tr_where}.{k}", item=str(item_id))
                               for k in ("text", "help") if tr.get(k) is not None}
    scales: dict[str, dict[str, str]] = {}
    for scale_id, labels in r.mapping(raw.get("scales"), f"{where}.scales").items():
        sc_where = f"{where}.scales.{scale_id}"
        scales[str(scale_id)] = {}
        for value, label in r.mapping(labels, sc_where, item=str(scale_id)).items():
            num = r.number(value, sc_where, item=str(scale_id))
            if num is not None:
                scales[str(scale_id)][value_key(num)] = r.text(label, f"{sc_where}.{value}",
                                                               item=str(scale_id))
    return {"title": r.text(raw.get("title"), f"{where}.title"),
            "description": r.text(raw.get("description"), f"{where}.description"),
            "items": items, "scales": scales}
