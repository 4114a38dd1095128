"""Features as of a date t, for every participant active at t, using only what was known at t.

Known at t: submissions, scores and comments of submissions dated on or before t; statuses effective on
or before t; timepoints whose windows closed on or before t. Everything is vectorised (groupby, no loops
over people) so 100,000 participants score in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engagement.risk.definition import active_at, expected_schedule
from engagement.risk.frames import NEGATIVE_SENTIMENT, RiskFrames

INDICATORS = ("burden", "trust", "engagement")
ROLES = ("patient", "caregiver", "advocate")


@dataclass(frozen=True)
class FeatureText:
    """How to say a feature in plain words: '<label>: <value> (typical <value>)'."""

    label: str
    unit: str = ""
    decimals: int = 0


FEATURE_TEXT: dict[str, FeatureText] = {
    **{f"{i}_latest": FeatureText(f"latest {i} score", " of 100") for i in INDICATORS},
    **{f"{i}_change": FeatureText(f"change in {i} since the previous survey", " points") for i in INDICATORS},
    **{f"{i}_slope": FeatureText(f"{i} trend", " points a month", 1) for i in INDICATORS},
    **{
        f"{i}_stage_change": FeatureText(f"change in {i} since the previous stage", " points")
        for i in INDICATORS
    },
    "missed_count": FeatureText("surveys missed"),
    "late_count": FeatureText("surveys returned late"),
    "missed_streak": FeatureText("surveys missed in a row, up to now"),
    "missed_last": FeatureText("missed the last due survey (1 = yes)"),
    "completeness": FeatureText("share of due surveys returned", "%"),
    "days_since_last": FeatureText("days since the last survey", " days"),
    "latency_last": FeatureText("days taken to answer the last survey", " days"),
    "latency_trend": FeatureText("answering later than before by", " days"),
    "neg_comments": FeatureText("negative comments"),
    "neg_share": FeatureText("share of comments that were negative", "%"),
    "neg_last_two": FeatureText("last two comments negative (1 = yes)"),
    "stage_order": FeatureText("study stage (number)"),
    **{f"role_{r}": FeatureText(f"takes part as a {r} (1 = yes)") for r in ROLES},
    "site_missed_rate": FeatureText("share of surveys missed at their site", "%"),
}
FEATURES: list[str] = list(FEATURE_TEXT)
PERCENT_FEATURES = {"completeness", "neg_share", "site_missed_rate"}


def features_as_of(frames: RiskFrames, t: int, sched: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per participant active at t (index pid), columns FEATURES."""
    sched = expected_schedule(frames) if sched is None else sched
    active = active_at(frames, t)
    pids = active[active].index
    p = frames.participants.set_index("pid").loc[pids]
    out = pd.DataFrame(index=pids)
    out = out.join(_schedule_features(sched, pids, t))
    subs = frames.submissions[(frames.submissions["day"] <= t) & frames.submissions["pid"].isin(pids)]
    out = out.join(_timing_features(subs, sched, p, t))
    out = out.join(_score_features(frames, subs))
    out = out.join(_comment_features(frames, subs))
    out[["neg_comments", "neg_last_two"]] = out[["neg_comments", "neg_last_two"]].fillna(0)
    for r in ROLES:
        out[f"role_{r}"] = (p["role"] == r).astype("float64")
    out["site_missed_rate"] = _site_missed_rate(frames, sched, t).reindex(p["site_id"]).to_numpy()
    return out.reindex(columns=FEATURES).astype("float64")


def _schedule_features(sched: pd.DataFrame, pids: pd.Index, t: int) -> pd.DataFrame:
    mine = sched[sched["pid"].isin(pids)]
    closed = mine[mine["close"] <= t]
    g = closed.groupby("pid")
    due = g.size()
    missed = g["missed"].sum()
    late = (closed["missed"] & (closed["first_sub"] <= t)).groupby(closed["pid"]).sum()
    last = closed.loc[g["seq"].idxmax()].set_index("pid")["missed"] if len(closed) else pd.Series(dtype=bool)
    last_kept = closed[~closed["missed"]].groupby("pid")["seq"].max()
    after_kept = closed["seq"].to_numpy() > last_kept.reindex(closed["pid"]).fillna(-1).to_numpy()
    streak = pd.Series(after_kept, index=closed.index).groupby(closed["pid"]).sum()
    started = mine[mine["due"] <= t].groupby("pid")["stage_order"].max()
    f = pd.DataFrame(index=pids)
    f["missed_count"] = missed.reindex(pids).fillna(0)
    f["late_count"] = late.reindex(pids).fillna(0)
    f["missed_streak"] = streak.reindex(pids).fillna(0)
    f["missed_last"] = last.reindex(pids).astype("float64").fillna(0)
    n = due.reindex(pids)
    f["completeness"] = 100 * (n - f["missed_count"] + f["late_count"]) / n
    f["stage_order"] = started.reindex(pids).fillna(0)
    return f


def _timing_features(subs: pd.DataFrame, sched: pd.DataFrame, p: pd.DataFrame, t: int) -> pd.DataFrame:
    last = subs.groupby("pid")["day"].max()
    f = pd.DataFrame(index=p.index)
    f["days_since_last"] = t - last.reindex(p.index).fillna(p["enrolled"])
    timed = subs.dropna(subset=["tp_id"]).astype({"tp_id": "int64"})
    timed = timed.merge(sched[["pid", "tp_id", "due"]], on=["pid", "tp_id"], how="inner")
    timed = timed.assign(latency=timed["day"] - timed["due"]).sort_values(["pid", "day", "sub_id"])
    g = timed.groupby("pid")["latency"]
    f["latency_last"] = g.last().reindex(p.index)
    n, total = g.size(), g.sum()
    earlier_mean = (total - g.last()) / (n - 1).where(n > 1)
    f["latency_trend"] = (g.last() - earlier_mean).reindex(p.index)
    return f


def _score_features(frames: RiskFrames, subs: pd.DataFrame) -> pd.DataFrame:
    s = subs[["sub_id", "pid", "day", "tp_id"]].copy()
    s[list(INDICATORS)] = _indicator_means(frames.scores, s["sub_id"])
    s["stage"] = s["tp_id"].map(frames.schedule.set_index("tp_id")["stage_order"])
    s = s.sort_values(["pid", "day", "sub_id"], kind="stable")
    cols: dict[str, pd.Series] = {}
    for ind in INDICATORS:
        cols.update(_indicator_features(s.loc[s[ind].notna(), ["pid", "day", "stage", ind]], ind))
    return pd.DataFrame(cols)


def _indicator_means(scores: pd.DataFrame, sub_ids: pd.Series) -> np.ndarray:
    """Mean subscale score per submission (rows, in sub_ids order) and indicator (columns)."""
    code = pd.Categorical(scores["indicator"], categories=list(INDICATORS)).codes.astype("int64")
    pos = pd.Index(sub_ids).get_indexer(scores["sub_id"])
    value = scores["value"].to_numpy(dtype="float64")
    ok = (code >= 0) & (pos >= 0) & ~np.isnan(value)
    key = pos[ok] * len(INDICATORS) + code[ok]
    size = len(sub_ids) * len(INDICATORS)
    sums = np.bincount(key, weights=value[ok], minlength=size)
    counts = np.bincount(key, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / np.where(counts > 0, counts, np.nan)).reshape(-1, len(INDICATORS))


def _indicator_features(s: pd.DataFrame, ind: str) -> dict[str, pd.Series]:
    """Latest, change since the previous survey, slope (per 30 days), change since the previous stage.

    Rows are sorted by person and date; groups are contiguous, so numpy reduceat does the work.
    """
    if s.empty:
        return {}
    pid, v = s["pid"].to_numpy(), s[ind].to_numpy(dtype="float64")
    x, stage = s["day"].to_numpy(dtype="float64"), s["stage"].to_numpy(dtype="float64")
    starts = np.r_[0, np.flatnonzero(pid[1:] != pid[:-1]) + 1]
    n = np.diff(np.r_[starts, len(pid)])
    last = starts + n - 1
    latest = v[last]
    previous = np.where(n > 1, v[np.maximum(last - 1, 0)], np.nan)
    xc = x - np.repeat(np.add.reduceat(x, starts) / n, n)  # centred per person: small, exact sums
    sxx, sxy = np.add.reduceat(xc * xc, starts), np.add.reduceat(xc * v, starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where((n > 1) & (sxx > 0), 30 * sxy / sxx, np.nan)
    earlier = stage < np.repeat(stage[last], n)  # NaN stages compare False
    last_earlier = np.maximum.reduceat(np.where(earlier, np.arange(len(v)), -1), starts)
    stage_change = np.where(last_earlier >= 0, latest - v[np.maximum(last_earlier, 0)], np.nan)
    index = pd.Index(pid[starts], name="pid")
    return {
        f"{ind}_latest": pd.Series(latest, index),
        f"{ind}_change": pd.Series(latest - previous, index),
        f"{ind}_slope": pd.Series(slope, index),
        f"{ind}_stage_change": pd.Series(stage_change, index),
    }


def _comment_features(frames: RiskFrames, subs: pd.DataFrame) -> pd.DataFrame:
    c = frames.comments.dropna(subset=["sentiment"]).merge(subs[["sub_id", "pid", "day"]], on="sub_id")
    c = c.sort_values(["pid", "day", "sub_id"])
    neg = (c["sentiment"] <= NEGATIVE_SENTIMENT).astype("float64")
    pid = c["pid"].to_numpy()
    g = neg.groupby(pid)
    same_person = np.r_[False, pid[1:] == pid[:-1]]
    both = neg.to_numpy() * np.r_[0.0, neg.to_numpy()[:-1]] * same_person  # this and the one before
    last_two = pd.Series(both, index=c.index).groupby(pid).last()
    return pd.DataFrame({"neg_comments": g.sum(), "neg_share": 100 * g.mean(), "neg_last_two": last_two})


def _site_missed_rate(frames: RiskFrames, sched: pd.DataFrame, t: int) -> pd.Series:
    """Per site: share of closed due timepoints missed, over everyone enrolled there (known at t)."""
    closed = sched[sched["close"] <= t]
    site = frames.participants.set_index("pid")["site_id"]
    by_site = closed["missed"].groupby(closed["pid"].map(site)).mean()
    return 100 * by_site
