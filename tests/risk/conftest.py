"""Fixtures for the risk tests: write simulated or hand-made frames into the test database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from engagement import score_summary
from engagement.models import (
    Comment,
    Instrument,
    InstrumentVersion,
    LifecycleStage,
    Participant,
    ParticipantStatusHistory,
    Score,
    Site,
    Study,
    Submission,
    Timepoint,
)
from engagement.risk.frames import RiskFrames, to_date
from engagement.risk.simulate import simulate


def store_frames(session: Session, frames: RiskFrames, study_id: str = "RISK-T") -> dict[int, int]:
    """Insert frames as a study; returns frame pid -> database participant id."""
    session.add(Study(id=study_id, title="risk test study"))
    inst = session.get(Instrument, "risk-test") or Instrument(id="risk-test", title="risk test")
    session.add(inst)
    session.flush()
    version = InstrumentVersion(
        instrument_id=inst.id, version=f"1-{study_id}", content={}, content_hash=f"h-{study_id}"
    )
    session.add(version)
    p = frames.participants
    sites = {}
    for code in sorted(p["site"].unique()):
        sites[code] = Site(study_id=study_id, code=code, name=code, country="GB")
    session.add_all(sites.values())
    stages = {}
    for order, name in frames.schedule.drop_duplicates("stage_order")[["stage_order", "stage"]].itertuples(
        index=False
    ):
        stages[order] = LifecycleStage(study_id=study_id, name=name, order=int(order))
    session.add_all(stages.values())
    session.flush()
    tps = {}
    for r in frames.schedule.itertuples(index=False):
        tps[r.tp_id] = Timepoint(
            study_id=study_id,
            code=r.tp_code,
            stage_id=stages[r.stage_order].id,
            instrument_id=inst.id,
            due_day=int(r.due_day),
            window_days=int(r.window_days),
        )
    session.add_all(tps.values())
    people = {}
    for r in p.itertuples(index=False):
        people[r.pid] = Participant(
            study_id=study_id,
            code=r.code,
            site_id=0,
            role=r.role,
            enrolled_on=to_date(r.enrolled),
            status=r.status,
            status_date=to_date(r.status_day),
        )
        people[r.pid].site = sites[r.site]
    session.add_all(people.values())
    session.flush()
    pid_map = {k: v.id for k, v in people.items()}
    if len(frames.status):
        session.execute(
            insert(ParticipantStatusHistory),
            [
                {"participant_id": pid_map[r.pid], "status": r.status, "effective_on": to_date(r.day)}
                for r in frames.status.itertuples(index=False)
            ],
        )
    sub_map = _store_submissions(session, frames, study_id, version_id=version.id, pid_map=pid_map, tps=tps)
    if len(frames.scores):
        session.execute(
            insert(Score),
            [
                {
                    "submission_id": sub_map[r.sub_id],
                    "subscale_id": f"{r.indicator}_{i}",
                    "indicator": r.indicator,
                    "value": r.value,
                    "n_answered": 1,
                    "n_items": 1,
                }
                for i, r in enumerate(frames.scores.itertuples(index=False))
            ],
        )
        score_summary.refresh(session, sub_map.values())  # what the scorer does after writing Score rows
    if len(frames.comments):
        session.execute(
            insert(Comment),
            [
                {
                    "submission_id": sub_map[r.sub_id],
                    "item_id": "comment",
                    "text_raw": "x",
                    "text_scrubbed": "x",
                    "may_quote": False,
                    "sentiment": r.sentiment,
                }
                for r in frames.comments.itertuples(index=False)
            ],
        )
    session.flush()
    return pid_map


def _store_submissions(
    session: Session,
    frames: RiskFrames,
    study_id: str,
    *,
    version_id: int,
    pid_map: dict[int, int],
    tps: dict,
) -> dict[int, int]:
    rows = []
    for r in frames.submissions.itertuples(index=False):
        at = dt.datetime.combine(to_date(r.day), dt.time(10, 0), tzinfo=dt.UTC)
        rows.append(
            {
                "study_id": study_id,
                "external_id": f"{study_id}-{r.sub_id}",
                "participant_id": pid_map[r.pid],
                "timepoint_id": tps[int(r.tp_id)].id if pd.notna(r.tp_id) else None,
                "instrument_version_id": version_id,
                "submitted_at": at,
                "channel": "api",
                "idempotency_key": f"{study_id}-{r.sub_id}",
            }
        )
    if not rows:
        return {}
    session.execute(insert(Submission), rows)
    session.flush()
    from sqlalchemy import select

    ids = dict(
        session.execute(
            select(Submission.external_id, Submission.id).where(Submission.study_id == study_id)
        ).all()
    )
    return {int(k.rsplit("-", 1)[1]): v for k, v in ids.items()}


@pytest.fixture(scope="session")
def sim_frames() -> RiskFrames:
    return simulate(400, seed=11)


@pytest.fixture
def sim_study(session: Session, sim_frames: RiskFrames) -> str:
    store_frames(session, sim_frames, "RISK-T")
    return "RISK-T"


T_TINY = 1071  # the as-of day the tiny study is read at (day numbers since 1970-01-01)


def tiny_frames(offset: int = 0) -> RiskFrames:
    """Six people, four timepoints (due 0/28/56/84, window 14), enrolled on day 1000 (+ offset days).

    Expected values are worked out by hand in test_definition_features.py and test_rules_and_reasons.py.
    """
    from engagement.risk.frames import make_frames

    schedule = pd.DataFrame(
        {
            "tp_id": [1, 2, 3, 4],
            "tp_code": ["T0", "T1", "T2", "T3"],
            "stage_order": [1, 1, 2, 2],
            "stage": ["start", "start", "treat", "treat"],
            "due_day": [0, 28, 56, 84],
            "window_days": 14,
        }
    )
    people = pd.DataFrame(
        {
            "pid": [1, 2, 3, 4, 5, 6],
            "code": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "site_id": [1, 1, 2, 2, 1, 2],
            "site": ["S1", "S1", "S2", "S2", "S1", "S2"],
            "role": "patient",
            "enrolled": 1000,
            "status": "active",
            "status_day": 1000,
        }
    )
    people.loc[3, ["status", "status_day"]] = ["withdrawn", 1040]
    status = pd.DataFrame({"pid": [4], "status": ["withdrawn"], "day": [1040]})
    # (sub_id, pid, tp_id, day, burden, trust)
    subs = [
        (1, 1, 1, 1002, 40, 70),
        (2, 1, 2, 1030, 60, 50),
        (3, 2, 1, 1001, 30, 80),
        (4, 2, 2, 1029, 30, 80),
        (5, 2, 3, 1057, 32, 78),
        (6, 3, 1, 1003, 35, 75),
        (7, 3, 2, 1031, 33, 74),
        (8, 3, 3, 1060, 30, 76),
        (9, 4, 1, 1002, 50, 50),
        (10, 5, 1, 1005, 50, 60),
        (11, 6, 1, 1002, 45, 60),
        (12, 6, 2, 1030, 47, 62),
        (13, 6, 3, 1058, 44, 61),
    ]
    submissions = pd.DataFrame([s[:4] for s in subs], columns=["sub_id", "pid", "tp_id", "day"])
    submissions["tp_id"] = submissions["tp_id"].astype("float64")
    scores = pd.DataFrame(
        [(s[0], "burden", float(s[4])) for s in subs] + [(s[0], "trust", float(s[5])) for s in subs],
        columns=["sub_id", "indicator", "value"],
    )
    comments = pd.DataFrame({"sub_id": [1, 2, 3], "sentiment": [-0.6, -0.5, 0.4]})
    if offset:
        people[["enrolled", "status_day"]] += offset
        status["day"] += offset
        submissions["day"] += offset
    return make_frames("TINY", people, status, schedule, submissions, scores=scores, comments=comments)


@pytest.fixture
def tiny() -> RiskFrames:
    return tiny_frames()
