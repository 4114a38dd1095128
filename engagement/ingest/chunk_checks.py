"""Checks of one chunk of long responses against what may be referred to. Vectorised over distinct values.

A chunk's columns are categoricals, so each check looks at distinct values (or distinct pairs of values)
once and spreads the verdict to the rows through integer codes. Problems name the source row: `_row`, and
`_file` / `_column` when a third-party reader says where a value came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engagement.bundle.checks import ROW, Budget, categories_and_codes
from engagement.errors import Report


@dataclass
class Where:
    """Where a chunk's rows came from: the file name, or the `_file` / `_column` columns when present."""

    file: str
    report: Report
    budget: Budget = field(default_factory=Budget)

    def flag(self, frame: pd.DataFrame, mask: np.ndarray, code: str, column: str, detail: str,
             **extra: Any) -> None:
        """One problem per flagged row, within the check's budget (the rest are counted)."""
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        granted = self.budget.take((code, self.file, column), len(positions))
        values = frame[column]
        for pos in positions[:granted]:
            self.report.error(code, detail, value=str(values.iat[pos]), **extra,
                              **self.at(frame, int(pos), column))

    def at(self, frame: pd.DataFrame, pos: int, column: str) -> dict[str, Any]:
        src_file = frame["_file"].iat[pos] if "_file" in frame.columns else None
        src_col = frame["_column"].iat[pos] if "_column" in frame.columns and column == "value" else None
        return {"file": src_file or self.file, "row": int(frame[ROW].iat[pos]), "column": src_col or column}


def pair_codes(a: pd.Series, b: pd.Series) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Distinct (a, b) pairs and each row's position among them."""
    ua, ca = categories_and_codes(a)
    ub, cb = categories_and_codes(b)
    combined = ca.astype(np.int64) * max(len(ub), 1) + cb
    codes, uniques = pd.factorize(combined)
    width = max(len(ub), 1)
    return [(ua[u // width], ub[u % width]) for u in uniques], codes


def per_pair(a: pd.Series, b: pd.Series, test: Callable[[str, str], bool]) -> np.ndarray:
    pairs, codes = pair_codes(a, b)
    verdict = np.array([test(x, y) for x, y in pairs], dtype=bool)
    return verdict[codes] if len(codes) else np.zeros(0, dtype=bool)


def check_refs(frame: pd.DataFrame, ctx: Any, where: Where) -> None:
    """Study, participant and timepoint must exist in the database or arrive in the same bundle."""
    studies = ctx.studies
    unknown = per_pair(frame["study_id"], frame["study_id"], lambda s, _: s not in studies)
    where.flag(frame, unknown, "B111", "study_id", "")
    for column, known, code in (("participant_id", ctx.participants, "B113"),
                                ("timepoint_id", ctx.timepoints, "B114")):
        bad = per_pair(frame["study_id"], frame[column],
                       lambda s, c, known=known: bool(c) and c not in known.get(s, {}))
        where.flag(frame, bad, code, column, "")


def version_index(frame: pd.DataFrame, lookup: Callable[[tuple[str, str]], int]) -> np.ndarray:
    """Per row: the index of its (instrument_id, instrument_version), -1 when not registered."""
    pairs, codes = pair_codes(frame["instrument_id"], frame["instrument_version"])
    index = np.array([lookup(p) for p in pairs], dtype=np.int32)
    return index[codes] if len(codes) else np.zeros(0, dtype=np.int32)


def check_versions(frame: pd.DataFrame, version: np.ndarray, where: Where) -> None:
    bad = version < 0
    if not bad.any():
        return
    pairs, codes = pair_codes(frame["instrument_id"], frame["instrument_version"])
    for k in np.unique(codes[bad]):
        iid, ver = pairs[k]
        where.flag(frame, bad & (codes == k), "B115",
                     "instrument_version", f"instrument {iid} version {ver} is not registered")


def numbers(values: pd.Series) -> np.ndarray:
    """Per row: the value as a float, NaN when blank (cells were checked to be numbers or blank)."""
    uniques, codes = categories_and_codes(values)
    parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype=float)
    return parsed[codes] if len(codes) else np.zeros(0)


def check_items_and_values(frame: pd.DataFrame, version: np.ndarray, instruments: list[Any],
                           where: Where) -> None:
    """Each item must be a scored item of its instrument version, each value on the item's scale."""
    items, item_codes = categories_and_codes(frame["item_id"])
    values, value_codes = categories_and_codes(frame["value"])
    combined = (version.astype(np.int64) + 1) * len(items) + item_codes
    combined = combined * max(len(values), 1) + value_codes
    codes, uniques = pd.factorize(combined)
    width_v = max(len(values), 1)
    value_num = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    for k, u in enumerate(uniques):
        v_idx, rest = divmod(int(u), len(items) * width_v)
        if v_idx == 0:  # unregistered version: reported by check_versions
            continue
        item_id, value = items[rest // width_v], value_num[rest % width_v]
        instrument = instruments[v_idx - 1]
        problem = _item_problem(instrument, item_id, value)
        if problem is not None:
            code, column, detail = problem
            where.flag(frame, codes == k, code, column, detail,
                         **({"item": item_id} if code == "B109" else {}))


def _item_problem(instrument: Any, item_id: str, value: float) -> tuple[str, str, str] | None:
    # Numeric answers are stored for every item that is not free text; a number item without a scale
    # (REDCap integer fields, FHIR decimals) takes any number, and only scaled items are checked further.
    if not instrument.has_item(item_id) or instrument.item(item_id).type == "text":
        detail = "text items belong in comments.csv" if instrument.has_item(item_id) else \
            f"instrument {instrument.id} {instrument.version} has no numeric item {item_id!r}"
        return "B117", "item_id", detail
    scale = instrument.scale_of(item_id)
    if np.isnan(value) or scale is None:
        return None
    if scale.is_valid(value) or value in scale.missing_codes:
        return None
    allowed = f"{scale.range[0]:g} to {scale.range[1]:g}" if scale.range else \
        ", ".join(f"{v:g}" for v in (*scale.values, *scale.missing_codes))
    return "B109", "value", f"item {item_id} allows {allowed}"


HEADER = ("study_id", "participant_id", "timepoint_id", "instrument_id", "instrument_version", "submitted_at")
_MIX = np.uint64(0x9E3779B97F4A7C15)


def header_hashes(frame: pd.DataFrame) -> np.ndarray:
    """Per row: a 64-bit hash of the columns every row of one submission must agree on."""
    out = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in HEADER:
            uniques, codes = categories_and_codes(frame[column])
            h = pd.util.hash_array(uniques.astype(object)) if len(uniques) else np.zeros(0, np.uint64)
            out = (out * _MIX) ^ (h[codes] if len(codes) else out)
    return out


def report_inconsistent(frame: pd.DataFrame, ords: np.ndarray, hashes: np.ndarray, expected: np.ndarray,
                        where: Where) -> None:
    """B118 on the first row of each distinct header that differs from the submission's first one."""
    bad = hashes != expected
    if not bad.any():
        return
    positions = np.flatnonzero(bad)
    _, first = np.unique(np.stack([ords[positions], hashes[positions].view(np.int64)]), axis=1,
                         return_index=True)
    mask = np.zeros(len(frame), dtype=bool)
    mask[positions[first]] = True
    where.flag(frame, mask, "B118", "submission_id",
                 "this row disagrees with an earlier row of the same submission")


class KeySet:
    """Exact (submission ordinal, item ordinal) keys seen so far, as sorted int64 runs (merged like an LSM
    tree), so checking a chunk for repeats of earlier rows costs a few binary searches per row."""

    ITEM_BITS = 24

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []

    def seen(self, keys: np.ndarray) -> np.ndarray:
        hit = np.zeros(len(keys), dtype=bool)
        for run in self.runs:
            pos = np.searchsorted(run, keys)
            hit |= run[np.minimum(pos, len(run) - 1)] == keys
        return hit

    def add(self, keys: np.ndarray) -> None:
        run = _sorted_unique(keys)
        while self.runs and len(self.runs[-1]) <= len(run):
            run = _sorted_unique(np.concatenate([self.runs.pop(), run]))
        self.runs.append(run)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    # a stable sort merges already-sorted runs in linear time (np.unique would hash every key)
    ordered = np.sort(keys, kind="stable")
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def check_duplicates(frame: pd.DataFrame, keys: np.ndarray, seen: KeySet, where: Where) -> None:
    """B110 on a row whose (submission_id, item_id) appeared on an earlier row of this chunk or file."""
    dupes = pd.Series(keys).duplicated(keep="first").to_numpy() | seen.seen(keys)
    where.flag(frame, dupes, "B110", "item_id",
                 "the key (submission_id, item_id) already appeared on an earlier row")
    seen.add(keys)
