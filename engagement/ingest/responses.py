"""Validate long responses + comments against the database, then write them idempotently, chunk by chunk.

Frames have the columns of the bundle's responses.csv and comments.csv (strings or categoricals), plus
`_row` (the source row) and optionally `_file` and `_column` for third-party sources. A submission's
idempotency key is "<study_id>/<submission_id>", so the same data imported twice (from any channel) lands
once; a changed answer is updated and recorded as an edit with old and new values.

`ResponseIngest` takes responses in chunks (any number, any order of rows) and keeps only compact
per-submission state between them: an ordinal per submission_id, its header hash, instrument version,
database id and whether it is new; plus the exact (submission, item) keys as sorted int64 runs. Each chunk
is checked, then written in the caller's transaction while no problem has been found; the caller rolls
back when `finish` reports problems, so a file lands whole or not at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit, theme_store
from engagement.bundle.checks import ROW, Budget, categories_and_codes, check_cells, parse_utc
from engagement.bundle.spec import FileSpec
from engagement.errors import EngagementError, Report
from engagement.ingest import chunk_checks as cc
from engagement.ingest import chunk_writes as cw
from engagement.ingest.bulk import datetime_texts, insert_rows, insert_with_ids
from engagement.models import Comment, InstrumentVersion, Participant, Submission, Timepoint
from engagement.themes import stored_sentiment

COLUMNS = ("submission_id", "study_id", "participant_id", "timepoint_id", "instrument_id",
           "instrument_version", "submitted_at", "item_id", "value")


@dataclass
class StudyContext:
    """What responses may refer to: the database's entities plus those arriving in the same bundle."""

    participants: dict[str, dict[str, int | None]] = field(default_factory=dict)  # study -> code -> id
    timepoints: dict[str, dict[str, int | None]] = field(default_factory=dict)
    studies: set[str] = field(default_factory=set)


@dataclass
class ResponseCounts:
    submissions_added: int = 0
    submissions_unchanged: int = 0
    submissions_changed: int = 0
    answers_added: int = 0
    answers_changed: int = 0
    comments_added: int = 0
    comments_changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def idempotency_key(study_id: str, submission_id: str) -> str:
    return f"{study_id}/{submission_id}"


class VersionCache:
    """Instrument versions named by responses, loaded from the database on first use."""

    def __init__(self, session: Session) -> None:
        self.session, self.found = session, {}  # type: ignore[var-annotated]

    def get(self, key: tuple[str, str], default: Any = None) -> tuple[int, Any] | None:
        from engagement.instruments.registry import from_row

        if key not in self.found:
            row = self.session.scalar(select(InstrumentVersion).where(
                InstrumentVersion.instrument_id == key[0], InstrumentVersion.version == key[1]))
            self.found[key] = None if row is None else (row.id, from_row(row))
        return self.found[key] if self.found[key] is not None else default


def load_versions(session: Session, responses: pd.DataFrame) -> dict[tuple[str, str], tuple[int, object]]:
    cache = VersionCache(session)
    wanted = set(zip(responses["instrument_id"].astype(str), responses["instrument_version"].astype(str),
                     strict=True))
    return {k: v for k in wanted if (v := cache.get(k)) is not None}


def context_from_db(session: Session, study_ids: Iterable[str]) -> StudyContext:
    ctx = StudyContext(studies=set(study_ids))
    for sid in ctx.studies:
        ctx.participants[sid] = dict(session.execute(
            select(Participant.code, Participant.id).where(Participant.study_id == sid)).all())
        ctx.timepoints[sid] = dict(session.execute(
            select(Timepoint.code, Timepoint.id).where(Timepoint.study_id == sid)).all())
    return ctx


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    for column in COLUMNS:
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str).astype("category")
    return frame


class _State:
    """Per-submission arrays indexed by ordinal (the order submission_ids were first seen in)."""

    FIELDS = (("header", np.uint64), ("version", np.int32), ("db_id", np.int64), ("is_new", bool),
              ("first_chunk", np.int32))

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.n = 0
        for name, dtype in self.FIELDS:
            setattr(self, name, np.zeros(1024, dtype=dtype))

    def ordinals(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Per-row ordinals, and the ordinals first seen in these rows."""
        uniques, codes = categories_and_codes(values)
        known = np.fromiter((self.index.get(s, -1) for s in uniques), dtype=np.int64, count=len(uniques))
        used = np.bincount(codes, minlength=len(uniques)) > 0
        fresh = np.flatnonzero((known < 0) & used)
        known[fresh] = np.arange(self.n, self.n + len(fresh))
        self.index.update(zip(uniques[fresh].tolist(), known[fresh].tolist(), strict=True))
        self._grow(self.n + len(fresh))
        self.n += len(fresh)
        return known[codes], known[fresh]

    def _grow(self, size: int) -> None:
        capacity = len(self.header)  # type: ignore[has-type]
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2
        for name, _ in self.FIELDS:
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)


class ResponseIngest:
    """Check (mode "check"), check and count new submissions ("count"), or check and write ("write")."""

    def __init__(self, session: Session, report: Report, ctx: StudyContext | None, versions: Any, *,
                 mode: str = "write", actor: str = "", channel: str = "", file: str = "responses.csv",
                 comments_file: str = "comments.csv", cells: FileSpec | None = None) -> None:
        self.session, self.report, self.ctx, self.versions, self.mode = session, report, ctx, versions, mode
        self.actor, self.channel = actor, channel
        # date-times are checked once per distinct value with the parse that also feeds the writes
        self.cells = None if cells is None else replace(
            cells, types={k: v for k, v in cells.types.items() if v != "datetime"})
        self.where, self.comments_where = cc.Where(file, report), cc.Where(comments_file, report, Budget())
        self.state, self.keys, self.items = _State(), cc.KeySet(), {}  # type: ignore[var-annotated]
        self.version_idx: dict[tuple[str, str], int] = {}
        self.instruments: list[Any] = []
        self.version_ids: list[int] = []
        self.counts = ResponseCounts()
        self.touched: set[int] = set()  # stored submissions whose answers changed
        self.commented: set[int] = set()  # stored submissions whose comments changed
        self.rescore: set[int] = set()  # new submissions whose rows came in more than one chunk
        self.had_submissions: dict[str, bool] = {}
        self.chunk_no = 0
        self.rows = 0

    # ------------------------------------------------------------------------------------- chunks

    def _version_of(self, key: tuple[str, str]) -> int:
        if key not in self.version_idx:
            found = self.versions.get(key)
            self.version_idx[key] = -1 if found is None else len(self.instruments)
            if found is not None:
                self.version_ids.append(found[0])
                self.instruments.append(found[1])
        return self.version_idx[key]

    def add(self, frame: pd.DataFrame) -> None:
        frame = _categorical(frame)
        self._times = self._parse_times(frame)
        if self.cells is not None:
            check_cells(frame, self.cells, self.report, budget=self.where.budget, duplicates=False)
        st = self.state
        ords, fresh = st.ordinals(frame["submission_id"])
        first_pos = self._first_positions(ords, fresh)
        version = cc.version_index(frame, self._version_of)
        hashes = cc.header_hashes(frame)
        st.header[fresh], st.version[fresh] = hashes[first_pos], version[first_pos]
        st.first_chunk[fresh] = self.chunk_no
        if self.ctx is not None:
            cc.check_refs(frame, self.ctx, self.where)
            cc.check_versions(frame, version, self.where)
            cc.check_items_and_values(frame, version, self.instruments, self.where)
        cc.report_inconsistent(frame, ords, hashes, st.header[ords], self.where)
        cc.check_duplicates(frame, (ords << cc.KeySet.ITEM_BITS) | self._item_ordinals(frame),
                            self.keys, self.where)
        if self.mode != "check" and self.report.ok:
            self._lookup(frame, fresh, first_pos)
        if self.mode == "write" and self.report.ok:
            self._write(frame, ords, fresh, first_pos)
        self.chunk_no += 1
        self.rows += len(frame)

    @staticmethod
    def _first_positions(ords: np.ndarray, fresh: np.ndarray) -> np.ndarray:
        """Row position of the first row of each fresh ordinal (fresh ordinals are consecutive)."""
        if not len(fresh):
            return np.zeros(0, dtype=np.int64)
        positions = np.full(len(fresh), -1, dtype=np.int64)
        rel = ords - fresh[0]
        mine = np.flatnonzero((rel >= 0) & (rel < len(fresh)))
        rel_mine = rel[mine]
        # the first occurrence wins: assign in reverse so earlier rows overwrite later ones
        positions[rel_mine[::-1]] = mine[::-1]
        return positions

    def _item_ordinals(self, frame: pd.DataFrame) -> np.ndarray:
        uniques, codes = categories_and_codes(frame["item_id"])
        for item in uniques:
            self.items.setdefault(item, len(self.items))
        lookup = np.fromiter((self.items[i] for i in uniques), dtype=np.int64, count=len(uniques))
        return lookup[codes]

    def _lookup(self, frame: pd.DataFrame, fresh: np.ndarray, first_pos: np.ndarray) -> None:
        """Which submissions first seen in this chunk are already stored (re-import) and which are new."""
        st = self.state
        keys = self._keys(frame, first_pos)
        studies = np.asarray(frame["study_id"].to_numpy()[first_pos], dtype=object).tolist()
        stored = cw.submission_ids(self.session, [k for k, s in zip(keys, studies, strict=True)
                                                  if self._may_exist(s)])
        ids = np.array([stored.get(k, 0) for k in keys], dtype=np.int64)
        st.db_id[fresh], st.is_new[fresh] = ids, ids == 0
        self.counts.submissions_added += int((ids == 0).sum())

    def _may_exist(self, study: str) -> bool:
        """False for a study with no submission stored before this import began (a first import of a
        study then needs no look-ups); fresh ordinals are never ones this import wrote."""
        if study not in self.had_submissions:
            self.had_submissions[study] = self.session.scalar(
                select(Submission.id).where(Submission.study_id == study).limit(1)) is not None
        return self.had_submissions[study]

    @staticmethod
    def _keys(frame: pd.DataFrame, positions: np.ndarray) -> list[str]:
        study = np.asarray(frame["study_id"].to_numpy()[positions], dtype=object)
        sub = np.asarray(frame["submission_id"].to_numpy()[positions], dtype=object)
        return [idempotency_key(s, x) for s, x in zip(study.tolist(), sub.tolist(), strict=True)]

    # -------------------------------------------------------------------------------------- writes

    def _write(self, frame: pd.DataFrame, ords: np.ndarray, fresh: np.ndarray, first_pos: np.ndarray) -> None:
        st = self.state
        new_fresh = st.is_new[fresh]
        if new_fresh.any():
            # in idempotency-key order, so the unique key index grows in runs rather than at random
            positions, new_ords = first_pos[new_fresh], fresh[new_fresh]
            order = np.argsort(np.array(self._keys(frame, positions), dtype=object), kind="stable")
            st.db_id[new_ords[order]] = self._insert_submissions(frame, positions[order], new_ords[order])
        sub = st.db_id[ords]
        is_new = st.is_new[ords]
        x = cc.numbers(frame["value"])
        items = np.asarray(frame["item_id"].to_numpy(), dtype=object)
        if is_new.any():
            rank = self._item_rank(frame)
            cw.insert_answers(self.session, sub[is_new], items[is_new], x[is_new], rank[is_new])
            self.counts.answers_added += int(is_new.sum())
            self._score_new(ords, sub, items, x, is_new)
        if not is_new.all():
            old = ~is_new
            incoming = pd.DataFrame({"sub": sub[old], "item": items[old], "value": x[old],
                                     "external": np.asarray(frame["submission_id"].to_numpy(),
                                                            dtype=object)[old]})
            n, subs = cw.apply_edits(self.session, self.actor, incoming)
            self.counts.answers_changed += n
            self.touched |= subs

    def _item_rank(self, frame: pd.DataFrame) -> np.ndarray:
        """Per row: the rank of its item id in sorted order (answers go in sorted by submission, item)."""
        uniques, codes = categories_and_codes(frame["item_id"])
        ranks = np.empty(len(uniques), dtype=np.int64)
        ranks[np.argsort(uniques.astype(str))] = np.arange(len(uniques))
        return ranks[codes]

    def _score_new(self, ords: np.ndarray, sub: np.ndarray, items: np.ndarray, x: np.ndarray,
                   is_new: np.ndarray) -> None:
        """Score new submissions first seen in this chunk; ones that began in an earlier chunk are rescored
        from the database at the end (their earlier rows are no longer in memory)."""
        st = self.state
        here = is_new & (st.first_chunk[ords] == self.chunk_no)
        self.rescore.update(np.unique(sub[is_new & ~here]).tolist())
        if here.any():
            answers = pd.DataFrame({"sub": sub[here], "item": items[here], "value": x[here],
                                    "version": np.asarray(self.version_ids)[st.version[ords[here]]]})
            cw.store_scores(self.session, answers, self._instruments_by_id())

    def _instruments_by_id(self) -> dict[int, Any]:
        return dict(zip(self.version_ids, self.instruments, strict=True))

    def _insert_submissions(self, frame: pd.DataFrame, positions: np.ndarray, ords: np.ndarray) -> np.ndarray:
        def col(name: str) -> list[str]:
            return np.asarray(frame[name].to_numpy()[positions], dtype=object).tolist()

        study, ext = col("study_id"), col("submission_id")
        part, tp = col("participant_id"), col("timepoint_id")
        ctx = self.ctx or StudyContext()
        version = np.asarray(self.version_ids)[self.state.version[ords]].tolist()
        stamps = self._timestamps(frame, positions)
        created = datetime_texts(self.session, np.array([np.datetime64("now", "us")])) * len(positions)
        keys = [idempotency_key(s, x) for s, x in zip(study, ext, strict=True)]
        people = [ctx.participants[s].get(p) if p else None for s, p in zip(study, part, strict=True)]
        rows = list(zip(study, ext, people,
                   [ctx.timepoints[s].get(t) if t else None for s, t in zip(study, tp, strict=True)],
                   version, stamps, [self.channel] * len(keys), keys, created, strict=True))
        ids = insert_with_ids(self.session, Submission.__table__,
                              ("study_id", "external_id", "participant_id", "timepoint_id",
                               "instrument_version_id", "submitted_at", "channel", "idempotency_key",
                               "created_at"), rows)
        return np.array(ids, dtype=np.int64)

    def _parse_times(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """submitted_at parsed once per distinct value (B107 reported here when cells are checked)."""
        uniques, codes = categories_and_codes(frame["submitted_at"])
        utc, bad = parse_utc(uniques)
        if self.cells is not None:
            self.where.flag(frame, bad[codes], "B107", "submitted_at",
                              "expected an ISO 8601 date-time with Z or a UTC offset")
        return utc, codes

    def _timestamps(self, frame: pd.DataFrame, positions: np.ndarray) -> list[str]:
        utc, codes = self._times
        return datetime_texts(self.session, utc[codes[positions]])

    # -------------------------------------------------------------------------------------- finish

    def finish(self, comments: pd.DataFrame | None = None) -> tuple[ResponseCounts, list[int]]:
        """Comments, closing problem counts and rescoring; raises EngagementError when problems were found
        (the caller's transaction must then be rolled back)."""
        comments = comments if comments is not None else pd.DataFrame(columns=["submission_id", "item_id"])
        if self.ctx is not None and not comments.empty:
            self._check_comments(comments)
        self.where.budget.summarise(self.report)
        self.comments_where.budget.summarise(self.report)
        self.report.raise_if_errors()
        if self.mode == "write":
            if not comments.empty:
                self._write_comments(comments)
            redo = sorted(self.rescore | self.touched)
            if redo:
                cw.rescore(self.session, redo, self._instruments_by_id())
        c = self.counts
        c.submissions_changed = len(self.touched | self.commented)
        c.submissions_unchanged = self.state.n - c.submissions_added - c.submissions_changed
        return c, sorted(self.touched | self.commented)

    def _comment_ordinals(self, comments: pd.DataFrame) -> np.ndarray:
        return comments["submission_id"].map(self.state.index).fillna(-1).to_numpy(dtype=np.int64)

    def _check_comments(self, comments: pd.DataFrame) -> None:
        frame = comments.reset_index(drop=True)
        ords = self._comment_ordinals(frame)
        self.comments_where.flag(frame, ords < 0, "B119", "submission_id",
                                   "no responses.csv row has this submission_id")
        version = np.where(ords >= 0, self.state.version[np.maximum(ords, 0)], -1)
        bad = np.zeros(len(frame), dtype=bool)
        for v, item in set(zip(version.tolist(), frame["item_id"].tolist(), strict=True)):
            if v < 0:
                continue
            inst = self.instruments[v]
            if not inst.has_item(item) or inst.item(item).type != "text":
                bad |= (version == v) & (frame["item_id"] == item).to_numpy()
        for pos in np.flatnonzero(bad):
            v = self.instruments[version[pos]]
            self.comments_where.flag(frame, np.arange(len(frame)) == pos, "B117", "item_id",
                                       f"instrument {v.id} {v.version} has no free-text item "
                                       f"{frame['item_id'].iat[pos]!r}")

    def _write_comments(self, comments: pd.DataFrame) -> None:
        before = (self.counts.comments_added, self.counts.comments_changed)
        self._store_comments(comments)
        if (self.counts.comments_added, self.counts.comments_changed) != before:
            # Labels come from one model per study, fitted on all of its comments (theme_store); a
            # re-import that changes no comment leaves them as they are.
            theme_store.refresh_for_submissions(self.session, self.state.db_id[self._comment_ordinals(comments)])

    def _store_comments(self, comments: pd.DataFrame) -> None:
        from engagement.roster import study_roster
        from engagement.scrubbing import scrub

        roster = study_roster(self.session, self.ctx.participants)  # this import's participants included
        frame = comments.reset_index(drop=True)
        ords = self._comment_ordinals(frame)
        sub = self.state.db_id[ords]
        may_quote = (frame["may_quote"].astype(str).str.lower() == "true").to_numpy()
        new = self.state.is_new[ords]
        texts = frame["text"].astype(str).tolist()
        if new.any():
            pos = np.flatnonzero(new)
            scrubbed = {p: scrub(texts[p], roster).text for p in pos}
            insert_rows(self.session, Comment.__table__,
                        ("submission_id", "item_id", "text_raw", "text_scrubbed", "may_quote", "sentiment"),
                        [(int(sub[p]), frame["item_id"].iat[p], texts[p], scrubbed[p], bool(may_quote[p]),
                          stored_sentiment(scrubbed[p])) for p in pos])
            self.counts.comments_added += len(pos)
        for p in np.flatnonzero(~new):
            self._upsert_comment(int(sub[p]), frame["submission_id"].iat[p], frame["item_id"].iat[p],
                                 texts[p], bool(may_quote[p]), roster, scrub)

    def _upsert_comment(self, sid: int, ext: str, item_id: str, text: str, may_quote: bool,
                        roster: Any, scrub: Any) -> None:
        existing = self.session.scalar(select(Comment).where(Comment.submission_id == sid,
                                                             Comment.item_id == item_id))
        if existing is None:
            scrubbed = scrub(text, roster).text
            self.session.add(Comment(submission_id=sid, item_id=item_id, text_raw=text, text_scrubbed=scrubbed,
                                     may_quote=may_quote, sentiment=stored_sentiment(scrubbed)))
            self.session.flush()
            self.counts.comments_added += 1
            self.commented.add(sid)
        elif existing.text_raw != text or existing.may_quote != may_quote:
            old = {"text_scrubbed": existing.text_scrubbed, "may_quote": existing.may_quote}
            existing.text_raw, existing.may_quote = text, may_quote
            existing.text_scrubbed = scrub(text, roster).text
            existing.sentiment = stored_sentiment(existing.text_scrubbed)
            audit.record(self.session, self.actor, "edit", "comment", f"{ext}/{item_id}", old,
                         {"text_scrubbed": existing.text_scrubbed, "may_quote": may_quote},
                         "re-import changed the comment")
            self.counts.comments_changed += 1
            self.commented.add(sid)


# ------------------------------------------------------------------------ frame-at-once entry points


def check_responses(
        responses: pd.DataFrame, comments: pd.DataFrame, ctx: StudyContext,
                    versions: Any, report: Report, file: str = "responses.csv",
                    comments_file: str = "comments.csv") -> None:
    """Check whole frames (third-party readers give them whole); problems go to the report."""
    ingest = ResponseIngest(None, report, ctx, versions, mode="check", file=file,  # type: ignore[arg-type]
                            comments_file=comments_file)
    if not responses.empty:
        ingest.add(responses)
    with contextlib.suppress(EngagementError):  # the problems are in the report the caller gave
        ingest.finish(comments)


def write_responses(session: Session, actor: str, channel: str, responses: pd.DataFrame, comments: pd.DataFrame,
                    ctx_ids: StudyContext, versions: Any) -> tuple[ResponseCounts, list[int]]:
    """Write checked frames (scoring included). Returns counts and the ids of stored submissions changed."""
    ingest = ResponseIngest(session, Report(), ctx_ids, versions, mode="write", actor=actor, channel=channel)
    if not responses.empty:
        ingest.add(responses)
    return ingest.finish(comments)


def counts_into(counts: dict[str, dict[str, int]], c: ResponseCounts) -> None:
    counts["submission"] = {"added": c.submissions_added, "changed": c.submissions_changed,
                            "unchanged": c.submissions_unchanged}
    counts["answer"] = {"added": c.answers_added, "changed": c.answers_changed}
    counts["comment"] = {"added": c.comments_added, "changed": c.comments_changed}


def write_and_score(session: Session, actor: str, channel: str, responses: pd.DataFrame, comments: pd.DataFrame,
                    study_ids: Iterable[str], versions: Any, counts: dict[str, dict[str, int]]) -> None:
    """Write checked frames, score what is new or changed, and add the counts to `counts`."""
    ctx = context_from_db(session, study_ids)
    c, _ = write_responses(session, actor, channel, responses, comments, ctx, versions)
    counts_into(counts, c)


def count_new_submissions(session: Session, responses: pd.DataFrame) -> dict[str, int]:
    heads = responses.drop_duplicates("submission_id")
    keys = [idempotency_key(s, x) for s, x in zip(heads["study_id"], heads["submission_id"], strict=True)]
    known = cw.submission_ids(session, keys)
    return {"added": len(keys) - len(known), "changed": 0, "unchanged": len(known)}


__all__ = ["ROW", "ResponseCounts", "ResponseIngest", "StudyContext", "VersionCache", "check_responses",
           "context_from_db", "count_new_submissions", "idempotency_key", "load_versions",
           "write_and_score", "write_responses"]
