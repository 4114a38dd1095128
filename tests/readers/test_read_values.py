"""Cell conversion: numbers, booleans, choices, ranges, times."""

from __future__ import annotations

import pytest

from engagement.instruments.model import Instrument
from engagement.readers.values import canonical_number, convert_value, item_views, parse_time, zone


@pytest.mark.parametrize(("raw", "expected"), [
    ("3", "3"), ("3.0", "3"), (" 4 ", "4"), (".34", "0.34"), ("1,54", "1.54"), ("-99", "-99"),
    ("100", "100"), ("1e2", "100"), ("-0", "0"), ("2.50", "2.5"),
    ("abc", None), ("1,2,3", None), ("", None), ("1.2.3", None), ("55:02", None),
])
def test_canonical_number(raw: str, expected: str | None) -> None:
    assert canonical_number(raw) == expected


@pytest.mark.parametrize(("raw", "item", "expected"), [
    ("4", "q1", ("4", None)),
    ("4.0", "q1", ("4", None)),
    ("-99", "q1", ("-99", None)),              # the scale's missing code is a value, kept as such
    ("6", "q1", (None, "G405")),
    ("agree", "q1", ("4", None)),              # label, case-insensitive
    ("Strongly Agree", "q1", ("5", None)),
    ("TRUE", "paid", ("1", None)),             # R re-writes 0/1 as TRUE/FALSE
    ("FALSE", "paid", ("0", None)),
    ("yes", "paid", ("1", None)),
    ("TRUE", "q1", (None, "G405")),            # booleans only for 0/1 scales
    ("2.5", "hours", ("2.5", None)),
    ("25", "hours", (None, "G426")),
    ("3,5", "hours", ("3.5", None)),
    ("81", "age", ("81", None)),
    ("eighty", "age", (None, "G406")),
])
def test_convert_value(pulse: Instrument, raw: str, item: str, expected: tuple) -> None:
    view = item_views(pulse)[item]
    got = convert_value(raw, view, None)
    assert (got.value, got.code) == expected


def test_recode_comes_first(pulse: Instrument) -> None:
    view = item_views(pulse)["q1"]
    recode = {"10": "1", "11": "2", "A": "5"}
    assert convert_value("11", view, recode).value == "2"
    assert convert_value("a", view, recode).value == "5"
    assert convert_value("12", view, recode).code == "G405"


def test_without_instrument_any_number_passes() -> None:
    assert convert_value("7", None, None).value == "7"
    assert convert_value("x", None, None).code == "G406"


def test_item_views_kinds(pulse: Instrument) -> None:
    views = item_views(pulse)
    assert {k: v.kind for k, v in views.items()} == {
        "q1": "choice", "q2": "choice", "paid": "choice", "hours": "number", "age": "number", "note": "text"}
    assert views["q1"].values == frozenset({"1", "2", "3", "4", "5"})
    assert views["q1"].missing == frozenset({"-99"})
    assert item_views(None) == {}


@pytest.mark.parametrize(("raw", "tz", "iso", "date_only"), [
    ("2018-03-06 15:52:43", "UTC", "2018-03-06T15:52:43Z", False),
    ("2018-03-06 15:52:43", "Europe/Berlin", "2018-03-06T14:52:43Z", False),
    ("2018-07-06 15:52", "Europe/Berlin", "2018-07-06T13:52:00Z", False),      # summer time
    ("2013-02-19T14:15:00+10:00", "Europe/Berlin", "2013-02-19T04:15:00Z", False),
    ("2019-08-21T20:36:57.544Z", "UTC", "2019-08-21T20:36:57.544Z", False),
    ("7/18/2017 8:28", "America/New_York", "2017-07-18T12:28:00Z", False),   # Excel re-saved
    ("2008-01-17", "UTC", "2008-01-17T00:00:00Z", True),
    ("[not completed]", "UTC", None, False),
    ("31/12/2020 10:00", "UTC", None, False),
])
def test_parse_time(raw: str, tz: str, iso: str | None, date_only: bool) -> None:
    t = parse_time(raw, zone(tz))
    assert t.iso == iso
    if iso:
        assert t.date_only is date_only


def test_unknown_zone() -> None:
    assert zone("Mars/Olympus") is None
