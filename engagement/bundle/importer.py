"""Import a native bundle: read, check every cell and reference, then write it whole or not at all.

The small files are read whole and checked first; responses.csv is streamed in chunks (see
engagement.bundle.reader.ResponseChunks) and each chunk is checked and then written inside one SAVEPOINT
of the caller's transaction. A problem anywhere rolls the savepoint back and raises, so nothing is
written when any problem is found, and memory stays flat for files of millions of answers. Re-importing
the same bundle changes nothing (no rows, no audit events); a changed value updates the row and is
recorded as an edit with old and new values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.bundle.checks import ROW, check_cells, check_date_order
from engagement.bundle.reader import (
    CHUNK_ROWS,
    STREAMED,
    BundleSource,
    Progress,
    ResponseChunks,
    prefetched,
    read_bundle,
)
from engagement.bundle.spec import BY_NAME
from engagement.errors import EngagementError, Report
from engagement.ingest import responses as ingest
from engagement.ingest.bulk import datetime_texts, insert_rows, insert_with_ids
from engagement.models import (
    Instrument,
    LifecycleStage,
    Participant,
    ParticipantStatusHistory,
    Site,
    Study,
    Timepoint,
)
from engagement.permissions import Action, Viewer

SMALL = tuple(name for name in BY_NAME if name != STREAMED)


@dataclass
class ImportResult:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    report: Report = field(default_factory=Report)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(v.get("added", 0) or v.get("changed", 0) for v in self.counts.values())


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _int(value: str) -> int:
    return int(value)


# ------------------------------------------------------------------------------------------ checks


def _check_references(session: Session, f: dict[str, pd.DataFrame], report: Report) -> None:
    studies = set(f["studies.csv"]["study_id"]) | set(session.scalars(select(Study.id)))
    for name in ("stages.csv", "sites.csv", "participants.csv", "schedule.csv"):
        frame = f[name]
        for idx in frame.index[~frame["study_id"].isin(studies)][:200]:
            report.error("B111", "", file=name, row=int(frame.at[idx, ROW]), column="study_id",
                         value=frame.at[idx, "study_id"])
    _check_pairs(session, f, report, "participants.csv", "site_id", "sites.csv", "site_id",
                 select(Site.study_id, Site.code), "B112")
    _check_pairs(session, f, report, "schedule.csv", "stage", "stages.csv", "stage",
                 select(LifecycleStage.study_id, LifecycleStage.name), "B116")
    known_stage = _known_pairs(session, f, "stages.csv", "stage",
                               select(LifecycleStage.study_id, LifecycleStage.name))
    st = f["studies.csv"]
    for idx in st.index:
        stage = st.at[idx, "current_stage"]
        if stage and (st.at[idx, "study_id"], stage) not in known_stage:
            report.error("B116", "current_stage must name a stage of the study in stages.csv",
                         file="studies.csv", row=int(st.at[idx, ROW]), column="current_stage", value=stage)
    instruments = set(session.scalars(select(Instrument.id)))
    sc = f["schedule.csv"]
    for idx in sc.index[~sc["instrument_id"].isin(instruments)][:200]:
        report.error("B115", "the instrument is not registered", file="schedule.csv",
                     row=int(sc.at[idx, ROW]), column="instrument_id", value=sc.at[idx, "instrument_id"])
    stages = f["stages.csv"]
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        check_date_order(stages, BY_NAME["stages.csv"], start, end, report)


def _known_pairs(session: Session, f: dict[str, pd.DataFrame], file: str, column: str, query: Any) -> set:
    bundle = set(zip(f[file]["study_id"], f[file][column], strict=True))
    return bundle | {tuple(r) for r in session.execute(query)}


def _check_pairs(
        session: Session, f: dict[str, pd.DataFrame], report: Report, file: str, column: str,
        target: str, target_col: str, query: Any, code: str) -> None:
    known = _known_pairs(session, f, target, target_col, query)
    frame = f[file]
    pairs = zip(frame["study_id"], frame[column], strict=True)
    bad = [i for i, p in zip(frame.index, pairs, strict=True) if p not in known]
    for idx in bad[:200]:
        report.error(code, "", file=file, row=int(frame.at[idx, ROW]), column=column,
                     value=frame.at[idx, column])


def check_small_files(session: Session, frames: dict[str, pd.DataFrame], report: Report) -> bool:
    """Cells of every file but responses.csv, then references between them; True when all is well."""
    for name, frame in frames.items():
        check_cells(frame, BY_NAME[name], report)
    if not report.ok or len(frames) < len(SMALL):
        return False
    _check_references(session, frames, report)
    return report.ok


def bundle_context(session: Session, f: dict[str, pd.DataFrame]) -> ingest.StudyContext:
    """What responses may name: the database's entities plus the bundle's (ids unknown until written)."""
    ctx = ingest.context_from_db(session, _study_ids(session, f))
    people = f["participants.csv"]
    for s, code in zip(people["study_id"], people["participant_id"], strict=True):
        ctx.participants.setdefault(s, {}).setdefault(code, None)
    for s, code in zip(f["schedule.csv"]["study_id"], f["schedule.csv"]["timepoint_id"], strict=True):
        ctx.timepoints.setdefault(s, {}).setdefault(code, None)
    return ctx


def _study_ids(session: Session, f: dict[str, pd.DataFrame]) -> set[str]:
    return set(f["studies.csv"]["study_id"]) | set(session.scalars(select(Study.id)))


# ------------------------------------------------------------------------------------------- write


class _Upserter:
    """Insert new rows, update changed ones (each change audited), count what happened."""

    def __init__(self, session: Session, actor: str, counts: dict[str, dict[str, int]], dry_run: bool):
        self.session, self.actor, self.counts, self.dry_run = session, actor, counts, dry_run
        self.created: dict[str, list[str]] = {}

    def added(self, entity: str, keys: list[str]) -> None:
        """Count rows the caller inserts in bulk."""
        c = self.counts.setdefault(entity, {"added": 0, "changed": 0, "unchanged": 0})
        c["added"] += len(keys)
        self.created.setdefault(entity, []).extend(keys)

    def apply(self, entity: str, existing: Any, key: str, values: dict[str, Any], make: Any) -> Any:
        c = self.counts.setdefault(entity, {"added": 0, "changed": 0, "unchanged": 0})
        if existing is None:
            c["added"] += 1
            self.created.setdefault(entity, []).append(key)
            if self.dry_run:
                return None
            obj = make(**values)
            self.session.add(obj)
            return obj
        old = {k: getattr(existing, k) for k in values if getattr(existing, k) != values[k]}
        if not old:
            c["unchanged"] += 1
            return existing
        c["changed"] += 1
        if not self.dry_run:
            new = {k: values[k] for k in old}
            for k, v in new.items():
                setattr(existing, k, v)
            audit.record(self.session, self.actor, "update", entity, key, _jsonable(old), _jsonable(new),
                         "bundle import")
        return existing


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in d.items()}


def _write_entities(session: Session, f: dict[str, pd.DataFrame], up: _Upserter) -> None:
    for r in f["studies.csv"].itertuples(index=False):
        up.apply("study", session.get(Study, r.study_id), r.study_id,
                 {"id": r.study_id, "title": r.title, "sponsor": r.sponsor, "registry_id": r.registry_id,
                  "current_stage": r.current_stage or None}, Study)
    session.flush()
    for r in f["stages.csv"].itertuples(index=False):
        existing = session.scalar(select(LifecycleStage).where(
            LifecycleStage.study_id == r.study_id, LifecycleStage.name == r.stage))
        up.apply("stage", existing, f"{r.study_id}/{r.stage}",
                 {"study_id": r.study_id, "name": r.stage, "order": _int(r.order),
                  "planned_start": _date(r.planned_start), "planned_end": _date(r.planned_end),
                  "actual_start": _date(r.actual_start), "actual_end": _date(r.actual_end)},
                 LifecycleStage)
    for r in f["sites.csv"].itertuples(index=False):
        existing = session.scalar(select(Site).where(Site.study_id == r.study_id, Site.code == r.site_id))
        up.apply("site", existing, f"{r.study_id}/{r.site_id}",
                 {"study_id": r.study_id, "code": r.site_id, "name": r.name, "country": r.country}, Site)
    session.flush()
    _write_schedule(session, f, up)
    _write_participants(session, f, up)


def _write_schedule(session: Session, f: dict[str, pd.DataFrame], up: _Upserter) -> None:
    stage_ids = {(s, n): i for i, s, n in session.execute(
        select(LifecycleStage.id, LifecycleStage.study_id, LifecycleStage.name))}
    existing = {(t.study_id, t.code): t for t in session.scalars(select(Timepoint))}
    for r in f["schedule.csv"].itertuples(index=False):
        up.apply("timepoint", existing.get((r.study_id, r.timepoint_id)), f"{r.study_id}/{r.timepoint_id}",
                 {"study_id": r.study_id, "code": r.timepoint_id,
                  "stage_id": stage_ids.get((r.study_id, r.stage)), "instrument_id": r.instrument_id,
                  "due_day": _int(r.due_day), "window_days": _int(r.window_days)}, Timepoint)
    session.flush()


PARTICIPANT_COLUMNS = ("study_id", "code", "site_id", "role", "enrolled_on", "status", "status_date")


def _write_participants(session: Session, f: dict[str, pd.DataFrame], up: _Upserter) -> None:
    """Stored participants go through the upserter (changes audited); new ones are inserted in bulk."""
    frame = f["participants.csv"]
    site_ids = {(s, c): i for i, s, c in session.execute(select(Site.id, Site.study_id, Site.code))}
    studies = set(frame["study_id"])
    existing = {(p.study_id, p.code): p for p in session.scalars(
        select(Participant).where(Participant.study_id.in_(studies)))}
    history: list[tuple[int, str, str]] = []
    fresh: list[tuple[Any, ...]] = []
    for r in frame.itertuples(index=False):
        current = existing.get((r.study_id, r.participant_id))
        site = site_ids.get((r.study_id, r.site_id))
        if current is None:  # dates stay ISO text: checked already, and both backends take it as is
            fresh.append((r.study_id, r.participant_id, site, r.role, r.enrolled_on, r.status, r.status_date))
            continue
        before = current.status
        up.apply("participant", current, f"{r.study_id}/{r.participant_id}",
                 {"study_id": r.study_id, "code": r.participant_id, "site_id": site, "role": r.role,
                  "enrolled_on": _date(r.enrolled_on), "status": r.status,
                  "status_date": _date(r.status_date)}, Participant)
        if r.status != before and not up.dry_run:
            history.append((current.id, r.status, r.status_date))
    up.added("participant", [f"{p[0]}/{p[1]}" for p in fresh])
    if up.dry_run:
        return
    session.flush()
    ids = insert_with_ids(session, Participant.__table__, PARTICIPANT_COLUMNS, fresh)
    for pid, p in zip(ids, fresh, strict=True):
        history.append((pid, "active", p[4]))
        if p[5] != "active":
            history.append((pid, p[5], p[6]))
    now = datetime_texts(session, np.array([np.datetime64("now", "us")]))[0]
    insert_rows(session, ParticipantStatusHistory.__table__,
                ("participant_id", "status", "effective_on", "recorded_at"), [(*h, now) for h in history])


def _file_hashes(path: Path) -> dict[str, str]:
    source = BundleSource(path)
    hashes = {}
    for name in BY_NAME:
        digest = hashlib.sha256()
        if source.has(name):
            with source.open(name) as f:
                while block := f.read(1 << 20):
                    digest.update(block)
        hashes[name] = digest.hexdigest()[:16]
    return hashes


def _stream(chunks: ResponseChunks, run: ingest.ResponseIngest, comments: pd.DataFrame | None,
            progress: Progress | None) -> ingest.ResponseCounts:
    total = chunks.total_bytes
    for chunk in prefetched(chunks):
        run.add(chunk)
        if progress:
            progress("responses", min(chunks.bytes_read, total), total)
            progress("chunk", run.rows, run.chunk_no)
    counts, _ = run.finish(comments)
    return counts


def import_bundle(session: Session, viewer: Viewer, path: Path | str, *, dry_run: bool = False,
                  progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS) -> ImportResult:
    """Check and write a bundle in the caller's transaction; raise EngagementError when it has problems.

    progress(stage, done, total), when given, hears of "responses" (bytes read, file size), "entities"
    (written), "chunk" (rows done, chunks done) and "written" (all written, before the caller commits).
    """
    path = Path(path)
    report = Report()
    frames = read_bundle(path, report, skip=(STREAMED,))
    source = BundleSource(path)
    chunks = ResponseChunks(source, report, chunk_rows) if source.readable else None
    streamable = chunks is not None and chunks.header_ok()
    small_ok = check_small_files(session, frames, report)
    if not (small_ok and streamable):
        if streamable:  # still report the cell problems of responses.csv
            check_only = ingest.ResponseIngest(session, report, None, {}, mode="check",
                                               cells=BY_NAME[STREAMED])
            _stream(chunks, check_only, None, None)  # type: ignore[arg-type]
        report.raise_if_errors()
    assert chunks is not None
    _require(session, viewer, frames["studies.csv"]["study_id"])
    result = ImportResult(report=report, dry_run=dry_run)
    up = _Upserter(session, viewer.username, result.counts, dry_run)
    if dry_run:
        _write_entities(session, frames, up)
        run = ingest.ResponseIngest(session, report, bundle_context(session, frames),
                                    ingest.VersionCache(session), mode="count", cells=BY_NAME[STREAMED])
        ingest.counts_into(result.counts, _stream(chunks, run, frames["comments.csv"], progress))
        for key in ("answer", "comment"):
            result.counts.pop(key, None)
        return result
    with session.begin_nested():  # rolled back by the exception when any chunk has a problem
        _write_entities(session, frames, up)
        if progress:
            progress("entities", 1, 1)
        run = ingest.ResponseIngest(
            session, report, ingest.context_from_db(session, _study_ids(session, frames)),
            ingest.VersionCache(session), mode="write", actor=viewer.username, channel="import:native",
            cells=BY_NAME[STREAMED])
        ingest.counts_into(result.counts, _stream(chunks, run, frames["comments.csv"], progress))
        if result.changed:
            audit.record(session, viewer.username, "import", "bundle", path.name, None,
                         {"files": _file_hashes(path), "counts": result.counts, "created": up.created})
    if progress:
        progress("written", 1, 1)
    return result


def _require(session: Session, viewer: Viewer, study_ids: pd.Series) -> None:
    for sid in sorted(set(study_ids)):
        action = Action.import_data if session.get(Study, sid) is not None else Action.manage_study
        viewer.require(action, sid)




__all__ = ["EngagementError", "ImportResult", "import_bundle"]
