"""Response rate and completeness per timepoint, and the due table retention is built from.

Definitions (docs/dashboard.md):
- A timepoint is due for a participant when it applies to their role, its window has closed by the
  as-of date (window closes on enrolled_on + due_day + window_days) and the participant had not left
  before the due date (enrolled_on + due_day): status active, or withdrawn / lost to follow-up /
  completed on a later day. It applies to a role when its instrument is written for the role
  (`audience`) and, once anyone answered it, someone in that role did (an advisory panel never gets the
  patients' survey). These are engagement.risk.definition's rules, so both count the same misses.
  A date-range filter keeps timepoints whose due date falls in it.
- Response rate = due pairs (participant, timepoint) with a submission, any time, / due pairs.
  `on_time` (a submission on or before the window closed) is what retention's "missed" uses.
- Completeness of a submission = items answered / items in its scored subscales (Score.n_answered /
  n_items summed over the submission): complete >= 80%, partial 50% to < 80%, break-off < 50%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagement.indicators import sums_by
from engagement.indicators_data import StudyFrames

COMPLETE_AT = 0.8
PARTIAL_AT = 0.5
LEVELS = ("complete", "partial", "break_off")


def due_pairs(frames: StudyFrames, as_of: pd.Timestamp, *, stages: tuple[str, ...] = (),
              sites: tuple[str, ...] = (), roles: tuple[str, ...] = (),
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
    taking_part = (status == "active") | (due_at < status_date)
    applies = _applicable(frames, tp)
    roles = list(applies.index)
    role_row = pd.Index(roles).get_indexer(p["role"].to_numpy())[pi]
    applies_here = np.where(role_row >= 0, applies.to_numpy()[np.maximum(role_row, 0), ti], False)
    keep = taking_part & applies_here & (close <= as_of.to_datetime64())
    if date_from is not None:
        keep &= due_at >= date_from.to_datetime64()
    out = pd.DataFrame({
        "participant_id": p["participant_id"].to_numpy()[pi][keep],
        "timepoint_id": tp["timepoint_id"].to_numpy()[ti][keep],
        # categories: grouping 16 ways stays cheap
        "timepoint": _category(tp["timepoint"].to_numpy(), ti[keep]),
        "stage": _category(tp["stage"].to_numpy(), ti[keep]),
        "due_day": due_day[keep], "due_at": due_at[keep], "close": close[keep],
        "site": _category(p["site"].to_numpy(), pi[keep]), "role": _category(p["role"].to_numpy(), pi[keep])})
    answered = frames.submissions.dropna(subset=["participant_id", "timepoint_id"])
    width = int(max(frames.timepoints["timepoint_id"].max(), answered["timepoint_id"].max(), 0)) + 1
    done = (answered["participant_id"].to_numpy(dtype=np.int64) * width
            + answered["timepoint_id"].to_numpy(dtype=np.int64))
    due = (out["participant_id"].to_numpy(dtype=np.int64) * width
           + out["timepoint_id"].to_numpy(dtype=np.int64))
    out["submitted"] = np.isin(due, done)
    first_at = pd.Series(answered["submitted_at"].dt.tz_localize(None).to_numpy()).groupby(done).min()
    on_or_before = first_at.reindex(due).to_numpy()
    out["on_time"] = out["submitted"].to_numpy() & (on_or_before < out["close"].to_numpy()
                                                    + np.timedelta64(1, "D"))
    return out


def _category(labels: np.ndarray, take: np.ndarray) -> pd.Categorical:
    """pd.Series(labels[take]).astype("category") (categories: the values present, sorted), built
    from a few labels and codes instead of 10^5 strings."""
    present = np.zeros(len(labels), dtype=bool)
    present[take] = True
    missing = pd.isna(labels)
    cats = sorted(set(labels[present & ~missing]))
    code_of = pd.Index(cats, dtype=object).get_indexer(np.where(missing, None, labels))
    return pd.Categorical.from_codes(code_of[take], categories=pd.Index(cats, dtype=object))


def _applicable(frames: StudyFrames, tp: pd.DataFrame) -> pd.DataFrame:
    """Role x timepoint (columns in tp's order): does the timepoint apply to people in that role?"""
    subs = frames.submissions.dropna(subset=["participant_id", "timepoint_id"])
    pairs = pd.DataFrame({"timepoint_id": subs["timepoint_id"].to_numpy(dtype=np.int64),
                          "role": subs["role"].to_numpy()}).drop_duplicates()  # a few rows, not 10^5
    answered = pairs.groupby("timepoint_id")["role"].agg(set).to_dict()
    roles = sorted(set(frames.participants["role"]))
    data = {tid: [(aud is None or r in aud) and r in answered.get(int(tid), {r}) for r in roles]
            for tid, aud in zip(tp["timepoint_id"], tp["audience"], strict=True)}
    return pd.DataFrame(data, index=roles, columns=list(tp["timepoint_id"]), dtype=bool)


def response_rates(due: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """due (n), responded and rate per group of dims (e.g. ["timepoint"], ["site"], [])."""
    if not dims:
        due = due.assign(study="all")
        dims = ["study"]
    g = due.groupby(dims, sort=False, observed=True)["submitted"].agg(n="size", responded="sum").reset_index()
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
    counts = sums_by(data, dims, list(LEVELS))
    n = counts[list(LEVELS)].to_numpy().sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # no submissions at all: no shares
        shares = {f"{lv}_share": counts[lv].to_numpy() / n for lv in LEVELS}
    return pd.DataFrame({**{c: counts[c].array for c in counts.columns}, "n": n, **shares})
