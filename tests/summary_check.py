"""The per-submission indicator summary must equal grouping the stored scores afresh."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from engagement import score_summary


def stored_summary(session: Session) -> list[tuple]:
    cols = ", ".join(score_summary.COLUMNS)
    return [tuple(r) for r in session.execute(text(
        f"SELECT submission_id, {cols} FROM submission_indicators ORDER BY submission_id"))]


def assert_summary_in_step(session: Session) -> list[tuple]:
    """Returns the stored rows (never empty here: a test that checks nothing must not pass)."""
    session.flush()
    stored = stored_summary(session)
    assert stored, "no summary rows at all"
    assert stored == score_summary.grouped_from_scores(session)
    return stored
