"""Fit, calibrate and choose a disengagement model; save it with skops and a model card.

Two candidates, each calibrated with a sigmoid (Platt) fit on cross-validated predictions: a logistic
regression and a histogram gradient-boosting classifier. The one with the better ROC-AUC on the latest
30% of snapshot dates (temporal validation: fit on earlier dates, judge on later ones) is refitted on
everything. With fewer than MIN_EVENTS disengagement events the rules are used instead, and the card says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select
from sqlalchemy.orm import Session
from threadpoolctl import ThreadpoolController

from engagement import audit
from engagement.errors import fail
from engagement.models import RiskModel
from engagement.permissions import Action, Viewer
from engagement.risk.definition import (
    DEFAULT_HORIZON_DAYS,
    disengagement_events,
    expected_schedule,
    labels_at,
)
from engagement.risk.features import FEATURES, features_as_of
from engagement.risk.frames import RiskFrames, dates_between, day, load_frames, to_date
from engagement.risk.rules import RulesScorer

MIN_EVENTS = 30
ELEVATED, HIGH = 0.20, 0.40  # band edges on the calibrated risk over the horizon
STEP_DAYS = 14
MISSING_SENTINEL = -1e6
VALIDATION_SHARE = 0.3
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.")


def one_thread():  # type: ignore[no-untyped-def]
    """HistGradientBoosting's OpenMP threads spin-wait: on a busy 2-core host one fit took 30 s with two
    threads and 1.4 s with one. Our data is small, so one thread is both faster and predictable."""
    return _controller().limit(limits=1, user_api="openmp")


@cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspecting the loaded libraries once, not on every prediction


@dataclass
class TrainingSet:
    feats: pd.DataFrame
    y: np.ndarray
    day: np.ndarray
    pid: np.ndarray

    @property
    def n_events(self) -> int:
        """Distinct participants whose disengagement falls inside some snapshot's horizon."""
        return int(pd.unique(self.pid[self.y == 1]).size)


def training_set(
    frames: RiskFrames,
    first_day: int,
    last_day: int,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    *,
    step_days: int = STEP_DAYS,
    pids: set[int] | None = None,
) -> TrainingSet:
    """Snapshots at first_day, first_day + step, ... up to last_day: features at t, label over (t, t+h]."""
    sched = expected_schedule(frames)
    events = disengagement_events(frames, sched)
    parts = []
    for t in dates_between(first_day, last_day, step_days):
        y = labels_at(frames, int(t), horizon_days, events)
        if pids is not None:
            y = y[y.index.isin(pids)]
        if y.empty:
            continue
        feats = features_as_of(frames, int(t), sched).loc[y.index]
        parts.append((feats, y.to_numpy(), np.full(len(y), t), y.index.to_numpy()))
    if not parts:
        return TrainingSet(
            pd.DataFrame(columns=FEATURES, dtype="float64"),
            np.array([], dtype="int64"),
            np.array([], dtype="int64"),
            np.array([], dtype="int64"),
        )
    return TrainingSet(
        pd.concat([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )


def candidates() -> dict[str, Any]:
    # Strong L2 (C=0.02): a study has tens of events against 28 correlated features. On the demo study
    # C=0.02 beat C=0.1 and C=0.5 in PR-AUC and Brier at three cutoffs (docs/risk.md).
    logistic = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=0.02, max_iter=2000),
    )
    # Missing values become a far-out sentinel the trees can split off, as HistGradientBoosting does
    # with NaN itself; but its binning fails on a column that is all NaN in one calibration fold
    # (e.g. engagement scores, which only advocates give).
    boosting = make_pipeline(
        SimpleImputer(strategy="constant", fill_value=MISSING_SENTINEL, keep_empty_features=True),
        HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=0,
        ),
    )
    return {"logistic": logistic, "hist_gradient_boosting": boosting}


def calibrated(estimator: Any) -> CalibratedClassifierCV:
    # ensemble=False: one refit base model plus one sigmoid, so scoring costs one prediction, not three.
    return CalibratedClassifierCV(estimator, method="sigmoid", cv=3, ensemble=False)


class ModelScorer:
    """A fitted, calibrated estimator with the same predict_risk(feats) as RulesScorer."""

    def __init__(self, kind: str, estimator: Any):
        self.kind, self.estimator = kind, estimator

    def predict_risk(self, feats: pd.DataFrame) -> np.ndarray:
        return self.predict_array(feats[FEATURES].to_numpy(dtype="float64"))

    def predict_array(self, mat: np.ndarray) -> np.ndarray:
        """mat: one row per person, columns in FEATURES order."""
        with one_thread():
            return self.estimator.predict_proba(mat)[:, 1]


@dataclass
class Fitted:
    scorer: ModelScorer | RulesScorer
    card: dict[str, Any] = field(default_factory=dict)


def fit(ts: TrainingSet, min_events: int = MIN_EVENTS, only: str = "auto") -> Fitted:
    """Choose by temporal validation and refit; fall back to the rules with too few events.

    only: "auto", or one candidate's name (or "rules") to skip the choice (benchmarks, comparisons).
    """
    card = _data_card(ts)
    if only == "rules":
        card.update(kind="rules", fallback="rules requested")
        return Fitted(RulesScorer(), card)
    if ts.n_events < min_events:
        card.update(
            kind="rules",
            fallback=(
                f"only {ts.n_events} disengagement events in the training window (fewer than {min_events}): "
                "using the explainable rules instead of a fitted model"
            ),
        )
        return Fitted(RulesScorer(), card)
    with one_thread():
        validation = _temporal_validation(ts, only)
        best = max(validation, key=lambda k: (validation[k]["roc_auc"], -validation[k]["brier"]))
        estimator = calibrated(candidates()[best]).fit(ts.feats[FEATURES].to_numpy(dtype="float64"), ts.y)
    card.update(kind=best, fallback=None, validation=validation, selected_by="temporal validation ROC-AUC")
    return Fitted(ModelScorer(best, estimator), card)


def _temporal_validation(ts: TrainingSet, only: str = "auto") -> dict[str, dict[str, float]]:
    dates = np.unique(ts.day)
    cut = dates[int(np.floor(len(dates) * (1 - VALIDATION_SHARE)))] if len(dates) > 1 else dates[-1] + 1
    early, late = ts.day < cut, ts.day >= cut
    feats = ts.feats[FEATURES].to_numpy(dtype="float64")
    out: dict[str, dict[str, float]] = {}
    for kind, est in candidates().items():
        if only not in ("auto", kind):
            continue
        if len(np.unique(ts.y[early])) < 2 or len(np.unique(ts.y[late])) < 2:
            out[kind] = {"roc_auc": float("nan") if kind != "logistic" else 0.0, "brier": 1.0}
            continue
        p = calibrated(est).fit(feats[early], ts.y[early]).predict_proba(feats[late])[:, 1]
        out[kind] = {
            "roc_auc": round(float(roc_auc_score(ts.y[late], p)), 4),
            "brier": round(float(brier_score_loss(ts.y[late], p)), 4),
            "validation_from": to_date(cut).isoformat(),
        }
    # NaN never wins max(); a failed split leaves logistic as the default choice.
    kept = {k: v for k, v in out.items() if not np.isnan(v["roc_auc"])}
    return kept or {"logistic" if only == "auto" else only: {"roc_auc": 0.0, "brier": 1.0}}


def _data_card(ts: TrainingSet) -> dict[str, Any]:
    window = (
        {
            "first_snapshot": to_date(ts.day.min()).isoformat(),
            "last_snapshot": to_date(ts.day.max()).isoformat(),
        }
        if len(ts.day)
        else {}
    )
    return {
        "data_window": window,
        "features": FEATURES,
        "n_rows": len(ts.y),
        "n_participants": int(pd.unique(ts.pid).size),
        "n_events": ts.n_events,
        "prevalence": round(float(ts.y.mean()), 4) if len(ts.y) else None,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
    }


# ---------------------------------------------------------------------------------- skops storage


def dumps(scorer: ModelScorer | RulesScorer) -> bytes | None:
    if isinstance(scorer, RulesScorer):
        return None  # the rules are code, versioned with the project
    import skops.io as sio

    return sio.dumps(scorer.estimator)


def loads(kind: str, blob: bytes | None, where: str = "risk_models") -> ModelScorer | RulesScorer:
    """Load with skops, trusting only scikit-learn, NumPy and SciPy types (never pickle)."""
    if kind == "rules" or blob is None:
        return RulesScorer()
    import zipfile

    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=blob)
        unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unexpected:
            raise fail("R602", f"types outside scikit-learn/NumPy/SciPy: {', '.join(unexpected)}", item=where)
        return ModelScorer(kind, sio.loads(blob, trusted=untrusted))
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as exc:  # corrupt or foreign
        raise fail("R602", str(exc)[:200], item=where) from exc


# ---------------------------------------------------------------------------------------- services


def train(
    session: Session,
    viewer: Viewer,
    study_id: str,
    as_of: dt.date | str | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RiskModel:
    """Train on what was known at as_of (default: the last day of data), save the model and its card."""
    viewer.require(Action.view_participants, study_id)  # study-wide: training reads every site
    frames = load_frames(session, study_id)
    t = frames.last_day() if as_of is None else day(as_of)
    return train_frames(session, viewer.username, frames, t, horizon_days)


def train_frames(
    session: Session, actor: str, frames: RiskFrames, t: int, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> RiskModel:
    """Train on one study and store; the caller has checked permissions."""
    if frames.participants.empty:
        raise fail("R600", f"study {frames.study_id} has no participants", item=frames.study_id)
    first = int(frames.participants["enrolled"].min())
    fitted = fit(training_set(frames, first + STEP_DAYS, t - horizon_days, horizon_days))
    return _store(session, actor, fitted, frames.study_id, t=t, horizon_days=horizon_days)


def train_across(
    session: Session,
    viewer: Viewer,
    study_ids: list[str],
    as_of: dt.date | str | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> RiskModel:
    """Train one model on several studies' history (stored with study_id NULL).

    Any study whose own model is missing or only the rules is then scored with it (see latest_model).
    """
    for study_id in study_ids:
        viewer.require(Action.view_participants, study_id)
    all_frames = [f for f in (load_frames(session, s) for s in study_ids) if not f.participants.empty]
    if not all_frames:
        raise fail("R600", f"no participants in {', '.join(study_ids)}", item=", ".join(study_ids))
    t = max(f.last_day() for f in all_frames) if as_of is None else day(as_of)
    sets = [
        training_set(f, int(f.participants["enrolled"].min()) + STEP_DAYS, t - horizon_days, horizon_days)
        for f in all_frames
    ]
    pooled = TrainingSet(
        pd.concat([s.feats for s in sets]),
        np.concatenate([s.y for s in sets]),
        np.concatenate([s.day for s in sets]),
        np.concatenate([s.pid for s in sets]),  # database ids: unique across studies
    )
    return _store(
        session, viewer.username, fit(pooled), None, t=t, horizon_days=horizon_days, studies=sorted(study_ids)
    )


def _store(
    session: Session,
    actor: str,
    fitted: Fitted,
    study_id: str | None,
    *,
    t: int,
    horizon_days: int,
    **extra: Any,
) -> RiskModel:
    card = {
        **fitted.card,
        **extra,
        "study_id": study_id,
        "as_of": to_date(t).isoformat(),
        "horizon_days": horizon_days,
        "label": "withdrawn, lost to follow-up, or two due surveys missed in a row, within the horizon",
        "bands": {"elevated": ELEVATED, "high": HIGH},
        "format": "skops" if fitted.scorer.kind != "rules" else "rules (no stored estimator)",
    }
    row = RiskModel(study_id=study_id, as_of=to_date(t), kind=card["kind"], card=card, blob=dumps(fitted.scorer))
    session.add(row)
    session.flush()
    summary = {
        "study_id": study_id,
        "as_of": card["as_of"],
        "kind": card["kind"],
        "n_events": card["n_events"],
    }
    if extra.get("studies"):
        summary["studies"] = extra["studies"]
    audit.record(session, actor, "risk.train", "risk_model", row.id, None, summary, reason=card.get("fallback"))
    return row


def latest_model(session: Session, study_id: str, t: int) -> RiskModel | None:
    """The model to score a study with as of t: trained as of t or earlier (a later one saw the future).

    The study's own newest model, unless it is only the rules and a cross-study fitted model exists.
    """
    own = _newest(session, RiskModel.study_id == study_id, t)
    if own is not None and own.kind != "rules":
        return own
    pooled = _newest(session, RiskModel.study_id.is_(None), t)
    return pooled if pooled is not None and pooled.kind != "rules" else own


def _newest(session: Session, which: Any, t: int) -> RiskModel | None:
    return session.scalars(
        select(RiskModel)
        .where(which, RiskModel.as_of <= to_date(t))
        .order_by(RiskModel.as_of.desc(), RiskModel.id.desc())
        .limit(1)
    ).first()
