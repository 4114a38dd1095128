"""The per-submission indicator summary, kept in step with the Score rows it is derived from.

One row per scored submission: the mean of its subscale scores for each indicator (NULL where it has
none, or none that could be computed) and the items answered out of the items in its scored subscales.
Both writers of Score rows (the importer, engagement/ingest/chunk_writes.py, and the scoring service,
engagement/scoring.py) call refresh() for the submissions whose scores they just deleted or wrote, in the
same transaction, so the summary can never describe other scores than the ones stored. The database does
the grouping, so the summary is exactly what grouping the scores would give on either backend.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from engagement.db import in_parts
from engagement.instruments.model import INDICATORS

COLUMNS = (*INDICATORS, "n_answered", "n_items")
PART = 1000  # submissions per statement: well under every backend's bound-parameter limit

# avg() skips NULL scores; FILTER rather than avg(CASE ...): the same sums, ~15% less work in SQLite.
_GROUPED = ("SELECT submission_id, "
            + ", ".join(f"avg(value) FILTER (WHERE indicator = '{i}')" for i in INDICATORS)
            + ", sum(n_answered), sum(n_items) FROM scores ")
_IN = "WHERE submission_id IN :ids "
_RANGE = "WHERE submission_id BETWEEN :lo AND :hi "
RUN = 64  # consecutive ids from this many on are addressed as one range


def refresh(session: Session, submission_ids: Iterable[int]) -> None:
    """Rewrite the summary rows of these submissions from their Score rows as stored now (a submission
    left with no scores loses its row)."""
    ids = sorted({int(i) for i in submission_ids})
    conn = session.connection()
    runs, loose = _runs(ids)
    # An import's new submissions have consecutive ids: one range per run, not a list of 10^5 values
    # (on PostgreSQL the lists cost several times the grouping itself).
    for lo, hi in runs:
        _rewrite(conn, _RANGE, {"lo": lo, "hi": hi})
    for part in in_parts(loose, PART):
        _rewrite(conn, _IN, {"ids": part})


def _rewrite(conn: Connection, where: str, params: dict) -> None:
    expanding = [bindparam("ids", expanding=True)] if "ids" in params else []
    conn.execute(text("DELETE FROM submission_indicators " + where).bindparams(*expanding), params)
    conn.execute(text(f"INSERT INTO submission_indicators (submission_id, {', '.join(COLUMNS)}) "
                      + _GROUPED + where + "GROUP BY submission_id").bindparams(*expanding), params)


def _runs(ids: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """(ranges of at least RUN consecutive ids, the ids outside them), from sorted unique ids."""
    runs: list[tuple[int, int]] = []
    loose: list[int] = []
    start = 0
    for k in range(1, len(ids) + 1):
        if k == len(ids) or ids[k] != ids[k - 1] + 1:
            if k - start >= RUN:
                runs.append((ids[start], ids[k - 1]))
            else:
                loose.extend(ids[start:k])
            start = k
    return runs, loose


def grouped_from_scores(session: Session) -> list[tuple]:
    """Every submission's summary computed afresh from the scores, ordered by submission: what the
    stored summary must equal."""
    return [tuple(r) for r in session.execute(text(_GROUPED + "GROUP BY submission_id ORDER BY submission_id"))]
