"""Theme labels stored with the comments they describe, and the model that gave them, one per study.

Fitting TF-IDF and NMF on every comment of a study took a fifth of a cold dashboard view at 20,000
participants, and labels moved whenever any answer arrived. The writers of comments now keep them
labelled, in the same transaction as the comments:
- an import that adds or changes comments refits the study's model on all of its comments and relabels
  them all (refresh);
- a comment from the form is labelled by the stored model, unless the study has no model yet or holds
  REFIT_GROWTH times the comments the model was fitted on: then the study is refitted (label_new).
Every comment of a study so carries a label of the same model. Readers (engagement/indicators_text.py)
use the stored labels and fit afresh only for a study with an unlabelled comment (stored before
migration 0006, or written outside these services); `engagement db upgrade` labels those
(label_unlabelled), and `python -m engagement themes --study ID` refits a study on demand (refit).

The model is fitted on the scrubbed texts of the whole study, in the order the dashboard reads them
(person, then submission, then item), with the study's letter-only participant codes excluded from its
words; labels are its top terms, counts per theme stay suppressed per viewer by the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from engagement import audit, themes
from engagement.db import in_parts
from engagement.errors import fail
from engagement.models import Comment, Participant, Study, Submission, ThemeModelRow
from engagement.permissions import Action, Viewer
from engagement.types import utcnow

REFIT_GROWTH = 1.25  # form comments: refit once the study holds a quarter more comments than fitted on
PART = 1000  # ids per UPDATE: well under every backend's bound-parameter limit

_STUDY_COMMENTS = text(
    "SELECT c.id, c.text_scrubbed FROM comments c JOIN submissions s ON s.id = c.submission_id "
    "WHERE s.study_id = :s "
    # The dashboard's own order (indicators_text._in_scope): anonymous first, then by person.
    "ORDER BY (s.participant_id IS NOT NULL), s.participant_id, c.submission_id, c.item_id")


def refresh(session: Session, study_id: str) -> dict[str, int]:
    """Fit the study's model on all of its comments and relabel every one; comments per label."""
    session.flush()  # comments added through the ORM must be read back
    rows = session.execute(_STUDY_COMMENTS, {"s": study_id}).all()
    texts = pd.Series([r[1] for r in rows], dtype=object)
    model, by_text = themes.fit(texts, exclude=letter_codes(session, study_id))
    labels = [by_text.get(t, themes.OTHER) for t in texts]
    _write_labels(session, [r[0] for r in rows], labels)
    row = session.get(ThemeModelRow, study_id)
    if row is None:
        row = ThemeModelRow(study_id=study_id)
        session.add(row)
    row.n_comments, row.model, row.fitted_at = len(rows), None if model is None else model.as_json(), utcnow()
    session.flush()
    return pd.Series(labels, dtype=object).value_counts().to_dict() if labels else {}


def label_new(session: Session, study_id: str, comment_ids: Iterable[int]) -> None:
    """Label comments just written to this study with its stored model (or refit, see module notes)."""
    ids = sorted({int(i) for i in comment_ids})
    if not ids:
        return
    session.flush()
    row = session.get(ThemeModelRow, study_id)
    total = session.scalar(select(func.count(Comment.id)).join(Submission, Submission.id == Comment.submission_id)
                           .where(Submission.study_id == study_id)) or 0
    if row is None or row.model is None or total >= REFIT_GROWTH * row.n_comments:
        refresh(session, study_id)
        return
    found = session.execute(select(Comment.id, Comment.text_scrubbed).where(Comment.id.in_(ids))).all()
    labels = themes.ThemeModel.from_json(row.model).label(pd.Series([t for _, t in found], dtype=object))
    _write_labels(session, [i for i, _ in found], labels.tolist())


def refresh_for_submissions(session: Session, submission_ids: Iterable[int]) -> None:
    """Refit every study these submissions belong to (an import that added or changed their comments)."""
    ids = sorted({int(i) for i in submission_ids})
    studies: set[str] = set()
    for part in in_parts(ids, PART):
        studies.update(session.scalars(select(Submission.study_id).distinct().where(Submission.id.in_(part))))
    for study_id in sorted(studies):
        refresh(session, study_id)


def refit(session: Session, viewer: Viewer, study_id: str) -> dict[str, int]:
    """The service behind `python -m engagement themes`: refit a study's themes now, audited."""
    viewer.require(Action.manage_study, study_id)
    if session.get(Study, study_id) is None:
        raise fail("X902", f"no study {study_id!r}", item=study_id)
    return _audited_refresh(session, viewer, study_id, "themes refitted on request")


def label_unlabelled(session: Session, viewer: Viewer) -> list[str]:
    """Refit every study with a comment that has no theme (stored before themes were kept); the studies."""
    studies = sorted(session.scalars(
        select(Submission.study_id).distinct().join(Comment, Comment.submission_id == Submission.id)
        .where(Comment.theme.is_(None))))
    for study_id in studies:
        _audited_refresh(session, viewer, study_id, "comments stored before themes were kept")
    return studies


def _audited_refresh(session: Session, viewer: Viewer, study_id: str, reason: str) -> dict[str, int]:
    """refresh() as a write of its own (not part of an import or a form submission): one audit event."""
    counts = refresh(session, study_id)
    audit.record(session, viewer.username, "refit", "themes", study_id, None, {"comments_per_theme": counts},
                 reason=reason)
    return counts


def letter_codes(session: Session, study_id: str) -> frozenset[str]:
    """The study's participant codes made only of letters, lower case: never a theme word."""
    codes = session.scalars(select(Participant.code).where(Participant.study_id == study_id))
    return frozenset(c.lower() for c in codes if c.isalpha())


def _write_labels(session: Session, ids: list[int], labels: list[str]) -> None:
    by_label: dict[str, list[int]] = {}
    for i, label in zip(ids, labels, strict=True):
        by_label.setdefault(label, []).append(int(i))
    table = Comment.__table__
    stmt = update(table).where(table.c.id.in_(bindparam("ids", expanding=True))).values(theme=bindparam("t"))
    conn = session.connection()
    for label, members in by_label.items():  # a handful of labels: one statement per label and part
        for part in in_parts(members, PART):
            conn.execute(stmt, {"ids": part, "t": label})
