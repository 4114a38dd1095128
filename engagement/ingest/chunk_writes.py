"""Writes of one chunk of checked responses: submissions, answers, audited edits, scores. Set-based.

New submissions and their answers go in with `bulk.insert_columns` (executemany / COPY); answers are sorted
by (submission, item) first so the unique index grows at its end. Answers of submissions already stored
are compared with the stored values in one merge; only real changes are written, each with an audit
event holding the old and the new value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from engagement import audit, score_summary
from engagement.db import in_parts
from engagement.ingest.bulk import insert_columns, none_for_nan
from engagement.models import Answer, Score, Submission
from engagement.scoring import score_answers

LOOKUP = 5000  # keys per IN (...): below SQLite's and PostgreSQL's bound-parameter limits
SCORE_COLUMNS = ("submission_id", "subscale_id", "indicator", "value", "n_answered", "n_items",
                 "missing_reason")


def submission_ids(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """idempotency key -> submission id, for the keys that are stored."""
    found: dict[str, int] = {}
    for part in in_parts(keys, LOOKUP):
        found.update(session.execute(select(Submission.idempotency_key, Submission.id)
                                     .where(Submission.idempotency_key.in_(part))).all())
    return found


def insert_answers(session: Session, sub: np.ndarray, items: np.ndarray, values: np.ndarray,
                   item_rank: np.ndarray) -> None:
    """New answers, sorted by (submission, item): the unique index then grows at its end."""
    order = np.lexsort((item_rank, sub))
    insert_columns(session, Answer.__table__, ("submission_id", "item_id", "value_num"),
                   [sub[order].tolist(), items[order].tolist(), none_for_nan(values[order])])


def stored_answers(session: Session, ids: Sequence[int]) -> pd.DataFrame:
    rows: list[tuple[int, str, float | None]] = []
    for part in in_parts(sorted(ids), LOOKUP):
        rows += session.execute(select(Answer.submission_id, Answer.item_id, Answer.value_num)
                                .where(Answer.submission_id.in_(part))).all()
    frame = pd.DataFrame(rows, columns=["sub", "item", "stored"])
    frame["stored"] = pd.to_numeric(frame["stored"], errors="coerce").astype(float)
    frame["is_stored"] = True
    return frame


def apply_edits(session: Session, actor: str, incoming: pd.DataFrame) -> tuple[int, set[int]]:
    """incoming: sub, item, value (float, NaN = blank), external (submission_id text). Returns the number of
    answers added or changed and the submissions they belong to."""
    merged = incoming.merge(stored_answers(session, incoming["sub"].unique().tolist()),
                            on=["sub", "item"], how="left")
    merged["is_stored"] = merged["is_stored"].notna()
    a, b = merged["value"].to_numpy(dtype=float), merged["stored"].to_numpy(dtype=float)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    changed = merged[~merged["is_stored"] | ~same]
    for r in changed.itertuples(index=False):
        new = None if np.isnan(r.value) else float(r.value)
        entity_id = f"{r.external}/{r.item}"
        if not r.is_stored:
            session.execute(insert(Answer), [{"submission_id": int(r.sub), "item_id": r.item,
                                              "value_num": new, "value_text": None}])
            audit.record(session, actor, "edit", "answer", entity_id, None, {"value": new},
                         "re-import added an answer")
        else:
            old = None if np.isnan(r.stored) else float(r.stored)
            session.execute(update(Answer).where(Answer.submission_id == int(r.sub), Answer.item_id == r.item)
                            .values(value_num=new))
            audit.record(session, actor, "edit", "answer", entity_id, {"value": old}, {"value": new},
                         "re-import changed the value")
    return len(changed), {int(s) for s in changed["sub"]}


# -------------------------------------------------------------------------------------------- scores


def store_scores(session: Session, answers: pd.DataFrame, instruments: dict[int, Any]) -> int:
    """Score rows, and their summary, for answers (sub, item, value, version) of submissions that have
    no Score rows yet."""
    written = _insert_scores(session, answers, instruments)
    score_summary.refresh(session, answers["sub"].unique())
    return written


def _insert_scores(session: Session, answers: pd.DataFrame, instruments: dict[int, Any]) -> int:
    frames = []
    for version, group in answers.groupby("version", sort=False):
        frame = pd.DataFrame({"submission_id": group["sub"].to_numpy(), "item_id": group["item"],
                              "value_num": group["value"].to_numpy()})
        frames.append(score_answers(frame, instruments[int(version)]))
    if not frames:
        return 0
    scores = pd.concat(frames, ignore_index=True)
    # sorted by the unique (submission_id, subscale_id) index, which then grows at its end
    scores = scores.sort_values(["submission_id", "subscale_id"], kind="stable")
    insert_columns(session, Score.__table__, SCORE_COLUMNS, [
        scores["submission_id"].astype(np.int64).tolist(), scores["subscale_id"].astype(str).tolist(),
        scores["indicator"].astype(str).tolist(), none_for_nan(scores["value"].to_numpy(dtype=float)),
        scores["n_answered"].astype(int).tolist(), scores["n_items"].astype(int).tolist(),
        scores["missing_reason"].astype(object).where(scores["missing_reason"].notna(), None).tolist()])
    return len(scores)


def rescore(session: Session, ids: Sequence[int], instruments: dict[int, Any]) -> int:
    """Delete and rebuild the Score rows of submissions from their stored answers."""
    written = 0
    for part in in_parts(sorted(set(ids)), LOOKUP):
        session.execute(delete(Score).where(Score.submission_id.in_(part)),
                        execution_options={"synchronize_session": False})
        versions = dict(session.execute(select(Submission.id, Submission.instrument_version_id)
                                        .where(Submission.id.in_(part))).all())
        rows = session.execute(select(Answer.submission_id, Answer.item_id, Answer.value_num)
                               .where(Answer.submission_id.in_(part))).all()
        answers = pd.DataFrame(rows, columns=["sub", "item", "value"])
        answers["value"] = pd.to_numeric(answers["value"], errors="coerce").astype(float)
        answers["version"] = answers["sub"].map(versions)
        for v in set(answers["version"]) - set(instruments):
            from engagement.instruments.registry import by_id

            instruments[int(v)] = by_id(session, int(v))[1]
        written += _insert_scores(session, answers, instruments)
        score_summary.refresh(session, part)  # also for a submission left without answers
    return written
