"""Loading one study's stored scores into compact frames, cached by data version and site scope.

The dashboard reruns on every widget change; reading ~1M score rows each time would take seconds. The
first reduction (one row per submission, one column per indicator) is stored beside the scores
(engagement/score_summary.py); it is read once and kept per (database, study, data version, site scope),
and every filter then works on that frame.
The data version changes with every audited write (the head of the hash-chained audit trail) and with the
row counts and highest ids of the tables read, so a cached frame never outlives the data it came from.
Answers are never read here: only the score summary, submissions, participants and the schedule.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from engagement import score_summary
from engagement.errors import fail
from engagement.schedule import instrument_audiences

ROLE_ORDER = ["patient", "caregiver", "advocate", "site_staff", "other"]
NO_SITE = "(no site)"
NO_ROLE = "(anonymous)"
CACHE_SIZE = 16
T = TypeVar("T")

_VERSION_SQL = text("""
SELECT (SELECT row_hash FROM audit_events ORDER BY id DESC LIMIT 1),
       (SELECT count(*) FROM submission_indicators), (SELECT max(submission_id) FROM submission_indicators),
       (SELECT count(*) FROM submissions), (SELECT max(id) FROM submissions),
       (SELECT count(*) FROM participants), (SELECT max(id) FROM participants),
       (SELECT count(*) FROM comments), (SELECT max(id) FROM comments)
""")


@dataclass(frozen=True)
class StudyFrames:
    """Everything the indicators need for one study, already limited to the viewer's sites."""

    study_id: str
    title: str
    stages: pd.DataFrame        # stage_id, stage, order
    sites: pd.DataFrame         # site_id, site (code), site_name
    timepoints: pd.DataFrame    # timepoint_id, timepoint, stage_id, stage, due_day, window_days
    participants: pd.DataFrame  # participant_id, site_id, site, role, enrolled_on, status, status_date
    grain: pd.DataFrame         # one row per submission x indicator (see _grain)
    submissions: pd.DataFrame   # submission_id, participant_id, timepoint_id, submitted_at, answered_frac


_VERSION_KEY = "indicators_data_version"
_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def data_version(session: Session) -> tuple:
    """Read once per service call (see new_call): a dashboard call asks for it many times."""
    memo = session.info.get(_VERSION_KEY)
    if memo is None:
        memo = session.info[_VERSION_KEY] = tuple(session.execute(_VERSION_SQL).one())
    return memo


def new_call(session: Session) -> None:
    """Start of a service call: the data may have changed since the last one, so ask again."""
    session.info.pop(_VERSION_KEY, None)


def study_frames(session: Session, study_id: str, scope: set[int] | frozenset[int] | None) -> StudyFrames:
    """The cached frames for this study and site scope (None: study-wide)."""
    return cached(session, "frames", study_id, scope, lambda: load_frames(session, study_id, scope))


def cached(session: Session, kind: str, study_id: str, scope: set[int] | frozenset[int] | None,
           build: Callable[[], T]) -> T:
    """build() once per (database, kind, study, data version, site scope); a small LRU beyond that."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)  # tests bind sessions to a Connection
    key = (engine.url.render_as_string(hide_password=True), id(engine), kind, study_id,
           data_version(session), None if scope is None else frozenset(scope))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def load_frames(session: Session, study_id: str, scope: set[int] | None) -> StudyFrames:
    title = session.execute(text("SELECT title FROM studies WHERE id = :s"), {"s": study_id}).scalar()
    if title is None:
        raise fail("X902", f"no study {study_id!r}", item=study_id)
    stages = _frame(session, "SELECT id AS stage_id, name AS stage, \"order\" FROM lifecycle_stages "
                    "WHERE study_id = :s ORDER BY \"order\"", study_id)
    sites = _frame(session, "SELECT id AS site_id, code AS site, name AS site_name FROM sites "
                   "WHERE study_id = :s ORDER BY code", study_id)
    if scope is not None:
        sites = sites[sites["site_id"].isin(scope)].reset_index(drop=True)
    timepoints = _timepoints(session, study_id, stages)
    participants = _participants(session, study_id, sites)
    submissions, grain = _scores(session, study_id, participants, timepoints, scope)
    return StudyFrames(study_id, title, stages, sites, timepoints, participants, grain, submissions)


def _frame(session: Session, sql: str, study_id: str) -> pd.DataFrame:
    result = session.execute(text(sql), {"s": study_id})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _timepoints(session: Session, study_id: str, stages: pd.DataFrame) -> pd.DataFrame:
    tp = _frame(session, "SELECT id AS timepoint_id, code AS timepoint, stage_id, due_day, window_days, "
                "instrument_id FROM timepoints WHERE study_id = :s", study_id)
    tp = tp.merge(stages, on="stage_id", how="left")
    tp["audience"] = tp["instrument_id"].map(instrument_audiences(session, set(tp["instrument_id"])))
    return tp.sort_values(["order", "due_day", "timepoint"]).reset_index(drop=True)


def _participants(session: Session, study_id: str, sites: pd.DataFrame) -> pd.DataFrame:
    # The pseudonymous code is deliberately not selected: nothing downstream may show it.
    cols = ["participant_id", "site_id", "role", "enrolled_on", "status", "status_date"]
    rows = raw_rows(session, "SELECT id, site_id, role, enrolled_on, status, status_date "
                "FROM participants WHERE study_id = :s", study_id)
    p = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(
        {"participant_id": np.array([], dtype=np.int64), "site_id": np.array([], dtype=np.int64),
         "role": np.array([], dtype=object), "enrolled_on": [], "status": np.array([], dtype=object),
         "status_date": []})
    p = p[p["site_id"].isin(sites["site_id"])]
    p = p.merge(sites[["site_id", "site"]], on="site_id", how="left")
    for col in ("enrolled_on", "status_date"):
        p[col] = _dates(p[col])
    return p.reset_index(drop=True)


def _dates(values: pd.Series) -> pd.Series:
    """Dates as datetime64[ns]: ISO strings (SQLite) or date objects (PostgreSQL), parsed by numpy
    in one pass (pd.to_datetime guesses a format per call and is several times slower)."""
    try:
        days = np.array(values.to_numpy(dtype=object), dtype="datetime64[D]")
    except (TypeError, ValueError):  # anything numpy cannot read: let pandas try
        return pd.to_datetime(values)
    return pd.Series(days.astype("datetime64[ns]"), index=values.index, name=values.name)


INDICATORS = score_summary.INDICATORS
# One row per submission, one column per indicator, kept beside the scores by their writers
# (engagement/score_summary.py): a cold view reads ~10^5 summary rows instead of grouping ~10^6 scores.
_PER_SUBMISSION = (
    f"SELECT submission_id, {', '.join(score_summary.COLUMNS)} FROM submission_indicators "
    "WHERE submission_id IN (SELECT id FROM submissions WHERE study_id = :s) ORDER BY submission_id")


def conn_dialect(session: Session) -> str:
    return session.connection().dialect.name


def raw_rows(session: Session, sql: str, study_id: str) -> list[tuple]:
    """Plain DBAPI rows (tuples): several times faster than Result rows for ~10^5 rows."""
    conn = session.connection()
    qmark = conn.dialect.paramstyle == "qmark"
    params: tuple | dict = (study_id,) if qmark else {"s": study_id}
    cursor = conn.connection.cursor()
    try:
        if ":s" not in sql:
            params = ()
        cursor.execute(sql.replace(":s", "?" if qmark else "%(s)s"), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def epoch_seconds(session: Session, column: str) -> str:
    """SQL for a UTC date-time column as whole seconds since 1970, truncated alike on both backends
    (SQLite stores naive UTC text; a plain cast on PostgreSQL would round up to the next second)."""
    if conn_dialect(session) == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(floor(extract(epoch FROM {column})) AS BIGINT)"


def per_submission(session: Session, study_id: str) -> np.ndarray:
    """Rows (submission id, mean score per INDICATORS, answered items, items), possibly with other
    studies' submissions too (callers keep theirs): the dashboard's indicators and its risk tile both
    start from this one pass over the scores, so it is read once per data version."""
    return cached(session, "per_submission", study_id, None, lambda: _per_submission(session, study_id))


def submission_rows(session: Session, study_id: str) -> np.ndarray:
    """The study's submissions as int64 rows (id, participant id or -1, timepoint id or -1, UTC seconds
    since 1970), read once per data version for the indicators and the risk tile alike."""

    def build() -> np.ndarray:
        # A study holding most rows is read faster by scanning the table than through its study index
        # (SQLite would take the index: a third slower); PostgreSQL's planner decides that itself.
        scan = " NOT INDEXED" if holds_most(session, study_id) and conn_dialect(session) == "sqlite" else ""
        rows = raw_rows(session, f"SELECT id, coalesce(participant_id, -1), coalesce(timepoint_id, -1), "
                        f"{epoch_seconds(session, 'submitted_at')} FROM submissions{scan} WHERE study_id = :s",
                        study_id)
        out = np.array(rows, dtype=np.int64).reshape(-1, 4)
        out.flags.writeable = False  # shared through the cache
        return out

    return cached(session, "submission_rows", study_id, None, build)


def holds_most(session: Session, study_id: str) -> bool:
    """Whether the study holds at least half of all submissions (the usual single-study deployment):
    then scanning a whole table in order is cheaper than looking the study's rows up one by one."""

    def build() -> bool:
        share = session.execute(text(
            "SELECT (SELECT count(*) FROM submissions WHERE study_id = :s), (SELECT count(*) FROM submissions)"),
            {"s": study_id}).one()
        return bool(share[1] and share[0] * 2 >= share[1])

    return cached(session, "holds_most", study_id, None, build)


_COMMENTS = ("SELECT c.id, c.submission_id, c.text_scrubbed, c.may_quote, c.sentiment, c.theme "
             "FROM comments c {join}ORDER BY c.submission_id, c.item_id")


def comment_rows(session: Session, study_id: str) -> list[tuple]:
    """(comment id, submission id, scrubbed text, may_quote, stored sentiment, stored theme), a
    submission's comments in item order, possibly with other studies' too (callers keep their
    submissions' rows): read once per data version for the dashboard's themes and its risk tile. Never
    the raw text."""
    join = "" if holds_most(session, study_id) else (
        "JOIN submissions sb ON sb.id = c.submission_id WHERE sb.study_id = :s ")
    return cached(session, "comment_rows", study_id, None,
                  lambda: raw_rows(session, _COMMENTS.format(join=join), study_id))


def _per_submission(session: Session, study_id: str) -> np.ndarray:
    sql = _PER_SUBMISSION
    if holds_most(session, study_id):
        sql = sql.replace("WHERE submission_id IN (SELECT id FROM submissions WHERE study_id = :s) ", "")
    out = np.array(raw_rows(session, sql, study_id), dtype=float).reshape(-1, len(INDICATORS) + 3)
    out.flags.writeable = False  # shared through the cache
    return out


def _scores(session: Session, study_id: str, participants: pd.DataFrame, timepoints: pd.DataFrame,
            scope: set[int] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    per = per_submission(session, study_id)  # rows of other studies drop out at get_indexer below
    rows = submission_rows(session, study_id)
    subs = pd.DataFrame({
        "submission_id": rows[:, 0],
        "participant_id": pd.array(np.where(rows[:, 1] < 0, 0, rows[:, 1]), dtype="Int64"),
        "timepoint_id": pd.array(np.where(rows[:, 2] < 0, 0, rows[:, 2]), dtype="Int64"),
        "submitted_at": pd.to_datetime(rows[:, 3], unit="s", utc=True)})
    subs.loc[rows[:, 1] < 0, "participant_id"] = pd.NA
    subs.loc[rows[:, 2] < 0, "timepoint_id"] = pd.NA
    known = subs["participant_id"].isin(participants["participant_id"]).to_numpy(dtype=bool)
    subs = subs[known if scope is not None else known | subs["participant_id"].isna().to_numpy()]
    subs = subs.reset_index(drop=True)
    row = pd.Index(subs["submission_id"]).get_indexer(per[:, 0].astype(np.int64))
    items = per[:, -1]
    frac = np.full(len(subs), np.nan)
    ok = (row >= 0) & (items > 0)
    frac[row[ok]] = per[ok, -2] / items[ok]
    subs["answered_frac"] = frac
    subs = _label(subs, participants, timepoints)
    return subs, _grain(per[:, 1:-2], row, subs, participants, timepoints)


def _grain(values: np.ndarray, row: np.ndarray, subs: pd.DataFrame, participants: pd.DataFrame,
           timepoints: pd.DataFrame) -> pd.DataFrame:
    """Submission x indicator rows carrying every label a filter or grouping needs, as categoricals."""
    take, kind, value = [], [], []
    for k in range(values.shape[1]):
        mask = (row >= 0) & ~np.isnan(values[:, k])
        take.append(row[mask])
        kind.append(np.full(int(mask.sum()), k))
        value.append(values[mask, k])
    idx = np.concatenate(take) if take else np.array([], dtype=np.int64)
    pid = subs["participant_id"].to_numpy(dtype="float64", na_value=np.nan)[idx]
    sub_id = subs["submission_id"].to_numpy(dtype=np.int64)[idx]
    at = subs["submitted_at"].dt.tz_localize(None).to_numpy()
    sub_month = (subs["submitted_at"].dt.year * 100 + subs["submitted_at"].dt.month).to_numpy()
    used = np.zeros(len(subs), dtype=bool)
    used[idx] = True
    months = np.unique(sub_month[used])  # per submission, not per grain row: a quarter of the work
    period = np.searchsorted(months, sub_month)[idx]
    at = at[idx]
    g = pd.DataFrame({
        # Anonymous submissions count as their own respondent (negative ids cannot collide with people).
        "person": np.where(np.isnan(pid), -sub_id, np.nan_to_num(pid)).astype(np.int64),
        "participant_id": pid, "submission_id": sub_id,
        "timepoint_id": subs["timepoint_id"].to_numpy(dtype="float64", na_value=np.nan)[idx],
        "submitted_at": pd.DatetimeIndex(at).tz_localize("UTC"),
        "indicator": pd.Categorical.from_codes(np.concatenate(kind) if kind else [], INDICATORS),
        "value": np.concatenate(value) if value else np.array([], dtype=float)})
    orders = {"site": [*sorted(participants["site"].dropna().unique()), NO_SITE],
              "role": [*ROLE_ORDER, NO_ROLE],
              "stage": list(timepoints.drop_duplicates("stage")["stage"].dropna()),
              "timepoint": list(timepoints["timepoint"])}
    for col, order in orders.items():
        codes, cats = _codes(subs[col], order)
        g[col] = pd.Categorical.from_codes(codes[idx], cats, ordered=True)
    g["period"] = pd.Categorical.from_codes(
        period, [f"{m // 100:04d}-{m % 100:02d}" for m in months], ordered=True)
    return g


def _label(subs: pd.DataFrame, participants: pd.DataFrame, timepoints: pd.DataFrame) -> pd.DataFrame:
    # One index lookup per key, then plain takes: four Series.map calls cost more than the rest.
    pid = subs["participant_id"].to_numpy(dtype="float64", na_value=np.nan)
    tid = subs["timepoint_id"].to_numpy(dtype="float64", na_value=np.nan)
    pi = pd.Index(participants["participant_id"].to_numpy(dtype="float64")).get_indexer(pid)
    ti = pd.Index(timepoints["timepoint_id"].to_numpy(dtype="float64")).get_indexer(tid)

    def take(values: pd.Series, at: np.ndarray, missing: object) -> np.ndarray:
        out = np.asarray(values.to_numpy(dtype=object)[np.maximum(at, 0)] if len(values) else
                         np.full(len(at), missing, dtype=object), dtype=object)
        out[at < 0] = missing
        return out

    return subs.assign(site=_fill(take(participants["site"], pi, np.nan), NO_SITE),
                       role=_fill(take(participants["role"], pi, np.nan), NO_ROLE),
                       stage=take(timepoints["stage"], ti, np.nan),
                       timepoint=take(timepoints["timepoint"], ti, np.nan))


def _fill(values: np.ndarray, missing: str) -> np.ndarray:
    values[pd.isna(values)] = missing
    return values


def _codes(values: pd.Series, order: list[str]) -> tuple[np.ndarray, list[str]]:
    """Category codes of values in the given order (unseen values appended), NaN as -1."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cats = [*order, *sorted(set(uniques) - set(order))]
    remap = pd.Index(cats).get_indexer(uniques)
    return np.where(codes >= 0, remap[codes] if len(remap) else codes, -1), cats


def _categorical(values: pd.Series, order: list[str]) -> pd.Categorical:
    extra = sorted(set(values.dropna().unique()) - set(order))
    return pd.Categorical(values, categories=[*order, *extra], ordered=True)
