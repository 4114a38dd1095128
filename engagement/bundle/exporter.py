"""Write the database (or one study) as a native bundle: the exact inverse of the importer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engagement.bundle.spec import BY_NAME
from engagement.models import (
    Answer,
    Comment,
    InstrumentVersion,
    LifecycleStage,
    Participant,
    Site,
    Study,
    Submission,
    Timepoint,
)
from engagement.permissions import Action, Viewer

ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed member times: the same data zips to the same bytes


def fmt_date(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def fmt_datetime(t: dt.datetime) -> str:
    t = t.astimezone(dt.UTC)
    spec = "microseconds" if t.microsecond else "seconds"
    return t.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def fmt_number(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _rows(session: Session, study_ids: list[str]) -> dict[str, Iterable[tuple]]:
    in_study = Study.id.in_(study_ids)
    stage = aliased(LifecycleStage)
    p = aliased(Participant)
    tp = aliased(Timepoint)
    return {
        "studies.csv": ((s.id, s.title, s.sponsor, s.registry_id, s.current_stage or "")
                        for s in session.scalars(select(Study).where(in_study))),
        "stages.csv": ((g.study_id, g.name, str(g.order), fmt_date(g.planned_start),
                        fmt_date(g.planned_end), fmt_date(g.actual_start), fmt_date(g.actual_end))
                       for g in session.scalars(select(LifecycleStage).where(
                           LifecycleStage.study_id.in_(study_ids)))),
        "sites.csv": ((s.study_id, s.code, s.name, s.country)
                      for s in session.scalars(select(Site).where(Site.study_id.in_(study_ids)))),
        "participants.csv": ((r.study_id, r.code, site, r.role, fmt_date(r.enrolled_on), r.status,
                              fmt_date(r.status_date))
                             for r, site in session.execute(
                                 select(Participant, Site.code).join(Site, Participant.site_id == Site.id)
                                 .where(Participant.study_id.in_(study_ids)))),
        "schedule.csv": ((t.study_id, t.code, name, t.instrument_id, str(t.due_day), str(t.window_days))
                         for t, name in session.execute(
                             select(Timepoint, stage.name).join(stage, Timepoint.stage_id == stage.id)
                             .where(Timepoint.study_id.in_(study_ids)))),
        "responses.csv": ((ext, study, pcode or "", tcode or "", iid, ver, fmt_datetime(at), item,
                           fmt_number(val))
                          for ext, study, pcode, tcode, iid, ver, at, item, val in session.execute(
                              select(Submission.external_id, Submission.study_id, p.code, tp.code,
                                     InstrumentVersion.instrument_id, InstrumentVersion.version,
                                     Submission.submitted_at, Answer.item_id, Answer.value_num)
                              .join(Answer, Answer.submission_id == Submission.id)
                              .join(InstrumentVersion,
                                    InstrumentVersion.id == Submission.instrument_version_id)
                              .outerjoin(p, p.id == Submission.participant_id)
                              .outerjoin(tp, tp.id == Submission.timepoint_id)
                              .where(Submission.study_id.in_(study_ids)))),
        "comments.csv": ((ext, c.item_id, c.text_raw, "true" if c.may_quote else "false")
                         for c, ext in session.execute(
                             select(Comment, Submission.external_id)
                             .join(Submission, Submission.id == Comment.submission_id)
                             .where(Submission.study_id.in_(study_ids)))),
    }


def render(session: Session, viewer: Viewer, study_ids: list[str] | None = None) -> dict[str, bytes]:
    """Each bundle file as bytes, rows sorted so the same data always gives the same bytes."""
    if study_ids is None:
        study_ids = list(session.scalars(select(Study.id).order_by(Study.id)))
    for sid in study_ids:
        viewer.require(Action.manage_study, sid)  # bundles carry raw comments: admins only
    out: dict[str, bytes] = {}
    for name, rows in _rows(session, study_ids).items():
        out[name] = to_csv(BY_NAME[name].columns, sorted(rows))
    return out


def to_csv(columns: Iterable[str], rows: Iterator[tuple] | list[tuple]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def export_bundle(session: Session, viewer: Viewer, path: Path | str,
                  study_ids: list[str] | None = None) -> dict[str, int]:
    """Write to a folder, or to a .zip when the path ends in .zip. Returns data rows per file."""
    files = render(session, viewer, study_ids)
    path = Path(path)
    if path.suffix == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (path / name).write_bytes(data)
    return {name: data.count(b"\n") - 1 for name, data in files.items()}
