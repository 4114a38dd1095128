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
    p = frames.participants
    out = np.full(len(p), np.nan)
    hist = frames.status[frames.status["status"].isin(statuses).to_numpy()]
    at = pd.Index(p["pid"]).get_indexer(hist["pid"])
    np.fmin.at(out, at[at >= 0], hist["day"].to_numpy(dtype="float64")[at >= 0])
    no_history = ~p["pid"].isin(frames.status["pid"]).to_numpy()
    fallback = no_history & p["status"].isin(statuses).to_numpy()
    out[fallback] = p["status_day"].to_numpy(dtype="float64")[fallback]
    return pd.Series(out, index=pd.Index(p["pid"], name="pid"))


def expected_schedule(frames: RiskFrames) -> pd.DataFrame:
    """One row per participant and due timepoint, sorted by pid and seq: due, close, first submission
    day, missed.

    `missed` is what it will be once the window has closed; readers as of t only look at rows whose
    close <= t, and events after the last day of data are not yet known (see labels_at).
    """
    tps = frames.schedule.sort_values(["due_day", "tp_id"]).reset_index(drop=True)
    p = frames.participants
    order = np.argsort(p["pid"].to_numpy(), kind="stable")  # rows come out in person order: no sort after
    due = p["enrolled"].to_numpy()[order, None] + tps["due_day"].to_numpy()[None, :]
    exit_day = status_days(frames, EXIT_STATUSES).to_numpy()[order, None]
    person, k = np.nonzero(_applies(frames, tps)[order] & ~(due >= exit_day))  # NaN exit compares False
    sched = pd.DataFrame({
        "pid": p["pid"].to_numpy()[order][person].astype("int64"),
        "tp_id": tps["tp_id"].to_numpy()[k],
        "seq": k.astype("int64"),
        "stage_order": tps["stage_order"].to_numpy()[k],
        "due": due[person, k].astype("int64"),
        "close": (due[person, k] + tps["window_days"].to_numpy()[k]).astype("int64"),
    })
    subs = frames.submissions.dropna(subset=["tp_id"])
    width = int(max(tps["tp_id"].max() if len(tps) else 0, subs["tp_id"].max() if len(subs) else 0)) + 1
    # One integer key per (person, timepoint): much faster to group and look up than a MultiIndex.
    first = (
        subs["day"].groupby(subs["pid"].to_numpy() * width + subs["tp_id"].to_numpy().astype("int64")).min()
    )
    sched["first_sub"] = first.reindex(sched["pid"].to_numpy() * width + sched["tp_id"].to_numpy()).to_numpy(
        dtype="float64"
    )
    sched["missed"] = ~(sched["first_sub"] <= sched["close"])
    return sched


def _applies(frames: RiskFrames, tps: pd.DataFrame) -> np.ndarray:
    """Participant (rows, in frames order) x timepoint (columns, in tps order): due for their role?"""
    applies = applicable_timepoints(frames)
    codes, roles = pd.factorize(frames.participants["role"])
    by_role = np.array([[int(tp) in applies.get(role, set()) for tp in tps["tp_id"]] for role in roles],
                       dtype=bool).reshape(len(roles), len(tps))
    return np.where((codes >= 0)[:, None], by_role[np.maximum(codes, 0)], False) if len(roles) else (
        np.zeros((len(codes), len(tps)), dtype=bool))


def applicable_timepoints(frames: RiskFrames) -> dict[str, set[int]]:
    """Role -> the timepoints due for people in that role.

    A timepoint applies to a role when its instrument is written for the role (audience) and, once anyone
    has answered the timepoint, someone in that role has. The second part reads the schedule's design
    from the data (an advisory panel never gets the patients' pulse survey), not anyone's outcome.
    The schema has no per-timepoint audience; with one, this would read it instead.
    """
    subs = frames.submissions.dropna(subset=["tp_id"])
    codes, roles = pd.factorize(frames.participants["role"])
    at = pd.Index(frames.participants["pid"]).get_indexer(subs["pid"])
    role = np.zeros(len(at), dtype=np.int64)  # 0: someone not among the participants, of no role
    role[at >= 0] = codes[at[at >= 0]] + 1
    # (timepoint, role) pairs someone answered, as one integer each: a few distinct values, not 10^5 rows
    pairs = pd.unique(subs["tp_id"].to_numpy().astype(np.int64) * (len(roles) + 1) + role)
    names = [None, *roles]
    by_tp: dict[int, set] = {}
    for pair in pairs.tolist():
        by_tp.setdefault(pair // (len(roles) + 1), set()).add(names[pair % (len(roles) + 1)])
    out: dict[str, set[int]] = {}
    for role_name in roles:
        out[role_name] = {
            int(tp)
            for tp, audience in zip(frames.schedule["tp_id"], frames.schedule["audience"], strict=True)
            if (audience is None or role_name in audience) and role_name in by_tp.get(int(tp), {role_name})
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
