"""Kaplan-Meier against lifelines, and disengagement times from statuses and missed timepoints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from engagement.retention import curves, disengagement_times, kaplan_meier, survival_at


def _lifelines(durations, events) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    kmf = KaplanMeierFitter().fit(durations, events)
    ci = kmf.confidence_interval_survival_function_
    return pd.DataFrame({"time": kmf.survival_function_.index.to_numpy(),
                         "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                         "ci_low": ci.iloc[:, 0].to_numpy(), "ci_high": ci.iloc[:, 1].to_numpy(),
                         "at_risk": kmf.event_table["at_risk"].to_numpy()})


def test_matches_lifelines_on_a_worked_example() -> None:
    durations = np.array([5, 8, 8, 12, 15, 15, 15, 20, 30, 30])
    events = np.array([1, 1, 0, 1, 1, 0, 1, 0, 1, 0], dtype=bool)
    ours = kaplan_meier(durations, events)
    ref = _lifelines(durations, events)
    np.testing.assert_allclose(ours["time"], ref["time"])
    np.testing.assert_allclose(ours["survival"], ref["survival"])
    np.testing.assert_allclose(ours["ci_low"], ref["ci_low"])
    np.testing.assert_allclose(ours["ci_high"], ref["ci_high"])
    np.testing.assert_array_equal(ours["at_risk"], ref["at_risk"])
    # by hand: 9/10 at 5, x 8/9 at 8 (one censored), x 6/7 at 12, x 4/6 at 15 (two events of 6)
    assert survival_at(ours, 15) == pytest.approx(0.9 * 8 / 9 * 6 / 7 * 4 / 6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.booleans()), min_size=1, max_size=40))
def test_matches_lifelines_on_random_data(rows) -> None:  # type: ignore[no-untyped-def]
    durations = np.array([d for d, _ in rows], dtype=float)
    events = np.array([e for _, e in rows], dtype=bool)
    ours, ref = kaplan_meier(durations, events), _lifelines(durations, events)
    np.testing.assert_allclose(ours["survival"], ref["survival"], atol=1e-12)
    np.testing.assert_allclose(ours["ci_low"], ref["ci_low"], atol=1e-9)
    np.testing.assert_allclose(ours["ci_high"], ref["ci_high"], atol=1e-9)


def _people() -> pd.DataFrame:
    d = pd.Timestamp
    return pd.DataFrame({
        "participant_id": [1, 2, 3, 4, 5],
        "enrolled_on": [d("2026-01-01")] * 5,
        "status": ["withdrawn", "active", "active", "completed", "lost_to_follow_up"],
        "status_date": [d("2026-02-10"), d("2026-01-01"), d("2026-01-01"), d("2026-05-01"),
                        d("2026-12-01")],
    })


def _due() -> pd.DataFrame:
    d = pd.Timestamp
    rows = []
    # person 2 misses T2 (closes Mar 1) and T3 (closes Apr 15): disengaged on Apr 15, day 104.
    # person 3 misses T1 and T3, not in a row: never disengaged.
    for pid, answered in ((2, [True, False, False]), (3, [False, True, False]), (4, [True] * 3),
                          (5, [True, True, True])):
        for i, (day, close) in enumerate(((0, "2026-01-15"), (45, "2026-03-01"), (90, "2026-04-15"))):
            rows.append({"participant_id": pid, "due_day": day, "close": d(close),
                         "on_time": answered[i]})
    return pd.DataFrame(rows)


def test_disengagement_times_follow_the_definition() -> None:
    t = disengagement_times(_people(), _due(), pd.Timestamp("2026-07-01")).set_index("participant_id")
    assert t.loc[1].tolist() == [40, True]    # withdrawn on Feb 10
    assert t.loc[2].tolist() == [104, True]   # second miss in a row known on Apr 15
    assert t.loc[3].tolist() == [181, False]  # censored at the as-of date, Jul 1
    assert t.loc[4].tolist() == [120, False]  # completed on May 1: censored then
    assert t.loc[5].tolist() == [181, False]  # lost to follow-up after the as-of date: not yet known


def test_small_groups_and_thin_tails_are_cut() -> None:
    times = pd.DataFrame({"participant_id": range(8), "duration": [10, 20, 30, 40, 50, 60, 70, 80],
                          "event": [True] * 8})
    groups = pd.Series(["a"] * 6 + ["b"] * 2, index=times.index)
    out = curves(times, groups, min_at_risk=5)
    assert set(out["group"]) == {"a"}
    assert out["at_risk"].min() >= 5
