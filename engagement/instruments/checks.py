"""Checks of meaning on canonical content, one small function per rule, each adding coded problems.

They run after engagement.instruments.normalise, so every key exists and has the right type.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from engagement.instruments.model import AUDIENCES, DIRECTIONS, INDICATORS, ITEM_TYPES, METHODS, value_key
from engagement.instruments.normalise import Reader

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_\-]{0,39}$")

Content = dict[str, Any]


def check_ids(c: Content, r: Reader) -> None:
    named = [("id", c["id"], None)]
    named += [(f"items[{i}].id", it["id"], it["id"]) for i, it in enumerate(c["items"])]
    named += [(f"subscales[{i}].id", s["id"], s["id"]) for i, s in enumerate(c["subscales"])]
    named += [(f"scales.{sid}", sid, sid) for sid in c["scales"]]
    for key, value, item in named:
        if value and not ID_RE.match(value):
            r.error("I318", f"{value!r} is not a usable identifier", key=key, item=item, value=value)


def check_version(c: Content, r: Reader) -> None:
    if c["version"] and not VERSION_RE.match(c["version"]):
        r.error("I326", "the version is not a plain version label", key="version", value=c["version"])


def check_audience(c: Content, r: Reader) -> None:
    for role in c["audience"]:
        if role not in AUDIENCES:
            r.error("I329", f"audience {role!r} is not a participant role", key="audience", value=role)


def check_unique_items(c: Content, r: Reader) -> None:
    for item_id, n in Counter(it["id"] for it in c["items"]).items():
        if item_id and n > 1:
            r.error("I304", f"item id {item_id!r} is used {n} times", key="items", item=item_id)


def check_item_types(c: Content, r: Reader) -> None:
    for i, it in enumerate(c["items"]):
        key = f"items[{i}]"
        if it["type"] not in ITEM_TYPES:
            r.error("I322", f"type {it['type']!r}", key=f"{key}.type", item=it["id"], value=it["type"])
        if it["type"] == "choice" and not it["scale"]:
            r.error("I319", "a choice item needs a scale", key=f"{key}.scale", item=it["id"])
        if it["scale"] and it["scale"] not in c["scales"]:
            r.error("I310", f"scale {it['scale']!r} is not defined under scales", key=f"{key}.scale",
                    item=it["id"], value=it["scale"])


def check_scale_answers(c: Content, r: Reader) -> None:
    for sid, sc in c["scales"].items():
        if bool(sc["choices"]) == bool(sc["range"]):
            detail = "both choices and range given" if sc["choices"] else "neither choices nor range given"
            r.error("I323", detail, key=f"scales.{sid}", item=sid)
        rng = sc["range"]
        if rng and None not in rng.values() and (rng["min"] >= rng["max"] or rng["step"] <= 0):
            r.error("I323", "range needs min < max and step > 0", key=f"scales.{sid}.range", item=sid,
                    value=f"{rng['min']}..{rng['max']} step {rng['step']}")


def check_scale_duplicates(c: Content, r: Reader) -> None:
    for sid, sc in c["scales"].items():
        for part in ("choices", "missing"):
            counts = Counter(ch["value"] for ch in sc[part])
            for value, n in counts.items():
                if n > 1:
                    r.error("I307", f"value {value_key(value)} appears {n} times in {part}",
                            key=f"scales.{sid}.{part}", item=sid, value=value_key(value))


def check_missing_codes(c: Content, r: Reader) -> None:
    for sid, sc in c["scales"].items():
        valid = {ch["value"] for ch in sc["choices"]}
        rng = sc["range"]
        for ch in sc["missing"]:
            v = ch["value"]
            in_range = rng is not None and None not in rng.values() and rng["min"] <= v <= rng["max"]
            if v in valid or in_range:
                r.error("I309", f"missing code {value_key(v)} is also an answer of the scale",
                        key=f"scales.{sid}.missing", item=sid, value=value_key(v))


def check_unique_subscales(c: Content, r: Reader) -> None:
    for sid, n in Counter(s["id"] for s in c["subscales"]).items():
        if sid and n > 1:
            r.error("I316", f"subscale id {sid!r} is used {n} times", key="subscales", item=sid)


def check_subscale_items(c: Content, r: Reader) -> None:
    items = {it["id"]: it for it in c["items"]}
    for i, s in enumerate(c["subscales"]):
        key = f"subscales[{i}].items"
        if not s["items"]:
            r.error("I331", f"subscale {s['id']!r} lists no items", key=key, item=s["id"])
        for item_id, n in Counter(s["items"]).items():
            if n > 1:
                r.error("I324", f"{item_id!r} is listed {n} times in subscale {s['id']!r}", key=key,
                        item=item_id)
        for item_id in dict.fromkeys(s["items"]):
            it = items.get(item_id)
            if it is None:
                r.error("I305", f"subscale {s['id']!r} names {item_id!r}, which is not an item", key=key,
                        item=item_id)
            elif it["type"] == "text" or not it["scale"]:
                r.error("I317", f"item {item_id!r} ({it['type']}, scale {it['scale']}) cannot be scored",
                        key=key, item=item_id)


def check_subscale_ranges(c: Content, r: Reader) -> None:
    for i, s in enumerate(c["subscales"]):
        ranges = {_range_of(c, item_id) for item_id in s["items"]} - {None}
        if len(ranges) > 1:
            shown = ", ".join(f"{value_key(lo)}..{value_key(hi)}" for lo, hi in sorted(ranges))
            r.error("I327", f"subscale {s['id']!r} mixes answer ranges {shown}", key=f"subscales[{i}].items",
                    item=s["id"])


def _range_of(c: Content, item_id: str) -> tuple[float, float] | None:
    it = next((it for it in c["items"] if it["id"] == item_id), None)
    sc = c["scales"].get(it["scale"]) if it and it["scale"] else None
    if sc is None:
        return None
    if sc["range"] and None not in sc["range"].values():
        return (sc["range"]["min"], sc["range"]["max"])
    values = [ch["value"] for ch in sc["choices"]]
    return (min(values), max(values)) if values else None


def check_reverse(c: Content, r: Reader) -> None:
    for i, s in enumerate(c["subscales"]):
        for item_id in s["reverse"]:
            if item_id not in s["items"]:
                r.error("I306", f"{item_id!r} is reversed in subscale {s['id']!r} but not one of its items",
                        key=f"subscales[{i}].reverse", item=item_id)


def check_subscale_words(c: Content, r: Reader) -> None:
    for i, s in enumerate(c["subscales"]):
        for key, allowed, code in (("indicator", INDICATORS, "I311"), ("method", METHODS, "I312"),
                                   ("higher_is", DIRECTIONS, "I313")):
            if s[key] and s[key] not in allowed:
                r.error(code, f"subscale {s['id']!r}: {key} {s[key]!r}; allowed: {', '.join(allowed)}",
                        key=f"subscales[{i}].{key}", item=s["id"], value=s[key])


def check_min_answered(c: Content, r: Reader) -> None:
    for i, s in enumerate(c["subscales"]):
        if not 0 <= s["min_answered"] <= 1:
            r.error("I308", f"subscale {s['id']!r}", key=f"subscales[{i}].min_answered", item=s["id"],
                    value=s["min_answered"])


def check_top_values(c: Content, r: Reader) -> None:
    for i, s in enumerate(c["subscales"]):
        key = f"subscales[{i}].top_values"
        if s["top_values"] and s["method"] != "top_box":
            r.error("I332", f"subscale {s['id']!r} has method {s['method']!r}", key=key, item=s["id"])
            continue
        scale_ids = dict.fromkeys(it["scale"] for it in c["items"] if it["id"] in s["items"] and it["scale"])
        for scale_id in scale_ids:
            sc = c["scales"].get(scale_id)
            if sc is None:
                continue
            valid = {ch["value"] for ch in sc["choices"]}
            rng = sc["range"]
            for v in s["top_values"]:
                on_range = rng is not None and None not in rng.values() and rng["min"] <= v <= rng["max"]
                if v not in valid and not on_range:
                    r.error("I325", f"{value_key(v)} is not an answer of scale {scale_id!r}", key=key,
                            item=s["id"], value=value_key(v))


def check_translations(c: Content, r: Reader) -> None:
    items = {it["id"] for it in c["items"]}
    for lang, tr in c["translations"].items():
        where = f"translations.{lang}"
        for item_id in tr["items"]:
            if item_id not in items:
                r.error("I320", f"{lang} translates item {item_id!r}, which is not an item",
                        key=f"{where}.items", item=item_id)
        for sid, labels in tr["scales"].items():
            sc = c["scales"].get(sid)
            if sc is None:
                r.error("I320", f"{lang} translates scale {sid!r}, which is not defined",
                        key=f"{where}.scales", item=sid)
                continue
            known = {value_key(ch["value"]) for ch in (*sc["choices"], *sc["missing"])}
            for value in labels:
                if value not in known:
                    r.error("I320", f"{lang} labels value {value} of scale {sid!r}, which has no such value",
                            key=f"{where}.scales.{sid}", item=sid, value=value)


CHECKS: tuple[Callable[[Content, Reader], None], ...] = (
    check_ids, check_version, check_audience, check_unique_items, check_item_types, check_scale_answers,
    check_scale_duplicates, check_missing_codes, check_unique_subscales, check_subscale_items,
    check_subscale_ranges, check_reverse, check_subscale_words, check_min_answered, check_top_values,
    check_translations,
)


def run_checks(content: Content, r: Reader) -> None:
    for check in CHECKS:
        check(content, r)
