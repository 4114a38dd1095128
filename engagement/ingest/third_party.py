"""Import a REDCap, Qualtrics, FHIR or table export through a saved mapping, via the one write path."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.bundle.importer import ImportResult
from engagement.errors import fail
from engagement.ingest import responses as ingest
from engagement.models import ImportMapping, Study
from engagement.permissions import Action, Viewer

CHANNELS = {"redcap": "import:redcap", "qualtrics": "import:qualtrics", "fhir": "import:fhir",
            "table": "import:table"}


def read_mapping_file(path: Path):  # type: ignore[no-untyped-def]
    from engagement.readers import load_mapping

    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail("G457", str(exc), file=str(path)) from None
    return load_mapping(content, where=str(path))


def _only_study(session: Session) -> str:
    ids = list(session.scalars(select(Study.id).limit(2)))
    if len(ids) != 1:
        raise fail("E003", "name the study with --study (the database holds "
                   f"{'no study' if not ids else 'several studies'})")
    return ids[0]


def _as_ingest_frames(responses: pd.DataFrame, comments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readers name their source columns source_*; the write path's checks read _row, _file, _column."""
    responses = responses.rename(columns={"source_row": "_row", "source_file": "_file",
                                          "source_column": "_column"}).reset_index(drop=True)
    comments = comments.reset_index(drop=True).copy()
    if "_row" not in comments.columns:
        rows = responses.drop_duplicates("submission_id").set_index("submission_id")["_row"]
        comments["_row"] = comments["submission_id"].map(rows).fillna(0).astype(int)
    return responses, comments


def import_third_party(session: Session, viewer: Viewer, path: Path, *, fmt: str,
                       mapping_path: Path | None = None, mapping=None,  # type: ignore[no-untyped-def]
                       study_id: str | None = None, dry_run: bool = False) -> ImportResult:
    from engagement.instruments.registry import get_version
    from engagement.readers import read

    if mapping is None:
        if mapping_path is None:
            raise fail("G457", f"--format {fmt} needs --mapping FILE (see docs/importing.md)")
        mapping = read_mapping_file(mapping_path)
    study_id = study_id or _only_study(session)
    viewer.require(Action.import_data, study_id)
    _, instrument = get_version(session, mapping.instrument_id, mapping.instrument_version)
    read_result = read(Path(path), fmt, mapping, instrument, study_id=study_id)
    report = read_result.report
    report.raise_if_errors()
    responses, comments = _as_ingest_frames(read_result.responses, read_result.comments)
    ctx = ingest.context_from_db(session, {study_id})
    versions = ingest.load_versions(session, responses)
    ingest.check_responses(responses, comments, ctx, versions, report, file=Path(path).name,
                           comments_file=Path(path).name)
    report.raise_if_errors()
    result = ImportResult(report=report, dry_run=dry_run)
    if dry_run:
        result.counts["submission"] = ingest.count_new_submissions(session, responses)
        return result
    ingest.write_and_score(session, viewer.username, CHANNELS[fmt], responses, comments, {study_id},
                           versions, result.counts)
    if result.changed:
        audit.record(session, viewer.username, "import", fmt, Path(path).name, None,
                     {"counts": result.counts, "mapping": mapping.model_dump(mode="json")})
    return result


def save_mapping(session: Session, viewer: Viewer, study_id: str, fmt: str, name: str, mapping) -> ImportMapping:  # type: ignore[no-untyped-def]
    """Keep a mapping for the next import of the same kind of file (edited once, reused)."""
    viewer.require(Action.import_data, study_id)
    content = mapping.model_dump(mode="json")
    row = session.scalar(select(ImportMapping).where(ImportMapping.study_id == study_id,
                                                     ImportMapping.format == fmt, ImportMapping.name == name))
    if row is None:
        row = ImportMapping(study_id=study_id, format=fmt, name=name, content=content)
        session.add(row)
        session.flush()
        audit.record(session, viewer.username, "create", "import_mapping", row.id, None, content)
    elif row.content != content:
        old = row.content
        row.content = content
        audit.record(session, viewer.username, "update", "import_mapping", row.id, old, content)
    return row


def saved_mappings(session: Session, viewer: Viewer, study_id: str, fmt: str) -> dict[str, dict]:
    viewer.require(Action.import_data, study_id)
    return {r.name: r.content for r in session.scalars(
        select(ImportMapping).where(ImportMapping.study_id == study_id, ImportMapping.format == fmt)
        .order_by(ImportMapping.name))}
