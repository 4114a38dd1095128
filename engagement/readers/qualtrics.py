"""Qualtrics CSV exports (choice values, not labels) of all three header generations.

- legacy (before 2017): V1..V10 system columns named in row 2, two header rows, BOM, trailing comma;
- 2016-2020: third header row of Python-dict strings {'ImportId': 'QID4-1-TEXT'} (not JSON);
- current: third header row of JSON {"ImportId":"QID36_1"}, sometimes with "timeZone".
The generation is told from the rows themselves. One submission per response row:
submission_id = "qualtrics:<instrument_id>:<ResponseId>". -99 (seen but not answered) becomes a blank value.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from engagement.converters._text import plain_text
from engagement.instruments.model import Instrument
from engagement.readers.frames import Collector, Plan, ReadResult, guarded
from engagement.readers.mapping import Mapping
from engagement.readers.values import NA_TOKENS, zone

CHUNK_ROWS = 20_000
_LEGACY_NAME = re.compile(r"^V\d+$")
# columns that describe how a question was shown or analysed, never what was answered
_NOT_ANSWERS = ("Topics", "Sentiment", "ParentTopics", "SentimentScore", "SentimentPolarity", "_DO",
                "_FIRST_CLICK", "_LAST_CLICK", "_PAGE_SUBMIT", "_CLICK_COUNT")
_NOT_ANSWER_NAMES = ("Topics", "Sentiment", "_DO", "_First Click", "_Last Click", "_Page Submit",
                     "_Click Count")
SKIPPED_STATUS = {"1": "Survey Preview", "2": "Survey Test", "8": "Spam",
                  "survey preview": "Survey Preview", "survey test": "Survey Test", "spam": "Spam"}


@dataclass
class Header:
    generation: str                       # legacy | dict | json
    columns: list[str]
    labels: dict[str, str]
    import_ids: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: int = 2                         # header records before the first response

    def question_columns(self) -> list[str]:
        if self.import_ids:
            return [c for c in self.columns
                    if self.import_ids.get(c, {}).get("ImportId", "").startswith("QID")
                    and not self.import_ids[c]["ImportId"].upper().endswith(_upper(_NOT_ANSWERS))
                    and not c.endswith(_NOT_ANSWER_NAMES)]
        return [c for c in self.columns if re.match(r"^Q\d", c) and not c.endswith(_NOT_ANSWER_NAMES)]

    def text_columns(self) -> set[str]:
        return {c for c in self.columns
                if re.search(r"[_-]TEXT$", self.import_ids.get(c, {}).get("ImportId", ""))}


def _upper(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n.upper() for n in names)


def read_header(path: Path) -> Header | None:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        rows = [r for _, r in zip(range(3), csv.reader(fh), strict=False)]
    if len(rows) < 2 or not rows[0]:
        return None
    first, second = rows[0], rows[1]
    if first[0].strip() == "V1":
        names = [second[i] if _LEGACY_NAME.match(n) and i < len(second) else n for i, n in enumerate(first)]
        return Header("legacy", [n.strip() for n in names],
                      {n.strip(): plain_text(second[i]) if i < len(second) else ""
                       for i, n in enumerate(names)}, {}, 2)
    if len(rows) < 3 or not rows[2] or not rows[2][0].lstrip().startswith("{"):
        return None
    ids = {}
    for name, raw in zip(first, rows[2], strict=False):
        parsed = _import_id(raw)
        if parsed is not None:
            ids[name.strip()] = parsed
    generation = "json" if rows[2][0].lstrip().startswith('{"') else "dict"
    return Header(generation, [n.strip() for n in first],
                  {n.strip(): plain_text(second[i]) if i < len(second) else "" for i, n in enumerate(first)},
                  ids, 3)


def _import_id(raw: str) -> dict[str, str] | None:
    raw = raw.strip()
    try:
        value = json.loads(raw) if raw.startswith('{"') else ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None


def read(path: Path, mapping: Mapping, instrument: Instrument | None, study_id: str) -> ReadResult:
    c = Collector(path.name, mapping, study_id, instrument, default_missing=("-99",))
    header = read_header(path)
    if header is None:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            empty = not fh.read(1024).strip()
        c.error("G401" if empty else "G419",
                "" if empty else "expected V1..V10 names (legacy) or a third row of ImportIds", row=1)
        return c.result()
    plans = c.plans(header.columns, header.text_columns())
    c.unmapped([q for q in header.question_columns() if q != mapping.consent_field])
    setup = _Setup.of(c, header)
    if c.report.errors:
        return c.result()
    rows = 0
    reader = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         encoding_errors="replace", chunksize=CHUNK_ROWS, header=0)
    for raw in guarded(c, reader):
        chunk = _named(raw, header)
        # pandas row 0 is record 2; records 2..header.rows are question texts and ImportIds
        chunk = chunk[chunk.index >= header.rows - 1].copy()
        rows += len(chunk)
        chunk.index = chunk.index + 2  # pandas row 0 is the record after the names row: record 2
        _chunk(c, chunk, plans, setup)
    if rows == 0 and c.report.ok:
        c.error("G401", "the export has header rows but no responses")
    return c.result()


def _named(chunk: pd.DataFrame, header: Header) -> pd.DataFrame:
    names = header.columns + [f"__extra{i}" for i in range(len(chunk.columns) - len(header.columns))]
    chunk.columns = [n or f"__blank{i}" for i, n in enumerate(names[: len(chunk.columns)])]
    return chunk


@dataclass
class _Setup:
    response_col: str | None
    time_col: str | None
    finished_col: str | None
    status_col: str | None

    @classmethod
    def of(cls, c: Collector, header: Header) -> _Setup:
        cols, m = header.columns, c.mapping
        response = next((x for x in ("ResponseId", "ResponseID", "_recordId") if x in cols), None)
        if response is None:
            c.warn("G428", "no ResponseId column: submission ids are derived from each row's content")
        time_col = m.submitted_at_column or next((x for x in ("EndDate", "RecordedDate") if x in cols), None)
        if time_col and time_col not in cols:
            c.error("G402", "submitted_at_column", column=time_col)
        export_zone = header.import_ids.get(time_col or "", {}).get("timeZone")
        if export_zone and m.timezone is None and zone(export_zone) is not None:
            c.tz = zone(export_zone)  # the export says which zone its times are in
        for col in (m.participant_column, m.timepoint_column, m.consent_field):
            if col and col not in cols:
                c.error("G402", "named in the mapping", column=col)
        return cls(response, time_col, "Finished" if "Finished" in cols else None,
                   "Status" if "Status" in cols else None)


def _chunk(c: Collector, chunk: pd.DataFrame, plans: list[Plan], s: _Setup) -> None:
    c.prepare(chunk, plans)
    data = c.answered(chunk, plans)
    for n in chunk.index[~data]:
        c.warn("G418", "", row=int(n))
    if not data.any():
        return
    m = c.mapping
    needed = [x for x in dict.fromkeys((s.response_col, s.time_col, s.finished_col, s.status_col,
                                        m.participant_column, m.timepoint_column, m.consent_field))
              if x and x in chunk.columns]
    # without a ResponseId the whole row is hashed into the id, so every column is needed
    rows = chunk.loc[data, needed if s.response_col else list(chunk.columns)].to_dict("records")
    meta = pd.DataFrame([_meta(c, row, int(n), s) for row, n in zip(rows, chunk.index[data], strict=True)],
                        index=chunk.index[data])
    keep = meta.pop("_keep").astype(bool)
    c.emit_wide(meta[keep], chunk.loc[data][keep], plans)


def _meta(c: Collector, row: dict[str, str], n: int, s: _Setup) -> dict[str, object]:
    m = c.mapping

    def cell(name: str | None) -> str:
        return str(row.get(name, "")).strip() if name else ""

    response = cell(s.response_col)
    if not response:
        digest = hashlib.sha256("\x1f".join(map(str, row.values())).encode()).hexdigest()[:20]
        response = f"row-{digest}"
    sid = f"qualtrics:{c.mapping.instrument_id}:{response}"
    keep = c.first_time(sid, n)
    status = cell(s.status_col).lower()
    if status in SKIPPED_STATUS:
        c.warn("G427", SKIPPED_STATUS[status], row=n, column=s.status_col, value=cell(s.status_col))
        return {"submission_id": sid, "_keep": False}
    finished = cell(s.finished_col).lower()
    if finished in {"0", "false"}:
        keep = c.incomplete(n, s.finished_col, cell(s.finished_col), "response not finished") and keep
    if not keep:
        return {"submission_id": sid, "_keep": False}
    raw_time = cell(s.time_col)
    when = c.time(raw_time, n, s.time_col or "") if raw_time and raw_time not in NA_TOKENS else (
        c.default_time(n, s.time_col))
    tp_raw = cell(m.timepoint_column)
    timepoint = (c.timepoint([tp_raw], n, m.timepoint_column, tp_raw) if m.events
                 else tp_raw or m.timepoint or "")
    participant = cell(m.participant_column)
    return {"submission_id": sid, "participant_id": c.participant(participant, n, m.participant_column)
            if participant else "", "timepoint_id": timepoint, "submitted_at": when, "source_row": n,
            "may_quote": c.may_quote(cell(m.consent_field) if m.consent_field else None), "_keep": keep}


def source_fields(path: Path) -> tuple[list[tuple[str, str]], dict[str, object]]:
    header = read_header(path)
    if header is None:
        return [], {}
    fields = [(q, header.labels.get(q, "")) for q in header.question_columns()]
    cols = header.columns
    hints: dict[str, object] = {"missing_values": ["-99"]}
    hints["submitted_at_column"] = next((x for x in ("EndDate", "RecordedDate") if x in cols), None)
    return fields, hints
