"""Import any supported file: the native bundle, or a third-party export read through a mapping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from engagement.bundle.importer import ImportResult, import_bundle
from engagement.errors import fail
from engagement.permissions import Viewer

FORMATS = ("native", "redcap", "qualtrics", "fhir", "table")


def import_file(session: Session, viewer: Viewer, path: Path, *, fmt: str = "native",
                mapping_path: Path | None = None, study_id: str | None = None,
                dry_run: bool = False, progress: Callable[[str, int, int], None] | None = None) -> ImportResult:
    """progress(stage, done, total) is called as a native bundle streams in (see import_bundle)."""
    if fmt not in FORMATS:
        raise fail("E003", f"format must be one of {', '.join(FORMATS)}", value=fmt)
    if fmt == "native":
        return import_bundle(session, viewer, path, dry_run=dry_run, progress=progress)
    from engagement.ingest.third_party import import_third_party

    return import_third_party(session, viewer, path, fmt=fmt, mapping_path=mapping_path, study_id=study_id,
                              dry_run=dry_run)
