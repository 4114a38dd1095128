"""Kaplan-Meier retention: time from enrolment to disengagement, as DESIGN.md defines it.

A participant disengages on the earliest of: the status date of a withdrawal or loss to follow-up, and the
day the window of the second of two consecutive missed due timepoints closed (that is when the second
miss became known). Everyone else is censored: on their completion date, or on the as-of date.
The estimator and its exponential Greenwood interval follow lifelines, which a test checks it against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

LEFT = ("withdrawn", "lost_to_follow_up")
CURVE_COLUMNS = ["time", "at_risk", "events", "survival", "ci_low", "ci_high"]


def kaplan_meier(durations: np.ndarray, events: np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
    """Survival at each distinct observed time (from 0), with at-risk counts and a (1-alpha) interval."""
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    times, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse, minlength=len(times))
    died = np.bincount(inverse, weights=events, minlength=len(times)).astype(int)
    at_risk = len(durations) - np.concatenate([[0], np.cumsum(removed)[:-1]])
    if len(times) == 0 or times[0] != 0:
        times, at_risk = np.concatenate([[0.0], times]), np.concatenate([[len(durations)], at_risk])
        died = np.concatenate([[0], died])
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - died / at_risk)
        var = np.cumsum(np.where(at_risk > died, died / (at_risk * (at_risk - died)), 0.0))
        low, high = _greenwood_bounds(survival, var, alpha)
    return pd.DataFrame({"time": times, "at_risk": at_risk, "events": died, "survival": survival,
                         "ci_low": low, "ci_high": high})


def _greenwood_bounds(survival: np.ndarray, var: np.ndarray, alpha: float) -> tuple[np.ndarray, ...]:
    z = norm.ppf(1 - alpha / 2)
    v = np.log(survival)
    low = np.exp(-np.exp(np.log(-v) - z * np.sqrt(var) / v))
    high = np.exp(-np.exp(np.log(-v) + z * np.sqrt(var) / v))
    # lifelines fills undefined bounds (survival 1 or 0) with 1.0; do the same so the numbers agree.
    return np.nan_to_num(low, nan=1.0), np.nan_to_num(high, nan=1.0)


def disengagement_times(participants: pd.DataFrame, due: pd.DataFrame,
                        as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per participant: duration in days from enrolment and whether disengagement was seen.

    participants: participant_id, enrolled_on, status, status_date (datetime64).
    due: participant_id, due_day, close (datetime64), on_time (bool: answered by the window's close)
    — the timepoints due by as_of.
    """
    p = participants.set_index("participant_id")
    left = p["status"].isin(LEFT) & (p["status_date"] <= as_of)
    event_at = p["status_date"].where(left)
    missed_at = _second_consecutive_miss(due)
    event_at = pd.concat([event_at, missed_at.reindex(p.index)], axis=1).min(axis=1)
    completed = (p["status"] == "completed") & (p["status_date"] <= as_of)
    censor_at = p["status_date"].where(completed, as_of)
    end = event_at.fillna(censor_at)
    out = pd.DataFrame({"duration": (end - p["enrolled_on"]).dt.days, "event": event_at.notna()},
                       index=p.index)
    return out[(p["enrolled_on"] <= as_of) & (out["duration"] >= 0)].reset_index()


def _second_consecutive_miss(due: pd.DataFrame) -> pd.Series:
    """participant_id -> close date of the first timepoint that was the second miss in a row."""
    if due.empty:
        return pd.Series(dtype="datetime64[ns]")
    d = due.sort_values(["participant_id", "due_day"])
    missed = ~d["on_time"].to_numpy()
    same_person = d["participant_id"].to_numpy()[1:] == d["participant_id"].to_numpy()[:-1]
    second = np.concatenate([[False], missed[1:] & missed[:-1] & same_person])
    hits = d.loc[second, ["participant_id", "close"]]
    return hits.groupby("participant_id")["close"].min()


def curves(times: pd.DataFrame, groups: pd.Series | None, min_at_risk: int = 0) -> pd.DataFrame:
    """KM curves per group (all participants when groups is None), cut where fewer than min_at_risk remain.

    Cutting the tail keeps late steps, each made by one or two people, from describing individuals.
    """
    keys = pd.Series("All", index=times.index) if groups is None else groups.reindex(times.index)
    parts = []
    for name, idx in times.groupby(keys.to_numpy(), sort=True).groups.items():
        sub = times.loc[idx]
        if len(sub) < max(min_at_risk, 1):
            continue
        curve = kaplan_meier(sub["duration"].to_numpy(), sub["event"].to_numpy())
        if min_at_risk:
            curve = curve[curve["at_risk"] >= min_at_risk]
        parts.append(curve.assign(group=name, n=len(sub)))
    if not parts:
        return pd.DataFrame(columns=["group", "n", *CURVE_COLUMNS])
    return pd.concat(parts, ignore_index=True)[["group", "n", *CURVE_COLUMNS]]


def survival_at(curve: pd.DataFrame, day: float) -> float:
    """The step function's value at `day`; NaN past the last time shown (the tail may have been cut)."""
    if curve.empty or day > curve["time"].iloc[-1]:
        return float("nan")
    return float(curve.loc[curve["time"] <= day, "survival"].iloc[-1])
