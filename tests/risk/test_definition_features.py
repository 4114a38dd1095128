"""Events, labels and as-of features on the tiny hand-made study (tests/risk/conftest.py)."""

from __future__ import annotations

import math

from engagement.risk.definition import disengagement_events, expected_schedule, labels_at
from engagement.risk.features import FEATURES, features_as_of

from .conftest import T_TINY


def test_events_by_hand(tiny):
    ev = disengagement_events(tiny)
    # P1 misses T2 (closes 1070) and T3 (closes 1098); P4 withdraws on 1040; P5 misses T1 and T2.
    assert ev["event_day"].fillna(-1).to_dict() == {1: 1098.0, 2: -1, 3: -1, 4: 1040.0, 5: 1070.0, 6: -1}
    assert all(math.isnan(ev["event_day"][k]) for k in (2, 3, 6))
    assert ev["event_kind"].to_dict() == {
        1: "missed_two",
        2: "",
        3: "",
        4: "withdrawn",
        5: "missed_two",
        6: "",
    }


def test_timepoints_after_leaving_are_not_due(tiny):
    sched = expected_schedule(tiny)
    # P4 withdrew on day 1040: T2 (due 1056) and T3 (due 1084) are not due for them.
    assert sorted(sched.loc[sched["pid"] == 4, "tp_id"]) == [1, 2]
    assert len(sched) == 5 * 4 + 2


def test_labels_as_of(tiny):
    # (1030, 1072]: P4 withdraws on 1040 and P5's second missed window closes on 1070.
    assert labels_at(tiny, 1030, 42).to_dict() == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 0}
    assert labels_at(tiny, 1030, 30).to_dict() == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0, 6: 0}
    # At 1071 P4 has left and P5 already disengaged (1070): neither is at risk; P1 goes on 1098.
    assert labels_at(tiny, T_TINY, 42).to_dict() == {1: 1, 2: 0, 3: 0, 6: 0}


def test_features_by_hand(tiny):
    feats = features_as_of(tiny, T_TINY)
    assert list(feats.columns) == FEATURES
    assert list(feats.index) == [1, 2, 3, 5, 6]  # P4 withdrew
    p1 = feats.loc[1]
    assert p1["burden_latest"] == 60
    assert p1["burden_change"] == 20
    assert p1["trust_change"] == -20
    assert round(p1["burden_slope"], 6) == round(30 * 20 / 28, 6)  # two points 28 days apart
    assert p1["missed_count"] == 1
    assert p1["missed_streak"] == 1
    assert p1["missed_last"] == 1
    assert round(p1["completeness"], 4) == round(100 * 2 / 3, 4)
    assert p1["days_since_last"] == 41
    assert p1["latency_last"] == 2
    assert p1["neg_comments"] == 2
    assert p1["neg_last_two"] == 1
    assert p1["neg_share"] == 100
    assert math.isnan(p1["burden_stage_change"])  # both surveys in the first stage
    p3 = feats.loc[3]
    assert p3["burden_stage_change"] == -3
    assert p3["trust_stage_change"] == 2
    assert p3["latency_trend"] == 4 - (3 + 3) / 2
    p5 = feats.loc[5]
    assert (p5["missed_count"], p5["missed_streak"], p5["days_since_last"]) == (2, 2, 66)
    # Site S1 (P1, P2, P5): 9 closed timepoints, 3 missed. S2 (P3, P4, P6): 8 closed, 1 missed (P4's
    # T1 was due on 1028, before they withdrew on 1040, and its window closed on 1042 unanswered).
    assert round(feats.loc[2, "site_missed_rate"], 4) == round(100 * 3 / 9, 4)
    assert feats.loc[6, "site_missed_rate"] == 100 / 8


def test_late_submission_counts_as_late_not_on_time(tiny):
    subs = tiny.submissions
    subs.loc[len(subs)] = [99, 5, 2.0, 1050]  # P5 returns T1 eight days after its window closed
    feats = features_as_of(tiny, T_TINY)
    assert (feats.loc[5, "missed_count"], feats.loc[5, "late_count"], feats.loc[5, "days_since_last"]) == (
        2,
        1,
        21,
    )
    assert round(feats.loc[5, "completeness"], 4) == round(100 * 2 / 3, 4)
