"""What disengagement means, as known at a date (DESIGN.md, "Domain notes").

A participant disengages on the first of:
- the day their status becomes withdrawn or lost_to_follow_up;
- the day the window of a due timepoint closes with no submission, when the timepoint before it was
  missed too (two consecutive missed due timepoints).

A timepoint is due for a participant at enrolled + due_day and its window closes window_days later (the
closing day still counts). It is "missed" when no submission for it is dated on or before the closing
day; that is settled on the closing day, so whether it was missed never depends on later data.
Timepoints due on or after the day a participant left (withdrawn, lost, completed) are not due.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagement.risk.frames import RiskFrames

DEFAULT_HORIZON_DAYS = 42
EVENT_STATUSES = ("withdrawn", "lost_to_follow_up")
EXIT_STATUSES = (*EVENT_STATUSES, "completed")


def status_days(frames: RiskFrames, statuses: tuple[str, ...]) -> pd.Series:
    """First day each participant entered one of `statuses` (NaN when never), from the dated history.

    A participant without any history rows falls back to their current status and its date.
    """
    hist = frames.status[frames.status["status"].isin(statuses)]
    first = hist.groupby("pid")["day"].min()
    p = frames.participants.set_index("pid")
    no_history = ~p.index.isin(frames.status["pid"].unique())
    fallback = p.loc[no_history & p["status"].isin(statuses).to_numpy(), "status_day"]
    out = pd.concat([first, fallback]).groupby(level=0).min()
    return out.reindex(p.index).astype("float64")


def expected_schedule(frames: RiskFrames) -> pd.DataFrame:
    """One row per participant and due timepoint: due, close, first submission day, missed.

    `missed` is what it will be once the window has closed; readers as of t only look at rows whose
    close <= t, and events after the last day of data are not yet known (see labels_at).
    """
    exit_day = status_days(frames, EXIT_STATUSES)
    tps = frames.schedule.sort_values(["due_day", "tp_id"]).reset_index(drop=True)
    tps["seq"] = np.arange(len(tps))
    applies = applicable_timepoints(frames)
    parts = []
    for role, people in frames.participants.groupby("role"):
        mine = tps[tps["tp_id"].isin(applies.get(role, set()))]
        parts.append(_cross(people["pid"].to_numpy(), people["enrolled"].to_numpy(), mine))
    sched = pd.concat(parts, ignore_index=True) if parts else _cross(np.array([]), np.array([]), tps)
    exits = exit_day.reindex(sched["pid"]).to_numpy()
    sched = sched[~(sched["due"].to_numpy() >= exits)]  # NaN exit compares False: kept
    subs = frames.submissions.dropna(subset=["tp_id"])
    width = int(max(tps["tp_id"].max() if len(tps) else 0, subs["tp_id"].max() if len(subs) else 0)) + 1
    # One integer key per (person, timepoint): much faster to group and look up than a MultiIndex.
    first = (
        subs["day"].groupby(subs["pid"].to_numpy() * width + subs["tp_id"].to_numpy().astype("int64")).min()
    )
    sched = sched.assign(
        first_sub=first.reindex(sched["pid"].to_numpy() * width + sched["tp_id"].to_numpy()).to_numpy(
            dtype="float64"
        )
    )
    sched["missed"] = ~(sched["first_sub"] <= sched["close"])
    return sched.sort_values(["pid", "seq"], kind="stable").reset_index(drop=True)


def _cross(pids: np.ndarray, enrolled: np.ndarray, tps: pd.DataFrame) -> pd.DataFrame:
    n_p, n_t = len(pids), len(tps)
    due = np.repeat(enrolled, n_t) + np.tile(tps["due_day"].to_numpy(), n_p)
    return pd.DataFrame(
        {
            "pid": np.repeat(pids, n_t).astype("int64"),
            "tp_id": np.tile(tps["tp_id"].to_numpy(), n_p),
            "seq": np.tile(tps["seq"].to_numpy(), n_p),
            "stage_order": np.tile(tps["stage_order"].to_numpy(), n_p),
            "due": due.astype("int64"),
            "close": (due + np.tile(tps["window_days"].to_numpy(), n_p)).astype("int64"),
        }
    )


def applicable_timepoints(frames: RiskFrames) -> dict[str, set[int]]:
    """Role -> the timepoints due for people in that role.

    A timepoint applies to a role when its instrument is written for the role (audience) and, once anyone
    has answered the timepoint, someone in that role has. The second part reads the schedule's design
    from the data (an advisory panel never gets the patients' pulse survey), not anyone's outcome.
    The schema has no per-timepoint audience; with one, this would read it instead.
    """
    subs = frames.submissions.dropna(subset=["tp_id"])
    role_of = frames.participants.set_index("pid")["role"]
    answered = pd.DataFrame(
        {"tp_id": subs["tp_id"].astype("int64").to_numpy(), "role": role_of.reindex(subs["pid"]).to_numpy()}
    ).drop_duplicates()
    by_tp = answered.groupby("tp_id")["role"].agg(set).to_dict()
    out: dict[str, set[int]] = {}
    for role in frames.participants["role"].unique():
        out[role] = {
            int(tp)
            for tp, audience in zip(frames.schedule["tp_id"], frames.schedule["audience"], strict=True)
            if (audience is None or role in audience) and role in by_tp.get(int(tp), {role})
        }
    return out


def disengagement_events(frames: RiskFrames, sched: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per participant: event_day (NaN when none so far) and event_kind."""
    sched = expected_schedule(frames) if sched is None else sched
    pids = frames.participants["pid"]
    s = sched.sort_values(["pid", "seq"])
    prev_missed = s.groupby("pid")["missed"].shift(1, fill_value=False).astype(bool)
    second = s[s["missed"] & prev_missed]
    missed_day = second.groupby("pid")["close"].min().reindex(pids).astype("float64")
    events = pd.DataFrame(
        {
            "status_day": status_days(frames, EVENT_STATUSES).reindex(pids).to_numpy(),
            "missed_day": missed_day.to_numpy(),
        },
        index=pids.to_numpy(),
    )
    events["event_day"] = events[["status_day", "missed_day"]].min(axis=1)
    status_first = events["status_day"].notna() & (
        events["status_day"] <= events["missed_day"].fillna(np.inf)
    )
    events["event_kind"] = np.where(
        events["event_day"].isna(), "", np.where(status_first, "status", "missed_two")
    )
    status_by_pid = _event_status(frames)
    events.loc[events["event_kind"] == "status", "event_kind"] = status_by_pid.reindex(
        events.index[events["event_kind"] == "status"]
    ).to_numpy()
    events.index.name = "pid"
    return events[["event_day", "event_kind"]]


def _event_status(frames: RiskFrames) -> pd.Series:
    """Which of withdrawn / lost_to_follow_up came first, per participant."""
    hist = frames.status[frames.status["status"].isin(EVENT_STATUSES)].sort_values(["pid", "day"])
    first = hist.groupby("pid")["status"].first()
    p = frames.participants.set_index("pid")
    fallback = p.loc[p["status"].isin(EVENT_STATUSES) & ~p.index.isin(first.index), "status"]
    return pd.concat([first, fallback])


def active_at(frames: RiskFrames, t: int) -> pd.Series:
    """Boolean per pid: enrolled on or before t and not withdrawn, lost or completed by t."""
    p = frames.participants.set_index("pid")
    exit_day = status_days(frames, EXIT_STATUSES)
    return (p["enrolled"] <= t) & ~(exit_day <= t)


def labels_at(
    frames: RiskFrames, t: int, horizon_days: int = DEFAULT_HORIZON_DAYS, events: pd.DataFrame | None = None
) -> pd.Series:
    """Label (1 = disengages within (t, t + horizon]) for everyone at risk at t.

    At risk: active at t and not yet disengaged by t. Labels are only complete when t + horizon is on or
    before the last day the data speaks about; callers choose t accordingly.
    """
    events = disengagement_events(frames) if events is None else events
    at_risk = active_at(frames, t) & ~(events["event_day"] <= t)
    ev = events.loc[at_risk[at_risk].index, "event_day"]
    return ((ev > t) & (ev <= t + horizon_days)).astype("int64").rename("label")
