"""Turning one source cell into a scale value, a number or a UTC time, with the reason when it cannot.

Cells are converted once per distinct value (exports repeat a handful of codes a million times), so these
functions may be plain Python and still keep a million-answer file fast.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engagement.instruments.model import Instrument

NA_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "<NA>", "NULL", "null", "None"})
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "checked"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "unchecked"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")


def is_blank(raw: str | None) -> bool:
    return raw is None or raw.strip() in NA_TOKENS


def canonical_number(raw: str) -> str | None:
    """'3', '3.0', '.34', '1,54' (REDCap number_comma_decimal) -> '3', '3', '0.34', '1.54'; else None."""
    s = raw.strip()
    if _COMMA_DECIMAL.match(s):
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    text = format(d.normalize(), "f")
    return "0" if text in {"-0", "+0"} else text


def boolean_number(raw: str) -> str | None:
    """TRUE/FALSE as written by R or Excel, yes/no, Checked/Unchecked -> '1'/'0'."""
    s = raw.strip().lower()
    if s in TRUE_TOKENS:
        return "1"
    if s in FALSE_TOKENS:
        return "0"
    return None


@dataclass(frozen=True)
class ItemView:
    """What a reader needs to know about one item: its kind and the values it accepts."""

    id: str
    kind: str                                  # choice | number | text
    values: frozenset[str] = frozenset()       # canonical texts of valid scale values
    missing: frozenset[str] = frozenset()      # canonical texts of missing codes (stored, never scored)
    by_label: dict[str, str] | None = None     # lower-cased label -> value
    by_code: dict[str, str] | None = None      # source code kept by the converters -> value
    range: tuple[float, float] | None = None   # sliders and bounded numbers
    label: str = ""


def item_views(instrument: Instrument | None) -> dict[str, ItemView]:
    if instrument is None:
        return {}
    raw_scales = (instrument.content or {}).get("scales", {}) if instrument.content else {}
    views = {}
    for item in instrument.items:
        scale = instrument.scales.get(item.scale) if item.scale else None
        if item.type == "text" or scale is None:
            views[item.id] = ItemView(item.id, "text" if item.type == "text" else "number", label=item.text)
            continue
        values = frozenset(canonical_number(repr(float(v))) or "" for v in scale.values)
        missing = frozenset(canonical_number(repr(float(v))) or "" for v in scale.missing_codes)
        by_label = {c.label.strip().lower(): canonical_number(repr(float(c.value))) or ""
                    for c in (*scale.choices, *scale.missing) if c.label}
        by_code = {str(c["code"]): canonical_number(repr(float(c["value"]))) or ""
                   for c in raw_scales.get(item.scale, {}).get("choices", []) if "code" in c}
        rng = (scale.range[0], scale.range[1]) if scale.range else None
        views[item.id] = ItemView(item.id, item.type if item.type != "text" else "text", values, missing,
                                  by_label, by_code, rng, item.text)
    return views


@dataclass(frozen=True)
class Converted:
    value: str | None = None      # canonical scale value or number text; None with code set = problem
    code: str | None = None       # G405 not a choice, G406 not a number, G417 type mismatch
    detail: str = ""


def convert_value(raw: str, view: ItemView | None, recode: dict[str, str] | None) -> Converted:
    """One non-blank cell -> the value stored for a choice/number item (text items never get here)."""
    s = raw.strip()
    if recode:  # exact code first, then case-insensitively (REDCap lower-cases some codes)
        s = recode[s] if s in recode else {k.lower(): v for k, v in recode.items()}.get(s.lower(), s)
    if view is not None and view.kind == "choice":
        return _choice(s, view)
    number = canonical_number(s)
    if number is None and view is not None and view.kind == "number":
        number = boolean_number(s)
    if number is None:
        return Converted(code="G406", detail=f"{s!r} is not a number")
    if view is not None and view.range and not view.range[0] <= float(number) <= view.range[1]:
        return Converted(code="G426", detail=f"{number} outside {view.range[0]:g}..{view.range[1]:g}")
    return Converted(number)


def _choice(s: str, view: ItemView) -> Converted:
    number = canonical_number(s)
    if number is not None and (number in view.values or number in view.missing):
        return Converted(number)
    if number is not None and view.range and view.range[0] <= float(number) <= view.range[1]:
        return Converted(number)
    for table in (view.by_code, view.by_label):
        if table and (s in table or s.lower() in table):
            return Converted(table.get(s) or table[s.lower()])
    binary = boolean_number(s)
    if binary is not None and view.values == frozenset({"0", "1"}):
        return Converted(binary)
    allowed = ", ".join(sorted(view.values, key=_sort_key))
    return Converted(code="G405", detail=f"{s!r} is not one of {allowed}"
                     + (f" (missing codes {', '.join(sorted(view.missing))})" if view.missing else ""))


def _sort_key(v: str) -> tuple[int, float | str]:
    try:
        return (0, float(v))
    except ValueError:
        return (1, v)


# ------------------------------------------------------------------------------------------- times

_OTHER_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")  # Excel re-saves Qualtrics times like this
_DATE_ONLY = ("%m/%d/%Y",)


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Time:
    iso: str | None = None        # 'YYYY-MM-DDTHH:MM:SSZ' (UTC), or None when unreadable
    date_only: bool = False


@lru_cache(maxsize=65_536)
def parse_time(raw: str, tz: ZoneInfo) -> Time:
    """ISO 8601 with offset/Z kept exact; naive times ('2018-03-06 15:52:43', Excel '7/18/2017 8:28')
    are in the source's time zone `tz`; a bare date is midnight there (flagged as date_only)."""
    s = raw.strip()
    date_only = len(s) == 10
    parsed = _iso(s)
    if parsed is None:
        parsed = _naive(s, _OTHER_FORMATS)
        date_only = parsed is None
        if parsed is None:
            parsed = _naive(s, _DATE_ONLY)
    if parsed is None:
        return Time()
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    utc = parsed.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return Time(text + "Z", date_only)


def _iso(s: str) -> dt.datetime | None:
    if len(s) < 10 or s[4:5] != "-":
        return None
    try:
        return dt.datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "Zz" else s)
    except ValueError:
        return None


def _naive(s: str, formats: tuple[str, ...]) -> dt.datetime | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(s, fmt)  # noqa: DTZ007 - the zone is attached by the caller
        except ValueError:
            continue
    return None
