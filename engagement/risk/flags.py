"""Score participants as of a date, band the risk, and say why in plain words.

Reasons come from one model-agnostic method, so rules and fitted models are explained alike: for each
feature, the risk is recomputed with the person's value replaced by the cohort's typical value (median of
everyone scored at the same date). The features whose replacement lowers the risk most are the ones
pushing it up; the top three are reported with the person's value, the typical value and the direction.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engagement.csv_safe import safe_cell
from engagement.errors import fail
from engagement.permissions import Action, Viewer
from engagement.risk.definition import disengagement_events, expected_schedule
from engagement.risk.features import FEATURE_TEXT, FEATURES, PERCENT_FEATURES, features_as_of
from engagement.risk.frames import RiskFrames, day, load_frames, to_date
from engagement.risk.model import ELEVATED, HIGH, ModelScorer, latest_model, loads, train_frames
from engagement.risk.rules import RulesScorer
from engagement.suppression import min_cell_size

N_REASONS = 3
MAX_CANDIDATES = 8  # features tried per person: the ones furthest from the cohort's typical value
MIN_EFFECT = 0.005  # a factor moving risk by less than half a point is not worth a sentence
# Not offered as reasons: nobody can act on them, and they only shift a baseline.
NOT_REASONS = {"role_patient", "role_caregiver", "role_advocate", "stage_order"}
EXPLAINED = [f for f in FEATURES if f not in NOT_REASONS]
# feature -> (person yes, person no, typical yes, typical no)
BINARY_TEXT = {
    "missed_last": (
        "missed the last due survey",
        "returned the last due survey",
        "most people missed it",
        "most people returned it",
    ),
    "neg_last_two": (
        "the last two comments were negative",
        "the last two comments were not both negative",
        "most people's were",
        "most people's were not",
    ),
}
LOW_REASON = "low risk"
# Pairs that tell a manager the same thing; one sentence is enough.
SAME_SIGNAL = (("missed_last", "missed_streak"), ("missed_count", "completeness"))
FLAG_COLUMNS = ["participant_id", "site_id", "risk", "band", "reasons"]


def band(risk: np.ndarray) -> np.ndarray:
    return np.where(risk >= HIGH, "high", np.where(risk >= ELEVATED, "elevated", "low"))


def score_frames(
    frames: RiskFrames, scorer: ModelScorer | RulesScorer, t: int, sched: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Everyone active at t: participant_id, site_id, risk, band, reasons, plus pid and helper columns."""
    sched = expected_schedule(frames) if sched is None else sched
    feats = features_as_of(frames, t, sched)
    risk = scorer.predict_risk(feats) if len(feats) else np.array([])
    p = frames.participants.set_index("pid").loc[feats.index]
    events = disengagement_events(frames, sched).loc[feats.index]
    out = pd.DataFrame(
        {
            "pid": feats.index.to_numpy(),
            "participant_id": p["code"].to_numpy(),
            "site_id": p["site"].to_numpy(),
            "site_pk": p["site_id"].to_numpy(),
            "risk": np.round(risk, 4),
            "band": band(risk),
            "reasons": explain(scorer, feats, risk),
            "already_disengaged": (events["event_day"] <= t).to_numpy(),
            "missed_count": feats["missed_count"].to_numpy(),
            "stage_order": feats["stage_order"].to_numpy(),
        }
    )
    return out.sort_values(["risk", "participant_id"], ascending=[False, True]).reset_index(drop=True)


def explain(scorer: ModelScorer | RulesScorer, feats: pd.DataFrame, risk: np.ndarray) -> list[str]:
    """Top reasons per row, joined with '; ' (see the module docstring for the method).

    Only elevated and high risks are explained: those are the people a manager calls, and it keeps
    scoring 100,000 people with gradient boosting inside seconds. The typical values still come from
    everyone scored.
    """
    out = np.full(len(feats), LOW_REASON, dtype=object)
    flagged = risk >= ELEVATED
    if flagged.any():
        spread = {f: float(v) if np.isfinite(v) else 0.0 for f, v in feats[EXPLAINED].std().items()}
        out[flagged] = _explain(
            scorer, feats[FEATURES].to_numpy(dtype="float64")[flagged], risk[flagged], cohort_typical(feats), spread
        )
    return list(out)


def _explain(
    scorer: ModelScorer | RulesScorer,
    mat: np.ndarray,
    risk: np.ndarray,
    typical_s: pd.Series,
    spread: dict[str, float],
) -> list[str]:
    typical = {f: float(typical_s[f]) for f in FEATURES}
    effects = np.zeros((len(mat), len(EXPLAINED)))
    candidate = _candidates(mat, typical, spread)
    for j, feature in enumerate(EXPLAINED):
        col, tv = FEATURES.index(feature), typical[feature]
        differs = candidate[:, j]
        if differs.any():
            swapped = mat[differs]
            swapped[:, col] = tv
            effects[differs, j] = risk[differs] - scorer.predict_array(swapped)
    _one_per_signal(effects)
    top = np.argsort(-effects, axis=1, kind="stable")[:, :N_REASONS]
    top_effect = np.take_along_axis(effects, top, axis=1)
    texts = np.full(top.shape, "", dtype=object)
    for j, feature in enumerate(EXPLAINED):
        rows, slots = np.nonzero((top == j) & (top_effect >= MIN_EFFECT))
        if len(rows):
            values = mat[rows, FEATURES.index(feature)]
            texts[rows, slots] = [_reason_cached(feature, _key(feature, v), typical[feature]) for v in values]
    return ["; ".join(t for t in row if t) or "no single factor stands out" for row in texts]


def _candidates(mat: np.ndarray, typical: dict[str, float], spread: dict[str, float]) -> np.ndarray:
    """Per row, the MAX_CANDIDATES features furthest from typical (in cohort standard deviations).

    Only those are tried: a value near the cohort's typical one cannot move the risk much, and trying
    every feature for every flagged person is what makes gradient boosting slow to explain.
    """
    dev = np.zeros((len(mat), len(EXPLAINED)))
    for j, feature in enumerate(EXPLAINED):
        v, tv = mat[:, FEATURES.index(feature)], typical[feature]
        sd = spread[feature] if spread[feature] > 0 else 1.0
        with np.errstate(invalid="ignore"):
            d = np.abs(v - tv) / sd
        dev[:, j] = np.where(np.isnan(v) & np.isnan(tv), 0.0, np.where(np.isnan(d), 1.0, d))
    k = min(MAX_CANDIDATES, len(EXPLAINED))
    keep = np.zeros(dev.shape, dtype=bool)
    np.put_along_axis(keep, np.argpartition(-dev, k - 1, axis=1)[:, :k], True, axis=1)
    return keep & (dev > 0)


def _one_per_signal(effects: np.ndarray) -> None:
    """Of two features saying the same thing, keep only the stronger as a reason (in place)."""
    for a, b in SAME_SIGNAL:
        ia, ib = EXPLAINED.index(a), EXPLAINED.index(b)
        a_wins = effects[:, ia] >= effects[:, ib]
        effects[a_wins, ib] = 0.0
        effects[~a_wins, ia] = 0.0


def _key(feature: str, v: float) -> float:
    """Rounded as it will be printed, so values that print alike share one cached sentence."""
    return v if math.isnan(v) else round(float(v), FEATURE_TEXT[feature].decimals)


@lru_cache(maxsize=65536)
def _reason_cached(feature: str, value: float, typical: float) -> str:
    return reason(feature, value, typical, 1.0)


def cohort_typical(feats: pd.DataFrame) -> pd.Series:
    """The median, except for yes/no features, where it is the more common answer (no 0.5 ties)."""
    typical = feats.median()
    for feature in BINARY_TEXT:
        typical[feature] = float(feats[feature].mean() > 0.5)
    return typical


def reason(feature: str, value: float, typical: float, effect: float) -> str:
    """One factor in plain words: what it is, the person's value, the typical value, the direction."""
    direction = "raises risk" if effect > 0 else "lowers risk"
    if feature in BINARY_TEXT:
        yes, no, typical_yes, typical_no = BINARY_TEXT[feature]
        said = yes if value >= 1 else no
        return f"{said} ({typical_yes if typical >= 1 else typical_no}): {direction}"
    text = FEATURE_TEXT[feature]
    if _missing(value):
        return f"{text.label}: not known yet (typical {_fmt(feature, typical)}): {direction}"
    compare = "higher than" if _missing(typical) or value > typical else "lower than"
    return f"{text.label}: {_fmt(feature, value)} ({compare} the typical {_fmt(feature, typical)}): {direction}"


def _missing(v: float) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _fmt(feature: str, v: float) -> str:
    if _missing(v):
        return "none"
    text = FEATURE_TEXT[feature]
    shown = f"{v:.{text.decimals}f}" if text.decimals else f"{round(v):d}"
    if feature in PERCENT_FEATURES:
        return f"{shown}%"
    return f"{shown}{text.unit}"


def flags_csv(flags: pd.DataFrame) -> str:
    """flags.csv content: participant_id, site_id, risk (0-1), band, reasons; formula-safe cells."""
    out = flags[FLAG_COLUMNS].copy()
    for col in ("participant_id", "site_id", "reasons"):
        out[col] = out[col].map(safe_cell)
    return out.to_csv(index=False, lineterminator="\n")


def write_flags_csv(flags: pd.DataFrame, path: Path | str) -> Path:
    path = Path(path)
    path.write_text(flags_csv(flags), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------- services


def scorer_for(
    session: Session, actor: str, frames: RiskFrames, t: int, *, train_if_missing: bool = True
) -> tuple[ModelScorer | RulesScorer, dict[str, Any]]:
    """The study's saved model as of t; else train one now (or, read-only, use the rules)."""
    row = latest_model(session, frames.study_id, t)
    if row is None and train_if_missing:
        row = train_frames(session, actor, frames, t)
    if row is None:
        return RulesScorer(), {
            "method": "rules",
            "model_id": None,
            "fallback": "no model trained for this study yet: using the rules",
        }
    return loads(row.kind, row.blob, f"risk_models.id={row.id}"), {
        "method": row.kind,
        "model_id": row.id,
        "model_as_of": row.as_of.isoformat(),
        "fallback": (row.card or {}).get("fallback"),
    }


def score(
    session: Session, viewer: Viewer, study_id: str, as_of: dt.date | str, *, train_if_missing: bool = True
) -> pd.DataFrame:
    """Risk for every active participant the viewer may see, highest first.

    Columns participant_id (code), site_id (site code), risk, band, reasons, and helpers; df.attrs says
    which method scored it (a saved model, one trained now, or the rules) and why.
    """
    scope = viewer.require_any_site(Action.view_participants, study_id)
    frames = load_frames(session, study_id)
    if frames.participants.empty:
        raise fail("R600", f"study {study_id} has no participants", item=study_id)
    t = day(as_of)
    scorer, info = scorer_for(session, viewer.username, frames, t, train_if_missing=train_if_missing)
    flags = score_frames(frames, scorer, t)
    if scope is not None:
        flags = flags[flags["site_pk"].isin(scope)].reset_index(drop=True)
    flags.attrs.update(info, as_of=to_date(t).isoformat(), study_id=study_id)
    return flags


def in_scope(frames: RiskFrames, feats: pd.DataFrame, scope: set[int] | None) -> pd.DataFrame:
    """Rows of people at the viewer's sites (all rows when the viewer is study-wide)."""
    if scope is None:
        return feats
    site = frames.participants.set_index("pid")["site_id"].reindex(feats.index)
    return feats[site.isin(scope).to_numpy()]


def elevated_share(session: Session, viewer: Viewer, study_id: str,
                   as_of: dt.date | str | None = None) -> tuple[int, float] | None:
    """(people scored, share at elevated or high risk) for the dashboard tile; as_of defaults to today.

    Read-only (uses the saved model, else the rules). None when there is nobody to score, or when an
    aggregate-only viewer would see a count from fewer than the minimum cell size.
    """
    scope = viewer.require_any_site(Action.view_aggregates, study_id)
    frames = load_frames(session, study_id)
    if frames.participants.empty:
        return None
    t = day(as_of or dt.datetime.now(dt.UTC).date())
    scorer, _ = scorer_for(session, viewer.username, frames, t, train_if_missing=False)
    feats = in_scope(frames, features_as_of(frames, t), scope)
    if feats.empty:
        return None
    flagged = int((scorer.predict_risk(feats) >= ELEVATED).sum())
    n_min = min_cell_size()
    if viewer.aggregate_only(study_id) and (
        len(feats) < n_min or 0 < flagged < n_min or 0 < len(feats) - flagged < n_min
    ):
        return None
    return len(feats), round(flagged / len(feats), 4)


def share_elevated(session: Session, viewer: Viewer, study_id: str, as_of: dt.date | str) -> float | None:
    """Share of active participants at elevated or high risk (0-1); see elevated_share."""
    result = elevated_share(session, viewer, study_id, as_of)
    return None if result is None else result[1]
