"""Load one study's participants, schedule, submissions, scores and comments into plain frames.

Everything after this module is pandas and numpy, so the maths is testable without a database.
Dates are whole days since 1970-01-01 (int64): comparisons on a 100,000-row frame stay cheap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import indicators_data, themes
from engagement.models import LifecycleStage, Timepoint
from engagement.schedule import instrument_audiences

EPOCH = dt.date(1970, 1, 1)
NEGATIVE_SENTIMENT = -0.05  # VADER's own convention: compound <= -0.05 reads as negative
RISK_INDICATORS = ("burden", "trust", "engagement")  # the ones the features read
SECONDS_PER_DAY = 86_400

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


_PARTICIPANTS = ("SELECT p.id, p.code, p.site_id, s.code, p.role, p.enrolled_on, p.status, p.status_date "
                 "FROM participants p JOIN sites s ON s.id = p.site_id WHERE p.study_id = :s")
_STATUS = ("SELECT h.participant_id, h.status, h.effective_on FROM participant_status_history h "
           "JOIN participants p ON p.id = h.participant_id WHERE p.study_id = :s")


def load_frames(session: Session, study_id: str) -> RiskFrames:
    """The one place the risk code reads the database.

    Plain DBAPI rows and vectorised conversions, not ORM rows: the dashboard's risk tile loads a whole
    study on its first view. Scores arrive already reduced to one mean per submission and indicator,
    which is all the features use; that pass, the submissions and the comments are read through
    engagement.indicators_data's cache (keyed by data version), so the dashboard reads them once.
    """
    indicators_data.new_call(session)  # the data may have changed since this session last asked
    participants = pd.DataFrame(indicators_data.raw_rows(session, _PARTICIPANTS, study_id), columns=PARTICIPANT_COLUMNS)
    participants["enrolled"] = _day_numbers(participants["enrolled"])
    participants["status_day"] = _day_numbers(participants["status_day"])
    status = pd.DataFrame(indicators_data.raw_rows(session, _STATUS, study_id), columns=STATUS_COLUMNS)
    status["day"] = _day_numbers(status["day"])
    subs = _submissions(session, study_id)
    return RiskFrames(study_id, participants, status, _schedule(session, study_id), subs,
                      _scores(session, study_id, subs["sub_id"]), _comments(session, study_id, subs["sub_id"]))


def _schedule(session: Session, study_id: str) -> pd.DataFrame:
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
    return schedule


def _submissions(session: Session, study_id: str) -> pd.DataFrame:
    a = indicators_data.submission_rows(session, study_id)
    a = a[a[:, 1] >= 0]  # anonymous submissions belong to nobody's risk
    return pd.DataFrame({
        "sub_id": a[:, 0],
        "pid": a[:, 1],
        "tp_id": np.where(a[:, 2] < 0, np.nan, a[:, 2]),  # nullable: submissions outside the schedule
        "day": a[:, 3] // SECONDS_PER_DAY,  # floor: the UTC date, also before 1970
    }, columns=SUBMISSION_COLUMNS)


def _scores(session: Session, study_id: str, sub_ids: pd.Series) -> pd.DataFrame:
    """Long rows (sub_id, indicator, mean of its subscale scores) for the risk indicators only."""
    per = indicators_data.per_submission(session, study_id)
    mine = per[pd.Index(sub_ids).get_indexer(per[:, 0].astype(np.int64)) >= 0]
    values = mine[:, [1 + indicators_data.INDICATORS.index(i) for i in RISK_INDICATORS]]
    row, col = np.nonzero(~np.isnan(values))
    return pd.DataFrame({
        "sub_id": mine[row, 0].astype(np.int64),
        "indicator": pd.Categorical.from_codes(col, RISK_INDICATORS),  # codes: no strings to compare
        "value": values[row, col],
    }, columns=SCORE_COLUMNS)


def _comments(session: Session, study_id: str, sub_ids: pd.Series) -> pd.DataFrame:
    """Stored sentiment, else VADER on the scrubbed text; a submission's comments in item order, which
    decides "the last two comments" on a tie."""
    rows = indicators_data.comment_rows(session, study_id)
    sub = np.array([r[1] for r in rows], dtype=np.int64)
    mine = pd.Index(sub_ids).get_indexer(sub) >= 0  # the study's, and not anonymous
    return pd.DataFrame({
        "sub_id": sub[mine],
        "sentiment": np.array([r[4] if r[4] is not None else sentiment(r[2])
                               for r, m in zip(rows, mine, strict=True) if m], dtype="float64"),
    }, columns=COMMENT_COLUMNS)


def _day_numbers(values: pd.Series) -> np.ndarray:
    """day() for a column of dates (ISO text on SQLite, date objects on PostgreSQL), parsed by numpy."""
    try:
        return np.array(values.to_numpy(dtype=object), dtype="datetime64[D]").astype(np.int64)
    except (TypeError, ValueError):  # anything numpy cannot read (a date-time with a zone, say)
        return np.array([day(v) for v in values], dtype=np.int64)


def sentiment(text: str | None) -> float:
    """VADER compound score in [-1, 1], for comments stored without a sentiment (NaN when blank)."""
    if not text or not text.strip():
        return float("nan")
    return themes.compound(text)


def dates_between(first: int, last: int, step: int) -> np.ndarray:
    return np.arange(first, last + 1, step, dtype="int64")
