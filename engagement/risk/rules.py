"""Explainable rules: they work from day one, with no training data.

Each rule reads one feature and, when it fires, adds its weight: risk = 1 - (1 - base) * prod(1 - w).
The weights are judgement, not fitted; docs/risk.md says where they came from and when the fitted
model replaces them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engagement.risk.features import FEATURES

BASE_RISK = 0.03


@dataclass(frozen=True)
class Rule:
    id: str
    feature: str
    op: str  # ">=" or "<="
    threshold: float
    weight: float
    sentence: str  # the rule in plain words

    def fires(self, feats: pd.DataFrame) -> np.ndarray:
        return self.fires_on(feats[self.feature].to_numpy())

    def fires_on(self, values: np.ndarray) -> np.ndarray:
        compare: Callable = operator.ge if self.op == ">=" else operator.le
        return compare(values, self.threshold)  # NaN never fires


RULES: tuple[Rule, ...] = (
    Rule("missed_last", "missed_last", ">=", 1, 0.30, "missed the last due survey"),
    Rule(
        "burden_up",
        "burden_change",
        ">=",
        15,
        0.20,
        "burden rose by 15 points or more since the previous survey",
    ),
    Rule(
        "trust_down",
        "trust_change",
        "<=",
        -15,
        0.20,
        "trust fell by 15 points or more since the previous survey",
    ),
    Rule("negative_comments", "neg_last_two", ">=", 1, 0.15, "the last two comments were negative"),
    Rule("long_silence", "days_since_last", ">=", 70, 0.15, "no survey returned for 70 days or more"),
    Rule("often_late", "late_count", ">=", 2, 0.10, "returned two or more surveys late"),
    Rule(
        "engagement_down",
        "engagement_change",
        "<=",
        -15,
        0.10,
        "engagement fell by 15 points or more since the previous survey",
    ),
)
RULE_FEATURES = sorted({r.feature for r in RULES})


class RulesScorer:
    """Scores with RULES; has the same predict_risk(feats) as a fitted model so flags.py treats both alike."""

    kind = "rules"

    def __init__(self, rules: tuple[Rule, ...] = RULES, base: float = BASE_RISK):
        self.rules, self.base = rules, base

    def predict_risk(self, feats: pd.DataFrame) -> np.ndarray:
        return self.predict_array(feats[FEATURES].to_numpy(dtype="float64"))

    def predict_array(self, mat: np.ndarray) -> np.ndarray:
        """mat: one row per person, columns in FEATURES order."""
        keep = np.full(len(mat), 1 - self.base)
        for rule in self.rules:
            keep *= np.where(rule.fires_on(mat[:, FEATURES.index(rule.feature)]), 1 - rule.weight, 1.0)
        return 1 - keep

    def fired(self, feats: pd.DataFrame) -> pd.DataFrame:
        """Which rules fire for each row (columns: rule ids)."""
        return pd.DataFrame({r.id: r.fires(feats) for r in self.rules}, index=feats.index)

    def describe(self) -> list[str]:
        return [f"{r.sentence} (weight {r.weight:.2f})" for r in self.rules]
