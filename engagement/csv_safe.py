"""CSV writing that spreadsheets cannot turn into formulas.

A cell whose text starts with = + - @ tab or carriage return is run as a formula by Excel, LibreOffice
and Google Sheets (OWASP "CSV injection"). Such text cells get a leading single quote, which every one of
them shows as plain text. Numbers are written as numbers: -3.5 is a value, not a formula, and quoting it
would make it text in the sheet.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should receive it: blanks for missing, quoted text for formula starts."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, int | float):
        return value
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass  # array-likes have no single truth value; they are written as their text
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def frame_to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text, every cell neutralised; numpy scalars are written as plain numbers."""
    records = (tuple(_plain(v) for v in row) for row in frame.itertuples(index=False, name=None))
    return rows_to_csv([str(c) for c in frame.columns], records)


def write_frame_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    out = Path(path)
    out.write_text(frame_to_csv(frame), encoding="utf-8", newline="")
    return out


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)  # numpy scalar -> Python scalar, so isinstance checks hold
    return item() if callable(item) and not isinstance(value, str) else value
