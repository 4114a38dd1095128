"""The risk tile scores the whole study (seconds on a large one): once per data version and access."""

from __future__ import annotations

import datetime as dt

from engagement import risk
from engagement.indicators import IndicatorFilters
from engagement.indicators_dashboard import dashboard_view
from tests.indicators.ind_factory import make_study, person, submit


def test_risk_tile_scored_once_per_data_version(session, system, monkeypatch):
    b = make_study(session)
    person(session, b, "p1", "A")
    submit(session, b, "p1", "T1", {"burden": 40.0})
    calls = []
    monkeypatch.setattr(risk, "elevated_share", lambda *a: calls.append(a) or (12, 0.25))
    as_of = dt.date(2026, 12, 31)
    first = dashboard_view(session, system, "S1", IndicatorFilters(as_of=as_of))
    dashboard_view(session, system, "S1", IndicatorFilters(site="A", as_of=as_of))
    assert len(calls) == 1
    assert next(t for t in first.tiles if t.key == "risk").value == "25%"
    person(session, b, "p2", "B")  # new data: scored again
    dashboard_view(session, system, "S1", IndicatorFilters(as_of=as_of))
    assert len(calls) == 2
