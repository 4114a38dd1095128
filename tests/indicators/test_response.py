"""Response rate and completeness per timepoint, exact on a hand-built study."""

from __future__ import annotations

import datetime as dt

import pytest

from engagement.indicators import IndicatorFilters, prepare
from engagement.indicators_response import completeness, due_pairs, response_rates
from tests.indicators.ind_factory import make_study, person, submit


def test_due_response_and_completeness(session, system) -> None:
    b = make_study(session)  # T1 day 0, T2 day 30, T3 day 90; windows 14 days
    jan1 = dt.date(2026, 1, 1)
    person(session, b, "p1", "A", enrolled=jan1)
    person(session, b, "p2", "A", enrolled=jan1, status="withdrawn", status_date=dt.date(2026, 1, 20))
    person(session, b, "p3", "B", enrolled=jan1, status="completed", status_date=dt.date(2026, 1, 31))
    person(session, b, "p4", "B", enrolled=dt.date(2026, 3, 1))
    # p1 answers T1 fully (8/8) and T2 partly (5/8 = 62.5%); p3 answers T1 with 3/8 (break-off)
    submit(session, b, "p1", "T1", {("s1", "burden"): (50.0, 4, 4), ("s2", "trust"): (50.0, 4, 4)})
    submit(session, b, "p1", "T2", {("s1", "burden"): (50.0, 3, 4), ("s2", "trust"): (50.0, 2, 4)})
    submit(session, b, "p3", "T1", {("s1", "burden"): (float("nan"), 1, 4),
                                    ("s2", "trust"): (50.0, 2, 4)})
    prepared = prepare(session, system, "S1", IndicatorFilters(as_of=dt.date(2026, 3, 20)))
    due = due_pairs(prepared.frames, pd_ts("2026-03-20"))
    # As of Mar 20: T1 closes Jan 15 (due for p1 p2 p3), T2 closes Feb 14 (p1 only: p2 withdrew Jan 20,
    # before the Jan 31 due date; p3 completed on the due date Jan 31, so it left first), T3 not closed.
    # p4 enrolled Mar 1: T1 closes Mar 15 -> due.
    assert sorted(zip(due["participant_id"].map({v: k for k, v in b.people.items()}),
                      due["timepoint"], strict=True)) == [
        ("p1", "T1"), ("p1", "T2"), ("p2", "T1"), ("p3", "T1"), ("p4", "T1")]
    rates = response_rates(due, ["timepoint"]).set_index("timepoint")
    assert rates.loc["T1", "rate"] == pytest.approx(2 / 4)
    assert rates.loc["T2", "rate"] == pytest.approx(1 / 1)
    comp = completeness(prepared.frames.submissions, ["timepoint"]).set_index("timepoint")
    assert comp.loc["T1", ["complete", "partial", "break_off"]].tolist() == [1, 0, 1]
    assert comp.loc["T2", ["complete", "partial", "break_off"]].tolist() == [0, 1, 0]


def pd_ts(s: str):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.Timestamp(s)
