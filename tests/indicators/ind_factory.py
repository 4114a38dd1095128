"""Tiny hand-built studies for the indicator tests: rows inserted through the ORM, flushed, rolled back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engagement import score_summary
from engagement.models import (
    Comment,
    Instrument,
    InstrumentVersion,
    LifecycleStage,
    Participant,
    Score,
    Site,
    Study,
    Submission,
    Timepoint,
)

UTC = dt.UTC


@dataclass
class Built:
    study_id: str
    sites: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    timepoints: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    version_id: int = 0
    n_subs: int = 0


def make_study(session: Session, study_id: str = "S1", sites: tuple[str, ...] = ("A", "B"),
               stages: tuple[str, ...] = ("recruitment", "treatment", "follow_up"),
               timepoints: tuple[tuple[str, str, int, int], ...] = (
                   ("T1", "recruitment", 0, 14), ("T2", "treatment", 30, 14),
                   ("T3", "follow_up", 90, 14))) -> Built:
    b = Built(study_id)
    session.add(Study(id=study_id, title=f"Study {study_id}"))
    inst_id = f"inst-{study_id}"
    session.add(Instrument(id=inst_id, title="Test instrument"))
    session.flush()
    v = InstrumentVersion(instrument_id=inst_id, version="1.0.0", content={"id": inst_id},
                          content_hash=f"h-{study_id}")
    session.add(v)
    for code in sites:
        s = Site(study_id=study_id, code=code, name=f"Site {code}", country="DE")
        session.add(s)
        session.flush()
        b.sites[code] = s.id
    for i, name in enumerate(stages):
        st = LifecycleStage(study_id=study_id, name=name, order=i + 1)
        session.add(st)
        session.flush()
        b.stages[name] = st.id
    session.flush()
    b.version_id = v.id
    for code, stage, due, window in timepoints:
        tp = Timepoint(study_id=study_id, code=code, stage_id=b.stages[stage], instrument_id=inst_id,
                       due_day=due, window_days=window)
        session.add(tp)
        session.flush()
        b.timepoints[code] = tp.id
    return b


def person(session: Session, b: Built, code: str, site: str, role: str = "patient", *,
           enrolled: dt.date = dt.date(2026, 1, 1), status: str = "active",
           status_date: dt.date | None = None) -> int:
    p = Participant(study_id=b.study_id, code=code, site_id=b.sites[site], role=role,
                    enrolled_on=enrolled, status=status, status_date=status_date or enrolled)
    session.add(p)
    session.flush()
    b.people[code] = p.id
    return p.id


def submit(session: Session, b: Built, code: str | None, tp: str, scores: dict, *,
           at: dt.datetime | None = None, comment: tuple[str, bool] | None = None) -> int:
    """scores: {indicator: value} or {(subscale, indicator): (value, n_answered, n_items)}."""
    b.n_subs += 1
    sub = Submission(study_id=b.study_id, external_id=f"{b.study_id}-sub{b.n_subs}",
                     participant_id=b.people[code] if code else None, timepoint_id=b.timepoints[tp],
                     instrument_version_id=b.version_id,
                     submitted_at=at or dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC), channel="form",
                     idempotency_key=f"{b.study_id}-k{b.n_subs}")
    session.add(sub)
    session.flush()
    for key, val in scores.items():
        subscale, indicator = key if isinstance(key, tuple) else (key, key)
        value, answered, items = val if isinstance(val, tuple) else (val, 4, 4)
        session.add(Score(submission_id=sub.id, subscale_id=subscale, indicator=indicator,
                          value=value, n_answered=answered, n_items=items))
    if comment:
        session.add(Comment(submission_id=sub.id, item_id="anything_else", text_raw=comment[0],
                            text_scrubbed=comment[0], may_quote=comment[1]))
    session.flush()
    score_summary.refresh(session, [sub.id])  # what the scorer does after writing Score rows
    return sub.id
