"""Plain tables (CSV, Excel .xlsx/.xls) through a column mapping, wide or long.

wide: one row per submission, one column per item (mapping.fields: column -> item id).
long: one row per answer: key columns, an item column and a value column (mapping.fields maps the
      item names used in the file to item ids; empty means the names already are item ids).
submission_id = "table:<instrument_id>:<key column values joined by ':'>", so re-reading the same
table gives the same ids. The key defaults to the participant and timepoint columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from engagement.instruments.model import Instrument
from engagement.readers.frames import Collector, Plan, ReadResult, guarded
from engagement.readers.mapping import Mapping
from engagement.readers.values import NA_TOKENS

CHUNK_ROWS = 20_000
EXCEL = (".xlsx", ".xlsm")


def read_header(path: Path, sheet: str | None = None) -> list[str]:
    for chunk in _chunks(path, sheet, rows=1):
        return list(chunk.columns)
    return []


def _chunks(path: Path, sheet: str | None, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """DataFrames of text cells, indexed by the row number a spreadsheet shows (header = row 1)."""
    rows = rows or CHUNK_ROWS
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        yield from _xlsx(path, sheet, rows)
        return
    if suffix == ".xls":
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, header=0)
        frame = frame.map(_cell).rename(columns=lambda x: _cell(x).strip())
        frame.index = frame.index + 2
        yield frame
        return
    reader = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         encoding_errors="replace", chunksize=rows)
    for chunk in reader:
        chunk.columns = [str(c).strip() for c in chunk.columns]
        chunk.index = chunk.index + 2
        yield chunk


def _xlsx(path: Path, sheet: str | None, rows: int) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [_cell(h).strip() for h in next(it, ())]
        while header and not header[-1]:
            header.pop()
        buf: list[list[str]] = []
        start = 2
        for values in it:
            buf.append([_cell(v) for v in values[: len(header)]] + [""] * (len(header) - len(values)))
            if len(buf) >= rows:
                yield pd.DataFrame(buf, columns=header, index=range(start, start + len(buf)))
                start += len(buf)
                buf = []
        if buf or start == 2:
            yield pd.DataFrame(buf, columns=header, index=range(start, start + len(buf)))
    finally:
        book.close()


def _cell(v: object) -> str:
    """Excel cells as the text a person sees: 3.0 -> '3', dates ISO, booleans TRUE/FALSE."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return "" if pd.isna(v) else str(v)  # type: ignore[arg-type]


def read(path: Path, mapping: Mapping, instrument: Instrument | None, study_id: str) -> ReadResult:
    c = Collector(path.name, mapping, study_id, instrument)
    try:
        header = read_header(path, mapping.sheet)
    except KeyError:
        c.error("G424", "", value=mapping.sheet)
        return c.result()
    except (ValueError, OSError) as exc:
        c.error("G400", str(exc)[:200])
        return c.result()
    if not header:
        c.error("G401", "the table has no header row")
        return c.result()
    keys = _keys(c, header)
    long = mapping.layout == "long"
    if long:
        for col in (mapping.item_column, mapping.value_column):
            if col not in header:
                c.error("G402", "long layout", column=col)
        plans = _long_plans(c)
    else:
        plans = c.plans(header)
        c.unmapped([h for h in header if h not in keys and h not in _meta_columns(mapping)])
    if c.report.errors:
        return c.result()
    rows = 0
    for chunk in guarded(c, _chunks(path, mapping.sheet)):
        rows += len(chunk)
        if long:
            _long_chunk(c, chunk, keys, plans)  # type: ignore[arg-type]
        else:
            _wide_chunk(c, chunk, keys, plans)  # type: ignore[arg-type]
    if rows == 0 and c.report.ok:
        c.error("G401", "the table has a header but no rows")
    return c.result()


def _meta_columns(m: Mapping) -> set[str]:
    named = (m.participant_column, m.timepoint_column, m.submitted_at_column, m.consent_field)
    return {x for x in named if x}


def _keys(c: Collector, header: list[str]) -> list[str]:
    m = c.mapping
    keys = m.key_columns or [x for x in (m.participant_column, m.timepoint_column) if x]
    if not keys:
        c.error("G404", "a table needs key_columns (or participant_column/timepoint_column) to name "
                "its submissions", column="key_columns")
    for col in [*keys, *_meta_columns(m)]:
        if col not in header:
            c.error("G402", "named in the mapping", column=col)
    return keys


def _long_plans(c: Collector) -> dict[str, Plan]:
    m = c.mapping
    if m.fields:
        return {p.column: p for p in c.plans(None)}
    identity = m.model_copy(update={"fields": {i: i for i in c.views}})
    c.mapping = identity
    try:
        return {p.column: p for p in c.plans(None)}
    finally:
        c.mapping = m


def _meta(c: Collector, chunk: pd.DataFrame, keys: list[str], check_dupes: bool) -> pd.DataFrame:
    m = c.mapping
    out = []
    cols = [x for x in dict.fromkeys([*keys, *_meta_columns(m)]) if x]
    for index, row in zip(chunk.index, chunk[cols].to_dict("records"), strict=True):
        n = int(index)
        key = [str(row[k]).strip() for k in keys]
        if not any(key):
            c.error("G411", "the key columns are all blank", row=n, column=",".join(keys))
        sid = "table:" + ":".join([m.instrument_id, *key])
        keep = c.first_time(sid, n) if check_dupes else True
        pid = str(row.get(m.participant_column, "")).strip() if m.participant_column else ""
        tp = str(row.get(m.timepoint_column, "")).strip() if m.timepoint_column else ""
        raw_time = str(row.get(m.submitted_at_column, "")).strip() if m.submitted_at_column else ""
        when = (c.time(raw_time, n, m.submitted_at_column or "") if raw_time not in NA_TOKENS
                else c.default_time(n, m.submitted_at_column))
        out.append({"submission_id": sid, "participant_id": c.participant(pid, n, m.participant_column)
                    if pid else "",
                    "timepoint_id": c.timepoint([tp], n, m.timepoint_column, tp) if m.events else tp or (
                        m.timepoint or ""),
                    "submitted_at": when, "source_row": n, "_keep": keep,
                    "may_quote": c.may_quote(str(row.get(m.consent_field, "")) if m.consent_field else None)})
    return pd.DataFrame(out, index=chunk.index)


def _wide_chunk(c: Collector, chunk: pd.DataFrame, keys: list[str], plans: list[Plan]) -> None:
    c.prepare(chunk, plans)
    data = c.answered(chunk, plans)
    for n in chunk.index[~data]:
        c.warn("G418", "", row=int(n))
    if not data.any():
        return
    meta = _meta(c, chunk.loc[data], keys, check_dupes=True)
    keep = meta.pop("_keep").astype(bool)
    c.emit_wide(meta[keep], chunk.loc[data][keep], plans)


def _long_chunk(c: Collector, chunk: pd.DataFrame, keys: list[str], plans: dict[str, Plan]) -> None:
    m = c.mapping
    names = chunk[m.item_column].astype(str).str.strip()
    known = names.isin(list(plans))
    for name in names[~known & (names != "")].unique():
        c.warn("G413", "item name not in the mapping", column=m.item_column, value=name,
               row=int(names[names == name].index[0]))
    rows = chunk.loc[known & ~chunk[m.value_column].astype(str).str.strip().isin(NA_TOKENS)]
    if rows.empty:
        return
    meta = _meta(c, rows, keys, check_dupes=False).drop(columns="_keep")
    item_ids = names[rows.index].map({k: p.item_id for k, p in plans.items()})
    dupes = pd.Series(list(zip(meta["submission_id"], item_ids, strict=True)), index=rows.index).duplicated()
    for n in rows.index[dupes]:  # across chunks, the bundle validator's key check (B110) catches it
        c.error("G415", "", row=int(n), column=m.item_column, item=item_ids[n])
    ok = ~dupes
    c.emit_long(meta[ok], names[rows.index][ok], rows[m.value_column][ok],
                pd.Series(m.value_column, index=rows.index)[ok], plans)


def source_fields(path: Path) -> tuple[list[tuple[str, str]], dict[str, object]]:
    header = read_header(path)
    hints: dict[str, object] = {}
    lower = {h.lower(): h for h in header}
    for hint, names in (("participant_column", ("participant_id", "participant", "record_id")),
                        ("timepoint_column", ("timepoint_id", "timepoint", "visit")),
                        ("submitted_at_column", ("submitted_at", "date", "completed_at"))):
        found = next((lower[n] for n in names if n in lower), None)
        if found:
            hints[hint] = found
    if {"item", "value"} <= set(lower):
        hints.update(layout="long", item_column=lower["item"], value_column=lower["value"])
        items = set()
        for chunk in _chunks(path, None):
            items.update(chunk[lower["item"]].astype(str).str.strip().unique())
        return [(i, "") for i in sorted(items) if i], hints
    taken = set(hints.values())
    return [(h, "") for h in header if h not in taken], hints
