"""Response rate and completeness per timepoint, and the due table retention is built from.

Definitions (docs/dashboard.md):
- A timepoint is due for a participant when its window has closed by the as-of date (window closes on
  enrolled_on + due_day + window_days) and the participant was still taking part on the due date
  (enrolled_on + due_day): status active; or completed on or after the due date; or withdrawn / lost to
  follow-up after the due date. A date-range filter keeps timepoints whose due date falls in it.
- Response rate = due pairs (participant, timepoint) with a submission, any time, / due pairs.
- Completeness of a submission = items answered / items in its scored subscales (Score.n_answered /
  n_items summed over the submission): complete >= 80%, partial 50% to < 80%, break-off < 50%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagement.indicators_data import StudyFrames

COMPLETE_AT = 0.8
PARTIAL_AT = 0.5
LEVELS = ("complete", "partial", "break_off")


def due_pairs(frames: StudyFrames, stages: tuple[str, ...], sites: tuple[str, ...],
              roles: tuple[str, ...], as_of: pd.Timestamp,
              date_from: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per due (participant, timepoint): due date, window close, submitted flag, labels."""
    p = frames.participants
    if sites:
        p = p[p["site"].isin(sites)]
    if roles:
        p = p[p["role"].isin(roles)]
    tp = frames.timepoints
    if stages:
        tp = tp[tp["stage"].isin(stages)]
    n_p, n_t = len(p), len(tp)
    pi, ti = np.repeat(np.arange(n_p), n_t), np.tile(np.arange(n_t), n_p)
    enrolled = p["enrolled_on"].to_numpy()[pi]
    due_day = tp["due_day"].to_numpy()[ti]
    due_at = enrolled + due_day.astype("timedelta64[D]")
    close = due_at + tp["window_days"].to_numpy()[ti].astype("timedelta64[D]")
    status, status_date = p["status"].to_numpy()[pi], p["status_date"].to_numpy()[pi]
    taking_part = ((status == "active") | ((status == "completed") & (due_at <= status_date))
                   | (np.isin(status, ["withdrawn", "lost_to_follow_up"]) & (due_at < status_date)))
    keep = taking_part & (close <= as_of.to_datetime64())
    if date_from is not None:
        keep &= due_at >= date_from.to_datetime64()
    out = pd.DataFrame({
        "participant_id": p["participant_id"].to_numpy()[pi][keep],
        "timepoint_id": tp["timepoint_id"].to_numpy()[ti][keep],
        "timepoint": tp["timepoint"].to_numpy()[ti][keep], "stage": tp["stage"].to_numpy()[ti][keep],
        "due_day": due_day[keep], "due_at": due_at[keep], "close": close[keep],
        "site": p["site"].to_numpy()[pi][keep], "role": p["role"].to_numpy()[pi][keep]})
    answered = frames.submissions.dropna(subset=["participant_id", "timepoint_id"])
    pairs = set(zip(answered["participant_id"].astype(np.int64), answered["timepoint_id"].astype(np.int64),
                    strict=True))
    out["submitted"] = [(a, b) in pairs for a, b in zip(out["participant_id"], out["timepoint_id"],
                                                         strict=True)]
    return out


def response_rates(due: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """due (n), responded and rate per group of dims (e.g. ["timepoint"], ["site"], [])."""
    if not dims:
        due = due.assign(study="all")
        dims = ["study"]
    g = due.groupby(dims, sort=False)["submitted"].agg(n="size", responded="sum").reset_index()
    g["rate"] = g["responded"] / g["n"]
    return g


def completeness_levels(submissions: pd.DataFrame) -> pd.DataFrame:
    """The submissions with a 0/1 column per level (rows without scored items dropped)."""
    subs = submissions[submissions["answered_frac"].notna()]
    frac = subs["answered_frac"].to_numpy()
    complete = frac >= COMPLETE_AT
    partial = (frac >= PARTIAL_AT) & ~complete
    return subs.assign(complete=complete.astype(int), partial=partial.astype(int),
                       break_off=(~complete & ~partial).astype(int))


def completeness(submissions: pd.DataFrame, dims: list[str], levelled: bool = False) -> pd.DataFrame:
    """Counts and shares of complete / partial / break-off submissions per group of dims."""
    data = submissions if levelled else completeness_levels(submissions)
    if not dims:
        data, dims = data.assign(_all="all"), ["_all"]
    counts = data.groupby(dims, sort=False)[list(LEVELS)].sum()
    counts["n"] = counts.sum(axis=1)
    for lv in LEVELS:
        counts[f"{lv}_share"] = counts[lv] / counts["n"]
    return counts.reset_index().drop(columns=["_all"], errors="ignore")
