"""Cell-level checks of a bundle file: blanks, types, allowed values, duplicate keys. Vectorised.

Frames may hold plain string columns or categoricals (streamed chunks of responses.csv are read as
categoricals): a test then runs once per distinct value and is spread to the rows through the codes,
which is what makes checking millions of rows cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engagement.bundle.spec import FileSpec
from engagement.errors import Report

ROW = "_row"  # the 1-based row in the file as a spreadsheet shows it (header = row 1)
MAX_PER_CHECK = 200  # a systematic error in a million rows is reported 200 times, then counted

DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$"
NUMBER_RE = r"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$"
INT_RE = r"^-?\d+$"
BOOL_VALUES = ("true", "false")
COUNTRY_RE = r"^[A-Z]{2}$"


@dataclass
class Budget:
    """How many rows each check has reported, across all chunks of a file; the rest are counted."""

    limit: int = MAX_PER_CHECK
    used: dict[tuple[str, str, str | None], int] = field(default_factory=dict)
    over: dict[tuple[str, str, str | None], int] = field(default_factory=dict)

    def take(self, key: tuple[str, str, str | None], wanted: int) -> int:
        have = self.used.get(key, 0)
        granted = max(0, min(wanted, self.limit - have))
        self.used[key] = have + granted
        if wanted > granted:
            self.over[key] = self.over.get(key, 0) + wanted - granted
        return granted

    def summarise(self, report: Report) -> None:
        """One closing line per check that hit its limit (call once, after the last chunk)."""
        for (code, file, column), n in self.over.items():
            report.error(code, f"{n} more rows with the same problem", file=file, column=column)
        self.over.clear()


def categories_and_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, per-row position in them) for a string or categorical column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.categories, dtype=object), values.cat.codes.to_numpy()
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(uniques, dtype=object), codes


def per_value(values: pd.Series, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """test() run once per distinct value, spread back to one bool per row."""
    uniques, codes = categories_and_codes(values)
    result = np.asarray(test(pd.Series(uniques, dtype=object)), dtype=bool)
    return result[codes] if len(codes) else np.zeros(0, dtype=bool)


@dataclass
class _Flags:
    """Problems of one file's cells go to `report`, row by row, within `budget` (None: this call only)."""

    report: Report
    spec: FileSpec
    budget: Budget | None = None

    def flag(self, frame: pd.DataFrame, mask: np.ndarray | pd.Series, code: str, column: str,
             detail: str) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(positions):
            return
        budget = self.budget or Budget()
        granted = budget.take((code, self.spec.name, column), len(positions))
        rows, values = frame[ROW].to_numpy(), frame[column]
        for pos in positions[:granted]:
            self.report.error(code, detail, file=self.spec.name, row=int(rows[pos]), column=column,
                              value=str(values.iat[pos]))
        if self.budget is None:
            budget.summarise(self.report)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(parsed dates, mask of bad non-blank values)."""
    values = values.astype(object)
    shaped = values.str.match(DATE_RE)
    parsed = pd.to_datetime(values.where(shaped), format="%Y-%m-%d", errors="coerce")
    return parsed, (values != "") & parsed.isna()


def parse_datetimes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    values = values.astype(object)
    shaped = values.str.match(DATETIME_RE).fillna(False).astype(bool)
    parsed = pd.to_datetime(values.where(shaped), format="ISO8601", errors="coerce", utc=True)
    return parsed, (values != "") & parsed.isna()


SIMPLE_UTC_RE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"


def parse_utc(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(naive UTC datetime64[us], mask of bad non-blank values) for distinct date-time strings.

    The common shape 2024-02-07T14:44:38Z is parsed by numpy in one vectorised call; anything else
    (offsets, fractions, a space for T) goes through parse_datetimes."""
    s = pd.Series(values, dtype=object)
    simple = s.str.fullmatch(SIMPLE_UTC_RE).fillna(False).to_numpy(dtype=bool)
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[us]")
    try:
        out[simple] = np.array([v[:-1] for v in s[simple]], dtype="datetime64[us]")
    except ValueError:  # e.g. month 13: let the careful parser say which
        simple[:] = False
    rest = ~simple
    if rest.any():
        parsed, _ = parse_datetimes(s[rest])
        out[rest] = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return out, (s != "").to_numpy() & np.isnat(out)


def _bad_mask(values: pd.Series, kind: str) -> tuple[np.ndarray, str, str] | None:  # noqa: PLR0911 - one per kind
    """(mask of bad rows, code, detail) for one typed column."""
    def shaped(pattern: str) -> Callable[[pd.Series], pd.Series]:
        return lambda v: (v != "") & ~v.str.match(pattern).astype(bool)

    if kind == "date":
        return per_value(values, lambda v: parse_dates(v)[1]), "B106", "expected YYYY-MM-DD"
    if kind == "datetime":
        return (per_value(values, lambda v: parse_datetimes(v)[1]), "B107",
                "expected an ISO 8601 date-time with Z or a UTC offset")
    if kind in ("int", "number"):
        return (per_value(values, shaped(INT_RE if kind == "int" else NUMBER_RE)), "B108",
                "expected a whole number" if kind == "int" else "expected a number")
    if kind == "bool":
        return (per_value(values, lambda v: (v != "") & ~v.str.lower().isin(BOOL_VALUES)), "B122",
                "expected true or false")
    if kind == "country":
        return (per_value(values, shaped(COUNTRY_RE)), "B109",
                "expected a two-letter ISO 3166 country code such as FR")
    if kind.startswith("enum:"):
        allowed = kind.removeprefix("enum:").split("|")
        return (per_value(values, lambda v: (v != "") & ~v.isin(allowed)), "B109",
                f"allowed: {', '.join(allowed)}")
    return None


def check_cells(frame: pd.DataFrame, spec: FileSpec, report: Report, *, budget: Budget | None = None,
                duplicates: bool = True) -> None:
    """Blanks, types and (unless a streaming caller checks keys across chunks) duplicate keys."""
    flags = _Flags(report, spec, budget)
    for column in spec.required:
        flags.flag(frame, per_value(frame[column], lambda v: v.str.strip() == ""), "B105", column,
                   "this column may not be blank")
    for column, kind in spec.types.items():
        found = _bad_mask(frame[column], kind)
        if found is not None:
            mask, code, detail = found
            flags.flag(frame, mask, code, column, detail)
    if duplicates:
        check_duplicate_keys(frame, spec, report, budget=budget)


def check_duplicate_keys(frame: pd.DataFrame, spec: FileSpec, report: Report, *,
                         budget: Budget | None = None) -> None:
    dupes = frame.duplicated(list(spec.key), keep="first").to_numpy()
    _Flags(report, spec, budget).flag(frame, dupes, "B110", spec.key[-1],
                                      f"the key ({', '.join(spec.key)}) already appeared on an earlier row")


def check_date_order(frame: pd.DataFrame, spec: FileSpec, start: str, end: str, report: Report) -> None:
    s, _ = parse_dates(frame[start])
    e, _ = parse_dates(frame[end])
    _Flags(report, spec).flag(frame, (e < s).fillna(False).to_numpy(), "B123", end,
                              f"{end} is before {start}")


def slug_ok(value: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*", value))


def first_rows(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Positions of the first row of each distinct combination of the given integer key columns."""
    order = np.lexsort(tuple(reversed(keys)))
    stacked = np.stack([k[order] for k in keys])
    new = np.ones(len(order), dtype=bool)
    new[1:] = (stacked[:, 1:] != stacked[:, :-1]).any(axis=0)
    starts = order[new]
    # lexsort is stable, so the first position of each group in `order` is its earliest row
    return np.sort(starts)
