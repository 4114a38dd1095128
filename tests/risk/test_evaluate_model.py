"""Evaluation metrics by hand, the honest split, skops storage and the model card."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio

from engagement.errors import EngagementError
from engagement.risk.evaluate import calibration_line, evaluate_frames, in_test_half, metrics
from engagement.risk.model import FEATURES, dumps, fit, loads, training_set

from .conftest import T_TINY


def test_metrics_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    m = metrics(y, p)
    # Pairs (pos, neg): (0.35, 0.1) yes, (0.35, 0.4) no, (0.8, *) yes twice -> 3 of 4.
    assert m["roc_auc"] == 0.75
    assert m["prevalence"] == 0.5
    # Top 10% of 4 rows is one row (p = 0.8, a positive): precision 1, recall 1 of 2.
    assert (m["precision_top10"], m["recall_top10"]) == (1.0, 0.5)
    assert m["brier"] == round((0.01 + 0.16 + 0.4225 + 0.04) / 4, 4)
    # Average precision: ranks 0.8 (pos), 0.4 (neg), 0.35 (pos) -> (1/1 + 2/3) / 2.
    assert m["pr_auc"] == round((1 + 2 / 3) / 2, 4)


def test_calibration_line_recovers_a_perfect_model():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, 20000)
    y = (rng.random(20000) < p).astype(int)
    slope, intercept = calibration_line(y, p)
    assert abs(slope - 1) < 0.05
    assert abs(intercept) < 0.05
    assert calibration_line(y, np.full(20000, 0.3)) == (None, None)


def test_split_is_stable_and_disjoint(sim_frames):
    codes = list(sim_frames.participants["code"])
    halves = [in_test_half(c) for c in codes]
    assert halves == [in_test_half(c) for c in codes]
    assert in_test_half("P000001") is False
    assert in_test_half("P000002") is True
    assert 0.4 < np.mean(halves) < 0.6


def test_evaluation_is_temporal_and_honest(sim_frames):
    cutoff = sim_frames.last_day() - 180
    result = evaluate_frames(sim_frames, cutoff, 42)
    assert result["train"]["last_snapshot"] <= result["cutoff"]
    assert result["test"]["first_snapshot"] == result["cutoff"]
    assert result["train"]["participants"] + result["test"]["participants"] <= len(sim_frames.participants)
    assert set(result["baselines"]) == {"missed_last_survey", "prevalence"}
    assert result["baselines"]["prevalence"]["roc_auc"] == 0.5
    assert result["model"]["prevalence"] == result["baselines"]["prevalence"]["pr_auc"]
    assert result["auc_gain_over_missed_last"] == round(
        result["model"]["roc_auc"] - result["baselines"]["missed_last_survey"]["roc_auc"], 4
    )
    assert result["lead_time"]["events"] >= result["lead_time"]["flagged_before"]


def test_evaluation_refuses_bad_arguments(tiny):
    for cutoff, horizon, code in ((T_TINY, 42, "R601"), (1050, 0, "R605"), (990, 42, "R601")):
        with pytest.raises(EngagementError) as exc:
            evaluate_frames(tiny, cutoff, horizon)
        assert exc.value.code == code


def test_fit_falls_back_below_thirty_events(tiny):
    fitted = fit(training_set(tiny, 1014, T_TINY - 42, 42))
    assert fitted.scorer.kind == "rules"
    assert fitted.card["kind"] == "rules"
    assert fitted.card["n_events"] == 2
    assert fitted.card["fallback"].startswith("only 2 disengagement events")
    assert dumps(fitted.scorer) is None


def test_skops_round_trip_and_card(sim_frames):
    ts = training_set(
        sim_frames, int(sim_frames.participants["enrolled"].min()) + 14, sim_frames.last_day() - 42, 42
    )
    fitted = fit(ts)
    assert fitted.card["kind"] in {"logistic", "hist_gradient_boosting"}
    assert fitted.card["features"] == FEATURES
    assert fitted.card["n_events"] >= 30
    assert set(fitted.card["validation"]) == {"logistic", "hist_gradient_boosting"}
    blob = dumps(fitted.scorer)
    assert blob[:2] == b"PK"  # a skops zip archive, not a pickle
    again = loads(fitted.card["kind"], blob)
    assert np.array_equal(
        again.predict_risk(ts.feats.head(50)), fitted.scorer.predict_risk(ts.feats.head(50))
    )


class Untrusted:
    pass


def test_untrusted_or_corrupt_blobs_are_refused():
    for blob in (b"not a model", sio.dumps({"x": Untrusted()})):
        with pytest.raises(EngagementError) as exc:
            loads("logistic", blob)
        assert exc.value.code == "R602"
