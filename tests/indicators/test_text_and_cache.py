"""Quotes only with consent and from shown themes; views follow new data; site staff see their sites."""

from __future__ import annotations

import datetime as dt

from engagement.indicators import IndicatorFilters
from engagement.indicators_dashboard import dashboard_view
from engagement.permissions import Grant, Viewer
from tests.indicators.ind_factory import make_study, person, submit

AS_OF = IndicatorFilters(as_of=dt.date(2026, 12, 31))
TRAVEL = "The long drive and the parking fees make every visit hard."
NURSES = "The nurses explain everything kindly and answer my questions."


def _build(session, quote_ok: bool = True):  # type: ignore[no-untyped-def]
    b = make_study(session, sites=("A", "B"))
    for i in range(12):
        site = "A" if i < 8 else "B"
        person(session, b, f"q{i}", site)
        text = (TRAVEL if i % 2 else NURSES) + f" Visit {i}."
        submit(session, b, f"q{i}", "T1", {"burden": 40.0 + i}, comment=(text, quote_ok and i < 10))
    return b


def test_sponsor_quotes_need_consent_and_come_from_shown_themes(session) -> None:
    _build(session)
    sponsor = Viewer("spons", (Grant("S1", "sponsor"),))
    v = dashboard_view(session, sponsor, "S1", AS_OF)
    assert v.quotes, "a theme with enough people and consenting authors shows quotes"
    consenting = {(TRAVEL if i % 2 else NURSES) + f" Visit {i}." for i in range(10)}
    assert {q for _, q in v.quotes} <= consenting
    shown = set(v.themes.loc[~v.themes["suppressed"].astype(bool), "theme"])
    assert {t for t, _ in v.quotes} <= shown


def test_no_quotes_without_consent(session) -> None:
    _build(session, quote_ok=False)
    v = dashboard_view(session, Viewer("spons", (Grant("S1", "sponsor"),)), "S1", AS_OF)
    assert v.quotes == []


def test_new_data_reaches_the_next_view(session, system) -> None:
    b = _build(session)
    before = {t.key: t.number for t in dashboard_view(session, system, "S1", AS_OF).tiles}["burden"]
    person(session, b, "late", "A")
    submit(session, b, "late", "T1", {"burden": 100.0})
    after = {t.key: t.number for t in dashboard_view(session, system, "S1", AS_OF).tiles}["burden"]
    # 40..51 average 45.5; with 100 added: (546 + 100) / 13
    assert (before, after) == (45.5, 646 / 13)


def test_site_staff_see_their_site_only(session) -> None:
    b = _build(session)
    staff = Viewer("staff", (Grant("S1", "trial_manager", b.sites["A"]),))
    v = dashboard_view(session, staff, "S1", AS_OF)
    assert [code for code, _ in v.sites] == ["A"]
    assert set(v.heatmap["site"]) == {"A"}
    assert {t.key: t.number for t in v.tiles}["burden"] == 43.5  # 40..47
