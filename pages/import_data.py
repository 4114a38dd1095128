"""Import data: a native bundle (.zip) or a REDCap, Qualtrics, FHIR or spreadsheet export with a mapping."""

import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from engagement.db import read_session, write_session
from engagement.errors import EngagementError, problems_to_csv
from engagement.import_page import instrument_choices, load_or_suggest_mapping, parse_mapping_text
from engagement.ingest.service import import_file
from engagement.ingest.third_party import import_third_party, save_mapping
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
st.title("Import data")
st.caption("A file lands whole or not at all. Importing the same file again adds nothing; a changed value "
           "is recorded as an edit in the audit trail. Check first: nothing is written until you import.")

fmt = st.selectbox("Format", ["native", "redcap", "qualtrics", "fhir", "table"],
                   format_func=lambda f: {"native": "Native bundle (.zip)", "redcap": "REDCap records export (CSV)",
                                          "qualtrics": "Qualtrics export (CSV)",
                                          "fhir": "FHIR QuestionnaireResponse (JSON / NDJSON)",
                                          "table": "Spreadsheet (CSV or Excel)"}[f])
upload = st.file_uploader("File", type=["zip", "csv", "json", "ndjson", "xlsx"])
if upload is None:
    st.stop()
folder = Path(tempfile.mkdtemp(prefix="import-"))
path = folder / Path(upload.name).name
path.write_bytes(upload.getvalue())

mapping = None
if fmt != "native":
    with read_session(db_engine()) as session:
        choices = instrument_choices(session)
    version = st.selectbox("Instrument the file answers", choices)
    with read_session(db_engine()) as session:
        text, origin = load_or_suggest_mapping(session, viewer, study_id, fmt, path, version)
    st.caption(f"Mapping: {origin}. Edit it once; it is saved for the next import of this kind of file.")
    edited = st.text_area("Mapping (JSON)", text, height=300, key=f"mapping-{fmt}-{version}")
    try:
        mapping = parse_mapping_text(edited)
    except EngagementError as exc:
        st.error(exc.problems[0].message())
        st.stop()
    if st.button("Save mapping"):
        with write_session(db_engine()) as session:
            save_mapping(session, viewer, study_id, fmt, "default", mapping)
        st.success("Mapping saved.")


def run(dry_run: bool):
    progress = st.progress(0, text="Reading and checking the file…")

    def on_progress(stage: str, done: int, total: int) -> None:
        if stage == "responses" and total:
            progress.progress(min(75, int(75 * done / total)), text=f"Reading answers: {done:,} of {total:,} bytes")
    try:
        with write_session(db_engine()) as session:
            if fmt == "native":
                result = import_file(session, viewer, path, dry_run=dry_run, progress=on_progress)
            else:
                result = import_third_party(session, viewer, path, fmt=fmt, mapping=mapping,
                                            study_id=study_id, dry_run=dry_run)
            progress.progress(80, text="Checked." if dry_run else "Written; scoring done.")
            if dry_run:
                session.rollback()
    except EngagementError as exc:
        progress.progress(100, text="Refused: nothing was written.")
        st.error(f"{len(exc.problems)} problem(s) found; nothing was written.")
        report = pd.DataFrame([p.as_dict() for p in exc.problems])
        st.dataframe(report[["code", "summary", "file", "row", "column", "item", "value", "detail", "fix"]],
                     hide_index=True, width="stretch")
        st.download_button("Download the report (CSV)", problems_to_csv(exc.problems),
                           file_name=f"{path.stem}-problems.csv", mime="text/csv")
        return None
    progress.progress(100, text="Done.")
    return result


c1, c2 = st.columns(2)
if c1.button("Check (dry run)"):
    result = run(dry_run=True)
    if result is not None:
        st.success("No problems found. Nothing was written yet.")
        st.json(result.counts)
if c2.button("Import", type="primary"):
    result = run(dry_run=False)
    if result is not None:
        st.success("Imported." if result.changed else "Nothing new: this data was already here.")
        st.json(result.counts)
        if result.report.warnings:
            st.warning(f"{len(result.report.warnings)} warning(s).")
            st.download_button("Download warnings (CSV)", result.report.to_csv(),
                               file_name=f"{path.stem}-warnings.csv", mime="text/csv")
st.caption(json.dumps({"file": upload.name, "bytes": upload.size}))
