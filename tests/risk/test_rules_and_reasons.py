"""Rules and per-person explanations with exact expectations (tiny study, tests/risk/conftest.py)."""

from __future__ import annotations

import numpy as np

from engagement.risk.features import features_as_of
from engagement.risk.flags import band, reason, score_frames
from engagement.risk.rules import RulesScorer

from .conftest import T_TINY

P1_REASONS = (
    "missed the last due survey (most people returned it): raises risk; "
    "change in burden since the previous survey: 20 points (higher than the typical 0 points): "
    "raises risk; "
    "change in trust since the previous survey: -20 points (lower than the typical -2 points): "
    "raises risk"
)


def test_rule_risk_by_hand(tiny):
    feats = features_as_of(tiny, T_TINY)
    risk = RulesScorer().predict_risk(feats)
    # P1: base 0.03, missed last 0.30, burden +20 (0.20), trust -20 (0.20), two negative comments (0.15).
    p1 = 1 - 0.97 * 0.70 * 0.80 * 0.80 * 0.85
    p5 = 1 - 0.97 * 0.70  # missed the last survey only (66 days of silence is under the 70-day rule)
    assert np.allclose(risk, [p1, 0.03, 0.03, p5, 0.03])
    fired = RulesScorer().fired(feats)
    assert sorted(fired.columns[fired.loc[1]]) == [
        "burden_up",
        "missed_last",
        "negative_comments",
        "trust_down",
    ]


def test_per_person_explanations(tiny):
    flags = score_frames(tiny, RulesScorer(), T_TINY)
    assert list(flags["participant_id"]) == ["P1", "P5", "P2", "P3", "P6"]
    assert list(flags["risk"]) == [0.6306, 0.321, 0.03, 0.03, 0.03]
    assert list(flags["band"]) == ["high", "elevated", "low", "low", "low"]
    # Top three by effect: removing "missed last" lowers P1's risk by 0.1583, the burden and trust
    # changes by 0.0923 each (ties keep feature order), the comments by 0.0652 (fourth, left out).
    assert flags.loc[0, "reasons"] == P1_REASONS
    assert flags.loc[1, "reasons"] == "missed the last due survey (most people returned it): raises risk"
    assert list(flags.loc[2:, "reasons"]) == ["low risk"] * 3  # only elevated and high are explained
    assert list(flags["already_disengaged"]) == [False, True, False, False, False]


def test_reason_wording():
    assert reason("days_since_last", 85.0, 36.0, 0.1) == (
        "days since the last survey: 85 days (higher than the typical 36 days): raises risk"
    )
    assert reason("completeness", 50.0, 100.0, 0.05) == (
        "share of due surveys returned: 50% (lower than the typical 100%): raises risk"
    )
    assert reason("trust_latest", float("nan"), 70.0, 0.02) == (
        "latest trust score: not known yet (typical 70 of 100): raises risk"
    )
    assert reason("neg_last_two", 0.0, 0.0, -0.01) == (
        "the last two comments were not both negative (most people's were not): lowers risk"
    )


def test_bands():
    assert list(band(np.array([0.0, 0.1999, 0.2, 0.3999, 0.4, 1.0]))) == [
        "low",
        "low",
        "elevated",
        "elevated",
        "high",
        "high",
    ]


def test_one_sentence_per_signal():
    from engagement.risk.flags import EXPLAINED, _one_per_signal

    effects = np.zeros((2, len(EXPLAINED)))
    last, streak = EXPLAINED.index("missed_last"), EXPLAINED.index("missed_streak")
    effects[0, [last, streak]] = [0.10, 0.05]
    effects[1, [last, streak]] = [0.02, 0.08]
    _one_per_signal(effects)
    assert effects[:, [last, streak]].tolist() == [[0.10, 0.0], [0.0, 0.08]]
