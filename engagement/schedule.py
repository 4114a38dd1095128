"""Who is due for which timepoint, and when: the schedule grid shared by the overview and invitations.

A timepoint applies to a participant when its instrument is written for their role (the instrument's
`audience`; none stated means everyone) and, once anyone answered the timepoint, someone in that role did:
the schedule has no per-timepoint audience, so an advisory panel's timepoints are told from the patients'
by who answers them (the same rule as engagement.risk.definition and engagement.indicators_response).
It is due on enrolled_on + due_day and its window closes
window_days later. Someone who withdrew, was lost or completed on or before the due day is not due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.models import InstrumentVersion, LifecycleStage, Participant, Site, Submission, Timepoint

LEFT = ("withdrawn", "lost_to_follow_up", "completed")
GRID_COLUMNS = ["pid", "participant_id", "site_id", "role", "tid", "timepoint_id", "stage", "order",
                "due_on", "closes_on", "state"]


def instrument_audiences(session: Session, instrument_ids: Iterable[str]) -> dict[str, frozenset[str] | None]:
    """Instrument id -> the roles its newest registered version is written for (None: everyone)."""
    wanted = set(instrument_ids)
    out: dict[str, frozenset[str] | None] = {}
    for iid, content in session.execute(select(InstrumentVersion.instrument_id, InstrumentVersion.content)
                                        .order_by(InstrumentVersion.id)):
        if iid in wanted:
            audience = content.get("audience") if isinstance(content, dict) else None
            out[iid] = frozenset(audience) if audience else None
    return out


def due_grid(session: Session, study_id: str, today: dt.date, site_ids: set[int] | None = None) -> pd.DataFrame:
    """One row per participant x applicable timepoint: upcoming, due (window open), overdue or done.

    Done counts submissions made on or before `today`; site_ids None means every site.
    """
    q = (select(Participant.id.label("pid"), Participant.code.label("participant_id"),
                Site.code.label("site_id"), Participant.role, Participant.enrolled_on, Participant.status,
                Participant.status_date, Timepoint.id.label("tid"), Timepoint.code.label("timepoint_id"),
                Timepoint.instrument_id, Timepoint.due_day, Timepoint.window_days,
                LifecycleStage.name.label("stage"), LifecycleStage.order)
         .join(Site, Site.id == Participant.site_id)
         .join(Timepoint, Timepoint.study_id == Participant.study_id)
         .join(LifecycleStage, LifecycleStage.id == Timepoint.stage_id)
         .where(Participant.study_id == study_id))
    if site_ids is not None:
        q = q.where(Participant.site_id.in_(site_ids))
    grid = pd.DataFrame(session.execute(q).mappings().all())
    if grid.empty:
        return pd.DataFrame(columns=GRID_COLUMNS)
    audiences = instrument_audiences(session, set(grid["instrument_id"]))
    answered_by: dict[int, set[str]] = {}
    for tid, role in session.execute(select(Submission.timepoint_id, Participant.role).distinct()
                                     .join(Participant, Participant.id == Submission.participant_id)
                                     .where(Submission.study_id == study_id)):
        answered_by.setdefault(tid, set()).add(role)
    applies = [(audiences.get(i) is None or r in audiences[i]) and r in answered_by.get(t, {r})
               for i, r, t in zip(grid["instrument_id"], grid["role"], grid["tid"], strict=True)]
    grid = grid[applies].copy()
    due = pd.to_datetime(grid["enrolled_on"]) + pd.to_timedelta(grid["due_day"], unit="D")
    grid["due_on"] = due.dt.date
    grid["closes_on"] = (due + pd.to_timedelta(grid["window_days"], unit="D")).dt.date
    grid = grid[~(grid["status"].isin(LEFT) & (grid["status_date"] <= grid["due_on"]))]
    as_of = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    done = set(session.execute(select(Submission.participant_id, Submission.timepoint_id)
                               .where(Submission.study_id == study_id, Submission.submitted_at < as_of)).all())
    grid["state"] = "upcoming"
    grid.loc[grid["due_on"] <= today, "state"] = "due"
    grid.loc[grid["closes_on"] < today, "state"] = "overdue"
    grid.loc[[(p, t) in done for p, t in zip(grid["pid"], grid["tid"], strict=True)], "state"] = "done"
    return grid[GRID_COLUMNS].sort_values(["due_on", "participant_id"]).reset_index(drop=True)
