"""Third-party data readers: REDCap, Qualtrics, FHIR and plain tables -> the native bundle's frames.

Every reader returns the same two frames as the native bundle (responses, comments) plus a Report, so
one validation and write path serves all formats. See docs/importing.md.

    result = read(path, "redcap", mapping, instrument, study_id="S1")
    result.responses   # submission_id, study_id, participant_id, timepoint_id, instrument_id,
                       # instrument_version, submitted_at, item_id, value, source_file, source_row,
                       # source_column
    result.comments    # submission_id, item_id, text, may_quote
    result.report      # coded errors (block the write) and warnings
"""

from __future__ import annotations

from pathlib import Path

from engagement.errors import Report
from engagement.instruments.model import Instrument
from engagement.readers.frames import (
    COMMENT_COLUMNS,
    RESPONSE_COLUMNS,
    SOURCE_COLUMNS,
    ReadResult,
)
from engagement.readers.mapping import FORMATS, Mapping, load_mapping
from engagement.readers.suggest import suggest_mapping

__all__ = ["COMMENT_COLUMNS", "FORMATS", "RESPONSE_COLUMNS", "SOURCE_COLUMNS", "Mapping", "ReadResult",
           "load_mapping", "read", "suggest_mapping"]


def read(path: Path, fmt: str, mapping: Mapping, instrument: Instrument | None = None, *,
         study_id: str) -> ReadResult:
    """Read one third-party file through its mapping; problems are in result.report, never raised."""
    path = Path(path)
    fmt = (fmt or "").strip().lower()
    if fmt not in FORMATS:
        import pandas as pd

        report = Report()
        report.error("G403", f"got {fmt!r}", file=path.name, value=fmt)
        return ReadResult(pd.DataFrame(columns=RESPONSE_COLUMNS + SOURCE_COLUMNS),
                          pd.DataFrame(columns=COMMENT_COLUMNS), report)
    reader = _module(fmt)
    return reader.read(path, mapping, instrument, study_id)


def _module(fmt: str):
    if fmt == "redcap":
        from engagement.readers import redcap
        return redcap
    if fmt == "qualtrics":
        from engagement.readers import qualtrics
        return qualtrics
    if fmt == "fhir":
        from engagement.readers import fhir
        return fhir
    from engagement.readers import table
    return table
