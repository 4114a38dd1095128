"""Read an XLSForm workbook into plain sheets: .xlsx (openpyxl), .xls (xlrd), pyxform's CSV and Markdown.

Every flavour becomes {lower-case sheet name: Sheet}; a Sheet keeps the sheet's own spelling for
messages and its non-blank rows with their 1-based row numbers, cells as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engagement.converters._build import InstrumentBuilder
from engagement.converters._sources import read_text
from engagement.converters._text import code_text


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read_sheets(path: Path, b: InstrumentBuilder) -> dict[str, Sheet] | None:
    suffix = path.suffix.lower()
    if not path.is_file():
        b.error("I350", "file not found")
        return None
    if suffix in (".csv", ".md"):
        text = read_text(path, b)
        if text is None:
            return None
        return _flat(_csv_rows(text) if suffix == ".csv" else _md_rows(text))
    if suffix not in (".xlsx", ".xls"):
        b.error("I350", f"extension {suffix!r}; an XLSForm is .xlsx, .xls, .csv or .md")
        return None
    try:
        return _xlsx(path) if suffix == ".xlsx" else _xls(path)
    except Exception as exc:  # openpyxl and xlrd raise many exception types for a broken workbook
        b.error("I350", f"workbook cannot be opened: {type(exc).__name__}: {exc}")
        return None


def cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return code_text(value)


def _keep(sheets: dict[str, Sheet], name: str, rows: list[tuple[int, list[str]]]) -> None:
    sheets.setdefault(name.strip().lower(), Sheet(name.strip(), [r for r in rows if any(r[1])]))


def _xlsx(path: Path) -> dict[str, Sheet]:
    import openpyxl

    sheets: dict[str, Sheet] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Unknown extension is not supported" from real workbooks
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)  # cached formula values
        try:
            for ws in wb.worksheets:
                rows = [
                    (i, [cell_text(c) for c in row])
                    for i, row in enumerate(ws.iter_rows(values_only=True), 1)
                ]
                _keep(sheets, ws.title, rows)
        finally:
            wb.close()
    return sheets


def _xls(path: Path) -> dict[str, Sheet]:
    import xlrd

    wb = xlrd.open_workbook(str(path))
    sheets: dict[str, Sheet] = {}
    for ws in wb.sheets():
        rows = []
        for i in range(ws.nrows):
            cells = []
            for cell in ws.row(i):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    cells.append(cell_text(xlrd.xldate.xldate_as_datetime(cell.value, wb.datemode)))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append(cell_text(bool(cell.value)))
                else:
                    cells.append(cell_text(cell.value))
            rows.append((i + 1, cells))
        _keep(sheets, ws.name, rows)
    return sheets


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    return [(i, [c.strip() for c in row]) for i, row in enumerate(csv.reader(io.StringIO(text)), 1)]


def _md_rows(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line[1:].split("|")]
        if line.endswith("|") and len(line) > 1:
            cells = cells[:-1]
        rows.append((i, cells))
    return rows


def _flat(lines: list[tuple[int, list[str]]]) -> dict[str, Sheet]:
    """pyxform's flat flavours: a sheet name alone in the first cell, then its rows shifted right by one."""
    sheets: dict[str, Sheet] = {}
    current: tuple[str, list[tuple[int, list[str]]]] | None = None
    for n, cells in lines:
        if not cells or not any(cells):
            continue
        if cells[0]:
            if current:
                _keep(sheets, *current)
            current = (cells[0], [])
        elif current:
            current[1].append((n, cells[1:]))
    if current:
        _keep(sheets, *current)
    return sheets
