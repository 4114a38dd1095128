"""Load one study's participants, schedule, submissions, scores and comments into plain frames.

Everything after this module is pandas and numpy, so the maths is testable without a database.
Dates are whole days since 1970-01-01 (int64): comparisons on a 100,000-row frame stay cheap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.models import (
    Comment,
    LifecycleStage,
    Participant,
    ParticipantStatusHistory,
    Score,
    Site,
    Submission,
    Timepoint,
)
from engagement.schedule import instrument_audiences

EPOCH = dt.date(1970, 1, 1)
NEGATIVE_SENTIMENT = -0.05  # VADER's own convention: compound <= -0.05 reads as negative

PARTICIPANT_COLUMNS = ["pid", "code", "site_id", "site", "role", "enrolled", "status", "status_day"]
STATUS_COLUMNS = ["pid", "status", "day"]
SCHEDULE_COLUMNS = ["tp_id", "tp_code", "stage_order", "stage", "due_day", "window_days", "audience"]
SUBMISSION_COLUMNS = ["sub_id", "pid", "tp_id", "day"]
SCORE_COLUMNS = ["sub_id", "indicator", "value"]
COMMENT_COLUMNS = ["sub_id", "sentiment"]


def day(value: dt.date | dt.datetime | str) -> int:
    """A date (or the UTC date of a date-time) as whole days since 1970-01-01."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    return (value - EPOCH).days


def _utc_days(values: pd.Series) -> pd.Series:
    """day() for a column of aware date-times, vectorised (submissions are the largest table)."""
    if values.empty:
        return pd.Series(dtype="int64")
    stamps = pd.to_datetime(values, utc=True).dt.floor("D")
    return ((stamps - pd.Timestamp("1970-01-01", tz="UTC")).dt.days).astype("int64")


def to_date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


@dataclass
class RiskFrames:
    """One study's data, as plain frames (columns listed in the *_COLUMNS constants above)."""

    study_id: str
    participants: pd.DataFrame
    status: pd.DataFrame
    schedule: pd.DataFrame
    submissions: pd.DataFrame
    scores: pd.DataFrame
    comments: pd.DataFrame

    def last_day(self) -> int:
        """The last date the data speaks about: outcomes after it are not known yet."""
        candidates = [
            self.submissions["day"].max(),
            self.status["day"].max(),
            self.participants["status_day"].max(),
            self.participants["enrolled"].max(),
        ]
        known = [int(c) for c in candidates if pd.notna(c)]
        return max(known) if known else 0


def make_frames(
    study_id: str,
    participants: pd.DataFrame,
    status: pd.DataFrame | None,
    schedule: pd.DataFrame,
    submissions: pd.DataFrame,
    *,
    scores: pd.DataFrame | None = None,
    comments: pd.DataFrame | None = None,
) -> RiskFrames:
    """Build frames from hand-made tables (tests, benchmarks); dates may be dates or day numbers."""
    p = participants.copy()
    for col in ("enrolled", "status_day"):
        p[col] = _days(p[col])
    st = _empty(STATUS_COLUMNS) if status is None else status.copy()
    st["day"] = _days(st["day"])
    subs = submissions.copy()
    subs["day"] = _days(subs["day"])
    sched = schedule.copy()
    if "audience" not in sched.columns:
        sched["audience"] = None  # everyone
    return RiskFrames(
        study_id,
        p[PARTICIPANT_COLUMNS].reset_index(drop=True),
        st[STATUS_COLUMNS],
        sched[SCHEDULE_COLUMNS],
        subs[SUBMISSION_COLUMNS],
        _empty(SCORE_COLUMNS) if scores is None else scores[SCORE_COLUMNS].copy(),
        _empty(COMMENT_COLUMNS) if comments is None else comments[COMMENT_COLUMNS].copy(),
    )


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c in ("value", "sentiment") else "int64") for c in columns}
    )


def _days(col: pd.Series) -> pd.Series:
    if col.empty or pd.api.types.is_integer_dtype(col):
        return col.astype("int64")
    if pd.api.types.is_datetime64_any_dtype(col):
        return (col.values.astype("datetime64[D]").astype("int64")).astype("int64")
    return col.map(day).astype("int64")


def load_frames(session: Session, study_id: str) -> RiskFrames:
    """The one place the risk code reads the database."""
    people = session.execute(
        select(
            Participant.id,
            Participant.code,
            Participant.site_id,
            Site.code,
            Participant.role,
            Participant.enrolled_on,
            Participant.status,
            Participant.status_date,
        )
        .join(Site, Site.id == Participant.site_id)
        .where(Participant.study_id == study_id)
    ).all()
    participants = pd.DataFrame(people, columns=PARTICIPANT_COLUMNS)
    participants["enrolled"] = [day(d) for d in participants["enrolled"]]
    participants["status_day"] = [day(d) for d in participants["status_day"]]

    status = pd.DataFrame(
        session.execute(
            select(
                ParticipantStatusHistory.participant_id,
                ParticipantStatusHistory.status,
                ParticipantStatusHistory.effective_on,
            )
            .join(Participant, Participant.id == ParticipantStatusHistory.participant_id)
            .where(Participant.study_id == study_id)
        ).all(),
        columns=STATUS_COLUMNS,
    )
    status["day"] = [day(d) for d in status["day"]]

    schedule = pd.DataFrame(
        session.execute(
            select(
                Timepoint.id,
                Timepoint.code,
                LifecycleStage.order,
                LifecycleStage.name,
                Timepoint.due_day,
                Timepoint.window_days,
                Timepoint.instrument_id,
            )
            .join(LifecycleStage, LifecycleStage.id == Timepoint.stage_id)
            .where(Timepoint.study_id == study_id)
        ).all(),
        columns=SCHEDULE_COLUMNS,
    )
    schedule["audience"] = schedule["audience"].map(instrument_audiences(session, set(schedule["audience"])))

    subs = pd.DataFrame(
        session.execute(
            select(
                Submission.id, Submission.participant_id, Submission.timepoint_id, Submission.submitted_at
            ).where(Submission.study_id == study_id, Submission.participant_id.is_not(None))
        ).all(),
        columns=SUBMISSION_COLUMNS,
    )
    subs["day"] = _utc_days(subs["day"])
    subs["tp_id"] = subs["tp_id"].astype("float64")  # nullable: submissions outside the schedule

    scores = pd.DataFrame(
        session.execute(
            select(Score.submission_id, Score.indicator, Score.value)
            .join(Submission, Submission.id == Score.submission_id)
            .where(Submission.study_id == study_id, Submission.participant_id.is_not(None))
        ).all(),
        columns=SCORE_COLUMNS,
    )
    scores["value"] = scores["value"].astype("float64")

    rows = session.execute(
        select(Comment.submission_id, Comment.sentiment, Comment.text_scrubbed)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Submission.study_id == study_id, Submission.participant_id.is_not(None))
    ).all()
    comments = pd.DataFrame(
        {
            "sub_id": [r[0] for r in rows],
            "sentiment": [r[1] if r[1] is not None else sentiment(r[2]) for r in rows],
        },
        columns=COMMENT_COLUMNS,
    )
    comments["sentiment"] = comments["sentiment"].astype("float64")
    return RiskFrames(study_id, participants, status, schedule, subs, scores, comments)


@cache
def _analyzer():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=200_000)  # comment banks repeat sentences; VADER is the slow part of loading frames
def sentiment(text: str | None) -> float:
    """VADER compound score in [-1, 1], for comments stored without a sentiment."""
    if not text or not text.strip():
        return float("nan")
    return float(_analyzer().polarity_scores(text)["compound"])


def dates_between(first: int, last: int, step: int) -> np.ndarray:
    return np.arange(first, last + 1, step, dtype="int64")
