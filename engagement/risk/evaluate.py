"""Honest temporal evaluation: train on what was known before the cutoff, judge on what came after.

- Participants are split in two by a hash of their code: one half trains, the other half is evaluated,
  so nobody is on both sides.
- Training snapshots are dated so that their whole label horizon ends on or before the cutoff.
- Evaluation snapshots are taken weekly from the cutoff while their horizon is still inside the data.
- Baselines side by side: "missed the last survey" (its event rate in the training half, by yes/no)
  and the training prevalence for everyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.risk.definition import DEFAULT_HORIZON_DAYS, disengagement_events, expected_schedule
from engagement.risk.frames import RiskFrames, day, load_frames, to_date
from engagement.risk.model import ELEVATED, MIN_EVENTS, STEP_DAYS, TrainingSet, fit, training_set

EVAL_STEP_DAYS = 7
TOP_SHARE = 0.10
LEAKAGE_AUC = 0.95
REQUIRED_GAIN = 0.03


def evaluate(
    session: Session, study_id: str, cutoff: dt.date | str, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> dict[str, Any]:
    """The evaluation JSON for one study (see module docstring)."""
    frames = load_frames(session, study_id)
    return evaluate_frames(frames, day(cutoff), horizon_days)


def in_test_half(code: str) -> bool:
    """Stable 50/50 split by participant code (the same on every run and every machine)."""
    return int(hashlib.sha256(code.encode("utf-8")).hexdigest()[:8], 16) % 2 == 1


def check_inputs(frames: RiskFrames, cutoff: int, horizon_days: int) -> None:
    if not isinstance(horizon_days, int) or not 1 <= horizon_days <= 365:
        raise fail("R605", item="--horizon-days", value=str(horizon_days))
    if frames.participants.empty:
        raise fail("R600", f"study {frames.study_id} has no participants", item=frames.study_id)
    first, last = int(frames.participants["enrolled"].min()), frames.last_day()
    if not first + horizon_days <= cutoff <= last - horizon_days:
        raise fail(
            "R601",
            f"the cutoff must leave {horizon_days} days of data on each side: between "
            f"{to_date(first + horizon_days)} and {to_date(last - horizon_days)}",
            item="--cutoff",
            value=to_date(cutoff).isoformat(),
        )


def evaluate_frames(
    frames: RiskFrames, cutoff: int, horizon_days: int = DEFAULT_HORIZON_DAYS, min_events: int = MIN_EVENTS
) -> dict[str, Any]:
    check_inputs(frames, cutoff, horizon_days)
    codes = frames.participants.set_index("pid")["code"]
    test_pids = {int(p) for p, c in codes.items() if in_test_half(c)}
    train_pids = set(codes.index.astype(int)) - test_pids
    first = int(frames.participants["enrolled"].min())
    train = training_set(
        frames, first + STEP_DAYS, cutoff - horizon_days, horizon_days, step_days=STEP_DAYS, pids=train_pids
    )
    test = training_set(
        frames,
        cutoff,
        frames.last_day() - horizon_days,
        horizon_days,
        step_days=EVAL_STEP_DAYS,
        pids=test_pids,
    )
    for side, ts in (("training", train), ("evaluation", test)):
        if len(np.unique(ts.y)) < 2:
            raise fail(
                "R606",
                f"the {side} side has {len(ts.y)} snapshots and {ts.n_events} events",
                item="--cutoff",
                value=to_date(cutoff).isoformat(),
            )
    fitted = fit(train, min_events)
    risk = fitted.scorer.predict_risk(test.feats)
    model = metrics(test.y, risk)
    baselines = _baselines(train, test)
    gain = round(model["roc_auc"] - baselines["missed_last_survey"]["roc_auc"], 4)
    return {
        "study_id": frames.study_id,
        "cutoff": to_date(cutoff).isoformat(),
        "horizon_days": horizon_days,
        "method": fitted.card["kind"],
        "fallback": fitted.card.get("fallback"),
        "train": _side(train),
        "test": _side(test),
        "model": model,
        "baselines": baselines,
        "auc_gain_over_missed_last": gain,
        "beats_missed_last_by_required_margin": bool(gain >= REQUIRED_GAIN),
        "leakage_suspected": bool(model["roc_auc"] >= LEAKAGE_AUC),
        "lead_time": lead_time(frames, test, risk, ELEVATED),
        "validation": fitted.card.get("validation"),
    }


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    k = max(1, math.ceil(TOP_SHARE * len(y)))
    top = np.argsort(-p, kind="stable")[:k]
    slope, intercept = calibration_line(y, p)
    return {
        "roc_auc": _r(roc_auc_score(y, p)),
        "pr_auc": _r(average_precision_score(y, p)),
        "prevalence": _r(y.mean()),
        "precision_top10": _r(y[top].mean()),
        "recall_top10": _r(y[top].sum() / y.sum()),
        "brier": _r(brier_score_loss(y, p)),
        "calibration_slope": slope,
        "calibration_intercept": intercept,
    }


def calibration_line(y: np.ndarray, p: np.ndarray) -> tuple[float | None, float | None]:
    """Cox calibration: logistic regression of the outcome on logit(p); perfect is slope 1, intercept 0."""
    logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    if np.unique(logit).size < 2:
        return None, None  # a constant prediction has no slope
    lr = LogisticRegression(C=np.inf, max_iter=1000).fit(logit.reshape(-1, 1), y)
    return _r(lr.coef_[0, 0]), _r(lr.intercept_[0])


def _baselines(train: TrainingSet, test: TrainingSet) -> dict[str, dict[str, float]]:
    missed_tr = train.feats["missed_last"].to_numpy() >= 1
    rate = {
        flag: float(train.y[missed_tr == flag].mean()) if (missed_tr == flag).any() else float(train.y.mean())
        for flag in (True, False)
    }
    missed_te = test.feats["missed_last"].to_numpy() >= 1
    p_missed = np.where(missed_te, rate[True], rate[False])
    p_prev = np.full(len(test.y), float(train.y.mean()))
    return {"missed_last_survey": metrics(test.y, p_missed), "prevalence": metrics(test.y, p_prev)}


def lead_time(frames: RiskFrames, test: TrainingSet, risk: np.ndarray, threshold: float) -> dict[str, Any]:
    """Days from a person's first flag (risk >= threshold) in the evaluation snapshots to their disengagement.

    Counted over evaluation-side people who disengage after the cutoff and by the last day of data.
    """
    events = disengagement_events(frames, expected_schedule(frames))["event_day"]
    snaps = pd.DataFrame({"pid": test.pid, "t": test.day, "flag": risk >= threshold})
    snaps["event"] = events.reindex(snaps["pid"]).to_numpy()
    had = snaps[(snaps["event"] > snaps["t"].min()) & (snaps["event"] <= frames.last_day())]
    flagged = (
        had[had["flag"] & (had["t"] < had["event"])]
        .groupby("pid")
        .agg(t=("t", "min"), event=("event", "first"))
    )
    leads = (flagged["event"] - flagged["t"]).to_numpy()
    return {
        "threshold": threshold,
        "events": int(had["pid"].nunique()),
        "flagged_before": len(leads),
        "median_days": float(np.median(leads)) if len(leads) else None,
    }


def _side(ts: TrainingSet) -> dict[str, Any]:
    return {
        "participants": int(pd.unique(ts.pid).size),
        "snapshots": len(ts.y),
        "events": ts.n_events,
        "prevalence": _r(ts.y.mean()),
        "first_snapshot": to_date(ts.day.min()).isoformat(),
        "last_snapshot": to_date(ts.day.max()).isoformat(),
    }


def _r(x: float) -> float:
    return round(float(x), 4)
