"""REDCap records exports (CSV, raw values): flat, longitudinal, repeating instruments and events.

One submission per export row that holds mapped data: (record, event, repeat instrument, instance) is the
row's identity in REDCap, so submission_id =
"redcap:<instrument_id>:<record>:<event>:<repeat_instrument>:<instance>".
Which columns belong to which form is read from the export itself: REDCap writes each form's fields and
then its `<form>_complete` column, and a survey's `<form>_timestamp` before its fields.

Decisions (docs/importing.md): `*_complete` 0 (or blank) on a row with data imports as partial with
G412 (the mapping's `incomplete` rule can skip or refuse instead); all-unchecked checkboxes on a form
that was never saved are "not answered", since REDCap exports 0 for boxes nobody saw.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from engagement.instruments.model import Instrument
from engagement.readers.frames import Collector, Plan, ReadResult, guarded
from engagement.readers.mapping import Mapping
from engagement.readers.values import NA_TOKENS

SPECIAL = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
           "redcap_survey_identifier", "redcap_data_access_group")
NOT_COMPLETED = "[not completed]"
CHUNK_ROWS = 20_000


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        return next(csv.reader(fh), [])


def form_layout(columns: list[str], record_col: str) -> dict[str, str]:
    """column -> form name, from the order REDCap writes them (fields, then <form>_complete)."""
    forms: dict[str, str] = {}
    pending: list[str] = []
    for col in columns:
        if col in SPECIAL or col == record_col:
            continue
        pending.append(col)
        if col.endswith("_complete"):
            for p in pending:
                forms[p] = col[: -len("_complete")]
            pending = []
    return forms


def is_checkbox(col: str) -> bool:
    """REDCap names a checkbox's columns <field>___<code>."""
    return "___" in col


def read(path: Path, mapping: Mapping, instrument: Instrument | None, study_id: str) -> ReadResult:
    c = Collector(path.name, mapping, study_id, instrument)
    columns = [h.strip() for h in read_header(path)]
    if not any(columns):
        c.error("G401", "the export holds no header and no records")
        return c.result()
    record_col = mapping.record_id_field or columns[0]
    if record_col not in columns:
        c.error("G402", "record id field", column=record_col)
        return c.result()
    forms = form_layout(columns, record_col)
    plans = c.plans(columns)
    mapped_forms = {forms.get(p.column) for p in plans} - {None}
    c.unmapped([col for col, f in forms.items() if f in mapped_forms and not col.endswith(
        ("_complete", "_timestamp")) and col != mapping.consent_field])
    if c.report.errors:
        return c.result()
    rows = 0
    reader = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         encoding_errors="replace", chunksize=CHUNK_ROWS, skipinitialspace=False)
    for chunk in guarded(c, reader):
        chunk.columns = columns[: len(chunk.columns)]
        rows += len(chunk)
        _chunk(c, chunk, plans, forms, record_col)
    if rows == 0 and c.report.ok:
        c.error("G401", "the export has a header but no records")
    elif not c.submission_ids:
        c.warn("G418", f"none of the {rows} rows holds data for the mapped fields")
    return c.result()


def _chunk(c: Collector, chunk: pd.DataFrame, plans: list[Plan], forms: dict[str, str],
           record_col: str) -> None:
    c.prepare(chunk, plans)
    filled: dict[str, pd.Series] = {}  # form -> rows where that form holds mapped data
    for p in plans:
        form = forms.get(p.column, "")
        if is_checkbox(p.column):  # unchecked boxes count only once the form was saved
            status = chunk.get(f"{form}_complete")
            box = chunk[p.column].str.lower()  # raw 1/0, or Checked/Unchecked in a labels export
            has = box.isin(("1", "checked"))
            if status is not None:
                saved = status.astype(str).str.strip().isin(("1", "2", "Complete", "Unverified"))
                has |= saved & box.isin(("0", "unchecked"))
        else:
            has = ~chunk[p.column].isin(NA_TOKENS)
        filled[form] = filled[form] | has if form in filled else has
    if not filled:
        return
    by_form = pd.DataFrame(filled)
    data = by_form.any(axis=1)
    if not data.any():
        return
    named = [f for f in by_form.columns if f]
    needed = [record_col, *SPECIAL, c.mapping.consent_field, c.mapping.submitted_at_column,
              *(f"{f}_{suffix}" for f in named for suffix in ("complete", "timestamp"))]
    needed = [col for col in dict.fromkeys(needed) if col and col in chunk.columns]
    rows = chunk.loc[data, needed].to_dict("records")
    flags = by_form.loc[data, named].to_numpy()
    meta = pd.DataFrame([_meta(c, row, n, [named[j] for j in flag.nonzero()[0]], record_col)
                         for row, n, flag in zip(rows, chunk.index[data] + 2, flags, strict=True)],
                        index=chunk.index[data])  # +2: the header is row 1
    keep = meta.pop("_keep").astype(bool)
    c.emit_wide(meta[keep], chunk.loc[data][keep], plans)


def _meta(c: Collector, row: dict[str, str], n: int, filled: list[str], record_col: str) -> dict[str, object]:
    def cell(name: str | None) -> str:
        return str(row.get(name, "")).strip() if name else ""

    record, event = cell(record_col), cell("redcap_event_name")
    rep, inst = cell("redcap_repeat_instrument"), cell("redcap_repeat_instance")
    # the instrument is part of every id: one source row may feed two instruments through two mappings
    sid = f"redcap:{c.mapping.instrument_id}:{record}:{event}:{rep}:{inst}"
    keep = c.first_time(sid, n)
    if not record:
        c.error("G411", "", row=n, column=record_col)
    for form in filled:
        status = cell(f"{form}_complete")
        if status not in {"1", "2", "Complete", "Unverified"}:  # raw codes, or a labels export
            keep = c.incomplete(n, f"{form}_complete", status, f"form {form} is not marked complete") and keep
    if not keep:  # skipped: its other cells are not checked
        return {"submission_id": sid, "_keep": False}
    keys = [k for k in (f"{event}:{inst}" if inst else "", event, "" if event or not inst else f":{inst}")
            if k]
    timepoint = c.timepoint(keys, n, "redcap_event_name" if event else "redcap_repeat_instance",
                            f"{event}:{inst}" if inst else event)
    return {"submission_id": sid, "participant_id": c.participant(record, n, record_col),
            "timepoint_id": timepoint, "submitted_at": _time(c, cell, filled, n), "source_row": n,
            "may_quote": c.may_quote(cell(c.mapping.consent_field) if c.mapping.consent_field else None),
            "_keep": keep}


def _time(c: Collector, cell: Callable[[str | None], str], forms: list[str], n: int) -> str | None:
    col = c.mapping.submitted_at_column
    candidates = [col] if col else [f"{f}_timestamp" for f in forms]
    for name in candidates:
        raw = cell(name)
        if raw and raw != NOT_COMPLETED:
            return c.time(raw, n, name)
    return c.default_time(n, candidates[0] if candidates else None)


def source_fields(path: Path) -> tuple[list[tuple[str, str]], dict[str, object]]:
    """Answer columns of the export (names only: labels live in the dictionary) and mapping hints."""
    columns = [h.strip() for h in read_header(path)]
    if not any(columns):
        return [], {}
    forms = form_layout(columns, columns[0])
    fields = [(col, "") for col in forms if not col.endswith(("_complete", "_timestamp"))]
    hints: dict[str, object] = {"record_id_field": columns[0]}
    stamps = [col for col in columns if col.endswith("_timestamp")]
    if len(stamps) == 1:
        hints["submitted_at_column"] = stamps[0]
    events = events_in(path)
    if events:  # same names as a start: the person renames them to the study's timepoint ids
        hints["events"] = {e: e for e in events}
    return fields, hints


def events_in(path: Path) -> list[str]:
    """The distinct redcap_event_name values, for a first events -> timepoints mapping."""
    if "redcap_event_name" not in read_header(path):
        return []
    seen: dict[str, None] = {}
    for chunk in pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                             encoding_errors="replace", usecols=["redcap_event_name"], chunksize=CHUNK_ROWS):
        seen.update(dict.fromkeys(v for v in chunk["redcap_event_name"].str.strip() if v))
    return list(seen)
