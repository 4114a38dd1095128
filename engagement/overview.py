"""The study overview on the home page: stage timeline, participants by status and role, response rate.

Aggregate-only viewers (sponsors, advocates) get small cells suppressed; site staff see their sites only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.models import LifecycleStage, Participant, Site, Study
from engagement.permissions import Action, Viewer
from engagement.schedule import due_grid
from engagement.suppression import ALL, min_cell_size, suppress


@dataclass(frozen=True)
class Overview:
    study_id: str
    title: str
    sponsor: str
    registry_id: str
    current_stage: str | None
    stages: pd.DataFrame        # stage, order, planned_start, planned_end, actual_start, actual_end
    participants: pd.DataFrame  # role, status, n, n_label, suppressed
    response: pd.DataFrame      # timepoint, stage, due, submitted, rate, suppressed
    suppressed_note: str | None
    scope_note: str


def study_overview(session: Session, viewer: Viewer, study_id: str,
                   today: dt.date | None = None) -> Overview:
    agg_scope = viewer.require_any_site(Action.view_aggregates, study_id)
    study = session.get(Study, study_id)
    if study is None:
        raise fail("E002", f"no study {study_id!r}", item=study_id)
    aggregate_only = viewer.aggregate_only(study_id)
    scope = agg_scope if aggregate_only else viewer.site_scope(Action.view_participants, study_id)
    stages = pd.DataFrame(session.execute(
        select(LifecycleStage.name.label("stage"), LifecycleStage.order, LifecycleStage.planned_start,
               LifecycleStage.planned_end, LifecycleStage.actual_start, LifecycleStage.actual_end)
        .where(LifecycleStage.study_id == study_id).order_by(LifecycleStage.order)).mappings().all())
    people = _participants(session, study_id, scope)
    n_min = min_cell_size()
    by_status = people.groupby(["role", "status"]).size().rename("n").reset_index()
    response = _response(session, study_id, scope, today or dt.datetime.now(dt.UTC).date())
    note = None
    if aggregate_only:
        by_status = _protect(by_status, ["role", "status"], n_min)
        response["suppressed"] = (response["due"] < n_min) & (response["due"] > 0)
        response.loc[response["suppressed"], ["submitted", "rate"]] = None
        note = f"Groups of fewer than {n_min} people are hidden, with any cell that would reveal them."
    else:
        by_status["n_label"] = by_status["n"].astype(str)
        by_status["suppressed"] = False
        response["suppressed"] = False
    scope_note = "all sites" if scope is None else f"your {len(scope)} site(s) only"
    return Overview(study.id, study.title, study.sponsor, study.registry_id, study.current_stage, stages,
                    by_status, response, note, scope_note)


def _participants(session: Session, study_id: str, scope: set[int] | None) -> pd.DataFrame:
    q = (select(Participant.id, Participant.role, Participant.status, Participant.status_date,
                Participant.enrolled_on, Site.code.label("site"))
         .join(Site, Site.id == Participant.site_id).where(Participant.study_id == study_id))
    if scope is not None:
        q = q.where(Participant.site_id.in_(scope))
    return pd.DataFrame(session.execute(q).mappings().all(),
                        columns=["id", "role", "status", "status_date", "enrolled_on", "site"])


def _protect(table: pd.DataFrame, by: list[str], n_min: int) -> pd.DataFrame:
    out = suppress(table, by=by, n_col="n", value_cols=[], threshold=n_min, margins=True)
    out = out[(out[by] != ALL).all(axis=1)]
    return out[[*by, "n", "n_label", "suppressed"]].reset_index(drop=True)


def _response(session: Session, study_id: str, scope: set[int] | None, today: dt.date) -> pd.DataFrame:
    """Per timepoint: due = windows closed by today for people it applies to and still taking part."""
    grid = due_grid(session, study_id, today, scope)
    closed = grid[grid["state"].isin(["done", "overdue"]) & (grid["closes_on"] < today)]
    per = (closed.assign(submitted=closed["state"] == "done")
           .groupby(["order", "timepoint_id", "stage"], sort=True)
           .agg(due=("pid", "size"), submitted=("submitted", "sum")).reset_index())
    per["rate"] = (per["submitted"] / per["due"]).round(3)
    out = per.rename(columns={"timepoint_id": "timepoint"})[["timepoint", "stage", "due", "submitted", "rate"]]
    return out.astype({"due": int, "submitted": int}).reset_index(drop=True)
