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
from engagement.risk.frames import NEGATIVE_SENTIMENT, RISK_INDICATORS, RiskFrames

INDICATORS = RISK_INDICATORS
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
    """One row per participant active at t (index pid), columns FEATURES.

    sched is expected_schedule(frames) (sorted by person and sequence), passed in when several dates
    are read from one schedule.
    """
    sched = expected_schedule(frames) if sched is None else sched
    active = active_at(frames, t)
    pids = active.index[active.to_numpy()]
    p = frames.participants.set_index("pid").loc[pids]
    subs = frames.submissions[(frames.submissions["day"] <= t).to_numpy() & frames.submissions["pid"].isin(pids)]
    subs = _by_person_and_day(subs)
    cols = {
        **_schedule_features(sched, pids, t),
        **_timing_features(subs, sched, p, pids, t),
        **_score_features(frames, subs, pids),
        **_comment_features(frames, subs, pids),
    }
    for r in ROLES:
        cols[f"role_{r}"] = (p["role"] == r).to_numpy(dtype="float64")
    cols["site_missed_rate"] = _site_missed_rate(frames, sched, t).reindex(p["site_id"]).to_numpy()
    return pd.DataFrame({f: np.asarray(cols[f], dtype="float64") for f in FEATURES}, index=pids)


def _by_person_and_day(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by pid, day, sub_id (stable: ties keep their order)."""
    return rows.iloc[_person_day_order(rows["pid"].to_numpy(), rows["day"].to_numpy(), rows["sub_id"].to_numpy())]


def _person_day_order(pid: np.ndarray, day: np.ndarray, sub_id: np.ndarray) -> np.ndarray:
    """np.lexsort((sub_id, day, pid)), three times faster: rows usually arrive in sub_id order, and then
    one stable sort on a single (pid, day) integer keeps that order among ties."""
    order = np.arange(len(sub_id)) if (np.diff(sub_id) >= 0).all() else np.argsort(sub_id, kind="stable")
    if not len(day):
        return order
    first = day.min()
    key = pid[order].astype(np.int64) * (int(day.max() - first) + 1) + (day[order] - first)
    return order[np.argsort(key, kind="stable")]


def _runs(pid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows sorted by pid: where each person's run starts, its length, and whose it is.

    Every per-person figure below is then a numpy reduceat over the runs, not a pandas groupby.
    """
    starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]]) if len(pid) else np.zeros(0, dtype=np.int64)
    return starts, np.diff(np.r_[starts, len(pid)]), pid[starts]


def _per_person(keys: np.ndarray, values: np.ndarray, pids: pd.Index, fill: float = np.nan) -> np.ndarray:
    """values (one per key) in the order of pids; fill for people without a value.

    Looked up in pids, whose hash table pandas keeps: about thirty features are placed per call.
    """
    at = pids.get_indexer(keys)
    out = np.full(len(pids), fill, dtype="float64")
    out[at[at >= 0]] = values[at >= 0]
    return out


def _sum_runs(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts) if len(starts) else np.zeros(0, dtype=values.dtype)


def _schedule_features(sched: pd.DataFrame, pids: pd.Index, t: int) -> dict[str, np.ndarray]:
    mine = sched[sched["pid"].isin(pids).to_numpy()]
    closed = mine[(mine["close"] <= t).to_numpy()]
    pid, seq = closed["pid"].to_numpy(), closed["seq"].to_numpy()
    missed = closed["missed"].to_numpy(dtype=bool)
    starts, n, who = _runs(pid)
    missed_count = _sum_runs(missed.astype(np.int64), starts)
    late = _sum_runs((missed & (closed["first_sub"].to_numpy() <= t)).astype(np.int64), starts)
    # the missed streak: closed timepoints after the last one kept (all of them when none was kept)
    last_kept = np.maximum.reduceat(np.where(missed, -1, seq), starts) if len(starts) else starts
    streak = _sum_runs((seq > np.repeat(last_kept, n)).astype(np.int64), starts)
    started = mine[(mine["due"] <= t).to_numpy()]
    s_starts, _, s_who = _runs(started["pid"].to_numpy())
    stage = np.maximum.reduceat(started["stage_order"].to_numpy(), s_starts) if len(s_starts) else s_starts
    due = _per_person(who, n, pids)
    f = {
        "missed_count": _per_person(who, missed_count, pids, 0.0),
        "late_count": _per_person(who, late, pids, 0.0),
        "missed_streak": _per_person(who, streak, pids, 0.0),
        "missed_last": _per_person(who, missed[starts + n - 1].astype("float64"), pids, 0.0),
        "stage_order": _per_person(s_who, stage, pids, 0.0),
    }
    f["completeness"] = 100 * (due - f["missed_count"] + f["late_count"]) / due
    return f


def _timing_features(
    subs: pd.DataFrame, sched: pd.DataFrame, p: pd.DataFrame, pids: pd.Index, t: int
) -> dict[str, np.ndarray]:
    """subs sorted by person and day (see _by_person_and_day)."""
    pid = subs["pid"].to_numpy()
    starts, n, who = _runs(pid)
    last_day = _per_person(who, subs["day"].to_numpy()[starts + n - 1], pids)
    f = {"days_since_last": t - np.where(np.isnan(last_day), p["enrolled"].to_numpy(), last_day)}
    # latency: days from the due date to the submission, for submissions to the person's own schedule
    tp = subs["tp_id"].to_numpy()
    width = int(max(np.nan_to_num(tp).max(initial=0), sched["tp_id"].max() if len(sched) else 0)) + 1
    key = pid * width + np.nan_to_num(tp, nan=-1).astype(np.int64)
    at = pd.Index(sched["pid"].to_numpy() * width + sched["tp_id"].to_numpy()).get_indexer(key)
    timed = (at >= 0) & ~np.isnan(tp)
    latency = subs["day"].to_numpy()[timed] - sched["due"].to_numpy()[at[timed]]
    starts, n, who = _runs(pid[timed])
    last = latency[starts + n - 1].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        earlier_mean = (_sum_runs(latency, starts) - last) / np.where(n > 1, n - 1, np.nan)
    f["latency_last"] = _per_person(who, last, pids)
    f["latency_trend"] = _per_person(who, last - earlier_mean, pids)
    return f


def _score_features(frames: RiskFrames, subs: pd.DataFrame, pids: pd.Index) -> dict[str, np.ndarray]:
    """subs sorted by person and day (see _by_person_and_day)."""
    means = _indicator_means(frames.scores, subs["sub_id"])
    stage = subs["tp_id"].map(frames.schedule.set_index("tp_id")["stage_order"]).to_numpy(dtype="float64")
    pid, day = subs["pid"].to_numpy(), subs["day"].to_numpy(dtype="float64")
    cols: dict[str, np.ndarray] = {}
    for k, ind in enumerate(INDICATORS):
        has = ~np.isnan(means[:, k])
        cols.update(_indicator_features(ind, (pid[has], day[has], stage[has], means[has, k]), pids))
    return cols


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


def _indicator_features(
    ind: str, rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], pids: pd.Index
) -> dict[str, np.ndarray]:
    """Latest, change since the previous survey, slope (per 30 days), change since the previous stage.

    rows: (pid, day, stage, score), sorted by person and date; groups are contiguous, so numpy reduceat
    does the work.
    """
    names = [f"{ind}_latest", f"{ind}_change", f"{ind}_slope", f"{ind}_stage_change"]
    pid, x, stage, v = rows
    if not len(pid):
        return {name: np.full(len(pids), np.nan) for name in names}
    starts, n, who = _runs(pid)
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
    values = [latest, latest - previous, slope, stage_change]
    return {name: _per_person(who, value, pids) for name, value in zip(names, values, strict=True)}


def _comment_features(frames: RiskFrames, subs: pd.DataFrame, pids: pd.Index) -> dict[str, np.ndarray]:
    """Negative comments, their share, and whether the last two were negative (ties in comment order)."""
    sentiment = frames.comments["sentiment"].to_numpy(dtype="float64")
    at = pd.Index(subs["sub_id"]).get_indexer(frames.comments["sub_id"])
    keep = (at >= 0) & ~np.isnan(sentiment)
    at, sentiment = at[keep], sentiment[keep]
    pid, day, sub_id = (subs[c].to_numpy()[at] for c in ("pid", "day", "sub_id"))
    order = _person_day_order(pid, day, sub_id)
    pid, neg = pid[order], (sentiment[order] <= NEGATIVE_SENTIMENT).astype("float64")
    starts, n, who = _runs(pid)
    same_person = np.r_[False, pid[1:] == pid[:-1]]
    both = neg * np.r_[0.0, neg[:-1]] * same_person  # this one and the one before
    negatives = _sum_runs(neg, starts)
    return {
        "neg_comments": _per_person(who, negatives, pids, 0.0),
        "neg_share": _per_person(who, 100 * (negatives / n), pids),
        "neg_last_two": _per_person(who, both[starts + n - 1], pids, 0.0),
    }


def _site_missed_rate(frames: RiskFrames, sched: pd.DataFrame, t: int) -> pd.Series:
    """Per site: share of closed due timepoints missed, over everyone enrolled there (known at t)."""
    closed = sched[(sched["close"] <= t).to_numpy()]
    p = frames.participants
    site = p["site_id"].to_numpy()[pd.Index(p["pid"]).get_indexer(closed["pid"])]
    return 100 * closed["missed"].groupby(site).mean()
