"""dashboard_view on a small hand-built study: filters, suppression, tiles, captions."""

from __future__ import annotations

import datetime as dt

import pytest

from engagement.indicators import IndicatorFilters
from engagement.indicators_dashboard import dashboard_view
from engagement.permissions import Grant, Viewer
from engagement.risk import elevated_share
from tests.indicators.ind_factory import make_study, person, submit

AS_OF = dt.date(2026, 12, 31)


def _build(session):
    """Site A: 8 patients; site B: 6 patients and 2 caregivers; site C: 3 patients (small)."""
    b = make_study(session, sites=("A", "B", "C"))
    people = [(f"a{i}", "A", "patient") for i in range(8)]
    people += [(f"b{i}", "B", "patient") for i in range(6)] + [("bc0", "B", "caregiver"),
                                                              ("bc1", "B", "caregiver")]
    people += [(f"c{i}", "C", "patient") for i in range(3)]
    for k, (code, site, role) in enumerate(people):
        person(session, b, code, site, role)
        base = {"A": 30, "B": 50, "C": 70}[site]
        submit(session, b, code, "T1", {"burden": base + k % 3, "trust": 60.0},
               at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
               comment=("Travel to the clinic takes hours and parking costs too much.", True))
        if not code.endswith("0"):  # the first of each group misses T2
            submit(session, b, code, "T2", {"burden": base + 10 + k % 3, "trust": 55.0},
                   at=dt.datetime(2026, 2, 5, tzinfo=dt.UTC))
    return b


def test_staff_sees_every_cell(session, system):
    _build(session)
    v = dashboard_view(session, system, "S1", IndicatorFilters(as_of=AS_OF))
    assert not v.heatmap["suppressed"].any()
    c = v.heatmap[(v.heatmap["site"] == "C") & (v.heatmap["stage"] == "recruitment")
                  & (v.heatmap["indicator"] == "burden")].iloc[0]
    assert (c["n"], c["mean"]) == (3, 71.0)  # people 16, 17, 18: 70 + k % 3 = 71, 72, 70
    tiles = {t.key: t for t in v.tiles}
    # The risk tile shows what the risk service computes (engagement.risk, tested there).
    n, share = elevated_share(session, system, "S1")
    assert (tiles["risk"].value, tiles["risk"].detail) == (f"{share:.0%}", f"of {n} people scored")
    # T1, T2 and T3 are due for all 19 (windows closed before AS_OF): 19 + 15 answered of 57.
    assert tiles["response_rate"].number == pytest.approx(34 / 57)
    assert set(v.captions) == {"timeline", "heatmap:burden", "heatmap:trust", "by_role", "response",
                               "completeness", "retention", "themes"}


def test_sponsor_sees_fewer_than_n(session):
    _build(session)
    sponsor = Viewer("spons", (Grant("S1", "sponsor"),))
    v = dashboard_view(session, sponsor, "S1", IndicatorFilters(as_of=AS_OF))
    c = v.heatmap[(v.heatmap["site"] == "C") & (v.heatmap["indicator"] == "burden")]
    assert c["suppressed"].all()
    assert set(c["n_label"]) <= {"<5", "hidden"}
    assert "fewer than 5" in v.csv("heatmap") or "<5" in v.csv("heatmap")
    assert not v.date_filter_allowed


def test_site_filter_changes_figures(session, system):
    _build(session)
    everyone = dashboard_view(session, system, "S1", IndicatorFilters(as_of=AS_OF))
    site_a = dashboard_view(session, system, "S1", IndicatorFilters(site="A", as_of=AS_OF))
    burden = {t.key: t.number for t in everyone.tiles}["burden"]
    burden_a = {t.key: t.number for t in site_a.tiles}["burden"]
    assert burden_a < burden
    assert set(site_a.heatmap["site"]) == {"A"}
