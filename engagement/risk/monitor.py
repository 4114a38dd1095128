"""The risk monitor: who a trial manager should call this week, and the outreach they log.

Trial managers see participants of their own sites only (viewer.site_scope); sponsors and advocates
see risk aggregated by site and stage, suppressed like every aggregate view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import fail
from engagement.models import OutreachAction, Participant
from engagement.permissions import Action, Viewer
from engagement.risk.definition import DEFAULT_HORIZON_DAYS, expected_schedule
from engagement.risk.features import features_as_of
from engagement.risk.flags import in_scope, score_frames, scorer_for
from engagement.risk.frames import RiskFrames, day, load_frames, to_date
from engagement.risk.model import ELEVATED
from engagement.suppression import ALL, suppress

OUTREACH_ACTIONS = (
    "called",
    "rescheduled",
    "travel_support_offered",
    "reminder_sent",
    "home_visit_offered",
    "other",
)
OUTREACH_OUTCOMES = (
    "reached",
    "no_answer",
    "left_message",
    "will_continue",
    "rescheduled",
    "wants_to_withdraw",
    "other",
)
HISTORY_WEEKS = 8
CONTACT_WINDOW_DAYS = DEFAULT_HORIZON_DAYS  # "contacted" means: an outreach logged within this many days


@dataclass
class MonitorView:
    as_of: str
    method: str
    fallback: str | None
    rows: (
        pd.DataFrame
    )  # participant_id, site_id, risk, band, reasons, history, missed, last_contact, contacted
    notes: list[str] = field(default_factory=list)


def monitor(
    session: Session,
    viewer: Viewer,
    study_id: str,
    as_of: dt.date | str,
    *,
    not_contacted_only: bool = False,
    flagged_only: bool = True,
) -> MonitorView:
    """Flagged participants of the viewer's sites, highest risk first, with reasons and history."""
    scope = viewer.require_any_site(Action.view_participants, study_id)
    frames, t = _frames(session, study_id), day(as_of)
    sched = expected_schedule(frames)
    scorer, info = scorer_for(session, viewer.username, frames, t)
    flags = score_frames(frames, scorer, t, sched)
    if scope is not None:
        flags = flags[flags["site_pk"].isin(scope)]
    if flagged_only:
        flags = flags[flags["band"] != "low"]
    flags = flags.reset_index(drop=True)
    history = _history(frames, scorer, sched, t, set(flags["pid"]))
    flags["history"] = [history.get(p, []) for p in flags["pid"]]
    flags["missed"] = _missed(frames, sched, t, flags["pid"])
    last = _last_contact(session, flags["pid"])
    flags["last_contact"] = [last.get(p) for p in flags["pid"]]
    since = to_date(t) - dt.timedelta(days=CONTACT_WINDOW_DAYS)
    flags["contacted"] = [bool(c and c["date"] >= since.isoformat()) for c in flags["last_contact"]]
    if not_contacted_only:
        flags = flags[~flags["contacted"]].reset_index(drop=True)
    return MonitorView(to_date(t).isoformat(), info["method"], info.get("fallback"), flags)


def participant_detail(
    session: Session, viewer: Viewer, study_id: str, code: str, as_of: dt.date | str
) -> dict[str, Any]:
    """One participant's risk, reasons, score history, missed timepoints and outreach log."""
    person = _participant(session, study_id, code)
    viewer.require(Action.view_participants, study_id, person.site_id)
    frames, t = _frames(session, study_id), day(as_of)
    sched = expected_schedule(frames)
    scorer, info = scorer_for(session, viewer.username, frames, t)
    flags = score_frames(frames, scorer, t, sched)
    row = flags[flags["pid"] == person.id]
    log = session.scalars(
        select(OutreachAction)
        .where(OutreachAction.participant_id == person.id)
        .order_by(OutreachAction.at.desc())
    ).all()
    return {
        "participant_id": code,
        "site_id": person.site.code,
        "status": person.status,
        "as_of": to_date(t).isoformat(),
        "method": info["method"],
        "fallback": info.get("fallback"),
        "risk": float(row["risk"].iloc[0]) if len(row) else None,
        "band": row["band"].iloc[0] if len(row) else None,
        "reasons": row["reasons"].iloc[0].split("; ") if len(row) else [],
        "history": _history(frames, scorer, sched, t, {person.id}).get(person.id, []),
        "missed": _missed(frames, sched, t, pd.Series([person.id]))[0],
        "outreach": [
            {
                "at": a.at.isoformat(timespec="minutes"),
                "action": a.action,
                "outcome": a.outcome,
                "note": a.note,
                "by": a.actor,
            }
            for a in log
        ],
    }


def log_outreach(
    session: Session, viewer: Viewer, study_id: str, code: str, *, action: str, outcome: str, note: str = ""
) -> OutreachAction:
    """Record a contact attempt with its outcome; audited in the same transaction."""
    person = _participant(session, study_id, code)
    viewer.require(Action.log_outreach, study_id, person.site_id)
    for value, allowed, column in (
        (action, OUTREACH_ACTIONS, "action"),
        (outcome, OUTREACH_OUTCOMES, "outcome"),
    ):
        if value not in allowed:
            raise fail("R604", f"allowed: {', '.join(allowed)}", column=column, value=value)
    entry = OutreachAction(
        participant_id=person.id, action=action, outcome=outcome, note=note.strip(), actor=viewer.username
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        viewer.username,
        "outreach.log",
        "participant",
        code,
        None,
        {
            "study_id": study_id,
            "action": action,
            "outcome": outcome,
            "note": entry.note,
            "outreach_id": entry.id,
        },
    )
    return entry


def risk_by_site_stage(session: Session, viewer: Viewer, study_id: str, as_of: dt.date | str) -> pd.DataFrame:
    """Aggregate risk for sponsors: n, share at elevated or high risk and mean risk per site and stage.

    Read-only (saved model, else the rules) and suppressed: small cells and the cells that would give
    them away are blanked, margins included.
    """
    scope = viewer.require_any_site(Action.view_aggregates, study_id)
    frames, t = _frames(session, study_id), day(as_of)
    scorer, _ = scorer_for(session, viewer.username, frames, t, train_if_missing=False)
    feats = in_scope(frames, features_as_of(frames, t), scope)
    p = frames.participants.set_index("pid").loc[feats.index]
    stages = frames.schedule.drop_duplicates("stage_order").set_index("stage_order")["stage"]
    risk = scorer.predict_risk(feats) if len(feats) else np.array([])
    cells = pd.DataFrame(
        {
            "site": p["site"].to_numpy(),
            "stage": feats["stage_order"].map(stages).fillna("not started").to_numpy(),
            "risk": risk,
            "flag": risk >= ELEVATED,
        }
    )
    table = pd.concat(
        [_aggregate(cells, by) for by in (["site", "stage"], ["site"], ["stage"], [])], ignore_index=True
    )
    return suppress(
        table, by=["site", "stage"], n_col="n", value_cols=["share_elevated", "mean_risk"], margins=False
    )


def _aggregate(cells: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if by:
        g = cells.groupby(by, as_index=False).agg(
            n=("risk", "size"), share_elevated=("flag", "mean"), mean_risk=("risk", "mean")
        )
    else:
        g = pd.DataFrame(
            {"n": [len(cells)], "share_elevated": [cells["flag"].mean()], "mean_risk": [cells["risk"].mean()]}
        )
    for col in ("site", "stage"):
        if col not in by:
            g[col] = ALL
    g[["share_elevated", "mean_risk"]] = g[["share_elevated", "mean_risk"]].round(3)
    return g[["site", "stage", "n", "share_elevated", "mean_risk"]]


# ------------------------------------------------------------------------------------------ helpers


def _frames(session: Session, study_id: str) -> RiskFrames:
    frames = load_frames(session, study_id)
    if frames.participants.empty:
        raise fail("R600", f"study {study_id} has no participants", item=study_id)
    return frames


def _participant(session: Session, study_id: str, code: str) -> Participant:
    person = session.scalars(
        select(Participant).where(Participant.study_id == study_id, Participant.code == code)
    ).first()
    if person is None:
        raise fail("R603", f"no participant {code!r} in study {study_id}", item=code)
    return person


def _history(
    frames: RiskFrames, scorer: Any, sched: pd.DataFrame, t: int, pids: set[int]
) -> dict[int, list[float]]:
    """Weekly risk over the last HISTORY_WEEKS weeks (oldest first), for the sparkline."""
    out: dict[int, list[float]] = {p: [] for p in pids}
    if not pids:
        return out
    for k in range(HISTORY_WEEKS - 1, -1, -1):
        feats = features_as_of(frames, t - 7 * k, sched)
        feats = feats[feats.index.isin(pids)]
        for pid, r in zip(feats.index, scorer.predict_risk(feats) if len(feats) else [], strict=True):
            out[int(pid)].append(round(float(r), 3))
    return out


def _missed(frames: RiskFrames, sched: pd.DataFrame, t: int, pids: pd.Series) -> list[list[str]]:
    codes = frames.schedule.set_index("tp_id")["tp_code"]
    gone = sched[(sched["close"] <= t) & sched["missed"] & sched["pid"].isin(set(pids))]
    by_pid = gone.sort_values("seq").groupby("pid")["tp_id"].apply(lambda s: [str(codes[i]) for i in s])
    return [by_pid.get(p, []) for p in pids]


def _last_contact(session: Session, pids: pd.Series) -> dict[int, dict[str, str]]:
    if pids.empty:
        return {}
    rows = session.execute(
        select(
            OutreachAction.participant_id, OutreachAction.at, OutreachAction.action, OutreachAction.outcome
        )
        .where(OutreachAction.participant_id.in_([int(p) for p in pids]))
        .order_by(OutreachAction.at)
    ).all()
    return {r[0]: {"date": r[1].date().isoformat(), "action": r[2], "outcome": r[3]} for r in rows}
