"""From source rows to the two frames of the native bundle, shared by every reader.

A reader works out, per source row, who answered when (the submission "meta": submission_id,
participant_id, timepoint_id, submitted_at, may_quote, source_row) and which columns hold which items
(the plans); this module turns that into long responses and comments, converting each distinct cell
value once and collecting coded problems with their row and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engagement.errors import Problem, Report
from engagement.instruments.model import Instrument
from engagement.readers.mapping import Mapping
from engagement.readers.values import NA_TOKENS, ItemView, convert_value, item_views, parse_time, zone

RESPONSE_COLUMNS = ["submission_id", "study_id", "participant_id", "timepoint_id", "instrument_id",
                    "instrument_version", "submitted_at", "item_id", "value"]
SOURCE_COLUMNS = ["source_file", "source_row", "source_column"]
COMMENT_COLUMNS = ["submission_id", "item_id", "text", "may_quote"]
META_COLUMNS = ["submission_id", "participant_id", "timepoint_id", "submitted_at", "may_quote", "source_row"]
# the columns an answer row takes from its submission's meta row
ANSWER_META = ("submission_id", "participant_id", "timepoint_id", "submitted_at", "source_row")
PROBLEMS_PER_KIND = 50  # per code and column; the rest are counted in one G425


@dataclass
class ReadResult:
    responses: pd.DataFrame
    comments: pd.DataFrame
    report: Report

    @property
    def submissions(self) -> int:
        ids = set(self.responses["submission_id"]) | set(self.comments["submission_id"])
        return len(ids)


@dataclass(frozen=True)
class Plan:
    """One source column feeding one item."""

    column: str
    item_id: str
    kind: str                      # choice | number | text
    view: ItemView | None = None
    recode: dict[str, str] | None = None


@dataclass
class Collector:
    file: str
    mapping: Mapping
    study_id: str
    instrument: Instrument | None = None
    default_missing: tuple[str, ...] = ()
    report: Report = field(default_factory=Report)
    _responses: list[dict[str, np.ndarray]] = field(default_factory=list)
    _comments: list[dict[str, np.ndarray]] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _counts: dict[tuple[str, str | None], int] = field(default_factory=lambda: defaultdict(int))
    _blocking: dict[tuple[str, str | None], bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.views = item_views(self.instrument)
        self.tz = zone(self.mapping.timezone or "UTC")
        if self.tz is None:
            self.error("G423", f"time zone {self.mapping.timezone!r}", column="timezone",
                       value=self.mapping.timezone)
            self.tz = zone("UTC")
        self._consent_yes = {v.lower() for v in self.mapping.consent_values}
        self.missing = set(self.mapping.missing_values if self.mapping.missing_values is not None
                           else self.default_missing)

    # ------------------------------------------------------------------------------------ problems
    def error(self, code: str, detail: str = "", **where: object) -> None:
        self._add(True, code, detail, where)

    def warn(self, code: str, detail: str = "", **where: object) -> None:
        self._add(False, code, detail, where)

    def _add(self, blocking: bool, code: str, detail: str, where: dict[str, object]) -> None:
        key = (code, where.get("column"))  # type: ignore[assignment]
        self._counts[key] += 1
        self._blocking[key] = self._blocking.get(key, False) or blocking
        if self._counts[key] > PROBLEMS_PER_KIND:
            return
        problem = Problem(code, detail, **{"file": self.file, **where})  # type: ignore[arg-type]
        (self.report.errors if blocking else self.report.warnings).append(problem)

    # ------------------------------------------------------------------------------------ plans
    def plans(self, columns: list[str] | None, text_hint: set[str] | None = None) -> list[Plan]:
        """The mapped columns, each with its item's kind; G402 for missing columns, G414 unknown items.
        columns=None: the source has no fixed columns (FHIR linkIds), so none can be missing."""
        m, out = self.mapping, []
        for col, item_id in m.fields.items():
            if columns is not None and col not in columns:
                self.error("G402", f"mapped to item {item_id!r}", column=col, item=item_id)
                continue
            view = self.views.get(item_id)
            if self.views and view is None:
                self.error("G414", f"{self.mapping.instrument_id} {self.mapping.instrument_version}",
                           column=col, item=item_id)
                continue
            text = col in m.text_fields or (view is not None and view.kind == "text") or (
                view is None and text_hint is not None and col in text_hint)
            kind = "text" if text else (view.kind if view else "number")
            out.append(Plan(col, item_id, kind, view, m.recodes.get(col)))
        for col in m.text_fields:
            if col not in m.fields and (columns is None or col in columns):
                out.append(Plan(col, col, "text"))
        return out

    def unmapped(self, candidates: list[str], row: int | None = None) -> None:
        mapped = set(self.mapping.fields) | set(self.mapping.text_fields)
        for col in candidates:
            if col not in mapped:
                self.warn("G413", "", column=col, row=row)

    # ------------------------------------------------------------------------------------ meta helpers
    def time(self, raw: str, row: int, column: str) -> str | None:
        t = parse_time(raw, self.tz)  # type: ignore[arg-type]
        if t.iso is None:
            self.error("G407", "", row=row, column=column, value=raw)
        elif t.date_only:
            self.warn("G421", f"read as {t.iso}", row=row, column=column, value=raw)
        return t.iso

    def default_time(self, row: int, column: str | None) -> str | None:
        if self.mapping.submitted_at_default:
            return self.time(self.mapping.submitted_at_default, row, "submitted_at_default")
        self.error("G408", "", row=row, column=column)
        return None

    def participant(self, raw: str, row: int, column: str | None) -> str:
        m = self.mapping
        if m.anonymous:
            return ""
        if m.participant_lookup:
            if raw not in m.participant_lookup:
                self.error("G410", "", row=row, column=column, value=raw)
                return ""
            return m.participant_lookup[raw]
        return f"{m.participant_prefix}{raw}" if raw else ""

    def timepoint(self, keys: list[str], row: int, column: str | None, shown: str) -> str:
        m = self.mapping
        for key in keys:
            if key in m.events:
                return m.events[key]
        if m.events and m.timepoint is None:
            self.error("G409", f"known: {', '.join(sorted(m.events))}", row=row, column=column, value=shown)
        return m.timepoint or ""

    def may_quote(self, raw: str | None) -> str:
        return "true" if raw is not None and raw.strip().lower() in self._consent_yes else "false"

    def incomplete(self, row: int, column: str | None, value: str, detail: str = "") -> bool:
        """Apply the mapping's incomplete rule; True when the submission is still imported."""
        rule = self.mapping.incomplete
        if rule == "error":
            self.error("G412", detail, row=row, column=column, value=value)
            return True
        if rule == "skip":
            self.warn("G422", detail, row=row, column=column, value=value)
            return False
        self.warn("G412", detail, row=row, column=column, value=value)
        return True

    @property
    def submission_ids(self) -> set[str]:
        return self._seen

    def first_time(self, sid: str, row: int) -> bool:
        if sid in self._seen:
            self.error("G416", "", row=row, value=sid)
            return False
        self._seen.add(sid)
        return True

    # ------------------------------------------------------------------------------------ emitting
    def prepare(self, chunk: pd.DataFrame, plans: list[Plan]) -> None:
        """Strip the mapped columns once, in place, so later blank checks are plain lookups.
        Only the distinct values are looked at: exports repeat a few codes many times."""
        for col in dict.fromkeys(p.column for p in plans):
            cells = chunk[col]
            if cells.hasnans:
                cells = cells.fillna("")
            fix = {u: str(u).strip() for u in pd.unique(cells) if not isinstance(u, str) or u != u.strip()}
            chunk[col] = cells.replace(fix) if fix else cells

    def answered(self, chunk: pd.DataFrame, plans: list[Plan]) -> pd.Series:
        """Rows with at least one non-blank mapped cell."""
        mask = pd.Series(False, index=chunk.index)
        for p in plans:
            mask |= ~_blank(chunk[p.column])
        return mask

    def emit_wide(self, meta: pd.DataFrame, chunk: pd.DataFrame, plans: list[Plan]) -> None:
        """meta and chunk share an index: one row per submission, one column per plan."""
        if meta.empty:
            return
        arrays = {col: meta[col].to_numpy() for col in META_COLUMNS}
        start = len(self._responses)
        answered, commented = np.zeros(len(meta), dtype=bool), np.zeros(len(meta), dtype=bool)
        for p in plans:
            cells = chunk[p.column].to_numpy()
            present = ~_blank(chunk[p.column]).to_numpy()
            if not present.any():
                continue
            sub = {col: a[present] for col, a in arrays.items()}
            sub["source_column"] = _const(int(present.sum()), p.column)
            if p.kind == "text":
                commented |= present
                self._comment(sub, p.item_id, cells[present])
            else:
                answered |= present
                self._answer(sub, p, cells[present])
        self._unanswered(arrays, plans, commented & ~answered)
        self._merge(start)

    def _unanswered(self, arrays: dict[str, np.ndarray], plans: list[Plan], rows: np.ndarray) -> None:
        """Submissions that hold only free text get a blank answer for each mapped scored item: the native
        bundle carries a submission's header on its responses rows, and blank is what happened (stored as
        not answered, so its scores are empty with their reason)."""
        n = int(rows.sum())
        if not n:
            return
        sub = {col: arrays[col][rows] for col in ANSWER_META}
        for p in plans:
            if p.kind != "text":
                self._responses.append({**sub, "source_column": _const(n, p.column),
                                        "item_id": _const(n, p.item_id), "value": _const(n, "")})

    def emit_long(self, meta: pd.DataFrame, keys: pd.Series, cells: pd.Series, columns: pd.Series,
                  plans: dict[str, Plan]) -> None:
        """meta, keys (source field of each answer), cells and columns share an index: one row per
        answer (long tables, FHIR); plans are keyed by source field."""
        arrays = {col: meta[col].to_numpy() for col in META_COLUMNS}
        arrays["source_column"] = columns.to_numpy()
        values = cells.astype(str).str.strip().to_numpy()
        start = len(self._responses)
        for key, pos in keys.reset_index(drop=True).groupby(keys.to_numpy(), sort=False).indices.items():
            p = plans[key]
            sub = {col: a[pos] for col, a in arrays.items()}
            if p.kind == "text":
                self._comment(sub, p.item_id, values[pos])
            else:
                self._answer(sub, p, values[pos])
        self._merge(start)

    def _merge(self, start: int) -> None:
        """One part per chunk, in source-row order (stable: items keep their column order), so the
        result needs no global sort and no second copy of a million rows."""
        parts = self._responses[start:]
        if len(parts) <= 1:
            return
        merged = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
        order = np.argsort(merged["source_row"].astype("int64"), kind="stable")
        self._responses[start:] = [{c: a[order] for c, a in merged.items()}]

    def _answer(self, sub: dict[str, np.ndarray], p: Plan, cells: np.ndarray) -> None:
        conv = {u: (("", None, "") if u in self.missing else _conv(u, p)) for u in pd.unique(cells)}
        series = pd.Series(cells, dtype=object)
        values = series.map({u: c[0] for u, c in conv.items()}).to_numpy(dtype=object)
        codes = {u: c[1] is not None for u, c in conv.items()}
        bad = (series.map(codes).to_numpy(dtype=bool) if any(codes.values())
               else np.zeros(len(cells), dtype=bool))
        for i in np.flatnonzero(bad):  # error() keeps the first few per code and column, counts the rest
            _, code, detail = conv[cells[i]]
            self.error(code or "G406", detail, row=int(sub["source_row"][i]), column=sub["source_column"][i],
                       item=p.item_id, value=cells[i])
        ok = ~bad
        part = {col: sub[col][ok] for col in (*ANSWER_META, "source_column")}
        part["item_id"] = _const(int(ok.sum()), p.item_id)
        part["value"] = values[ok]
        self._responses.append(part)

    def _comment(self, sub: dict[str, np.ndarray], item_id: str, cells: np.ndarray) -> None:
        self._comments.append({"submission_id": sub["submission_id"],
                               "item_id": _const(len(cells), item_id),
                               "text": np.array([str(t).strip() for t in cells], dtype=object),
                               "may_quote": sub["may_quote"]})

    # ------------------------------------------------------------------------------------ result
    def result(self) -> ReadResult:
        for (code, column), n in list(self._counts.items()):
            if n > PROBLEMS_PER_KIND:
                add = self.error if self._blocking[(code, column)] else self.warn
                add("G425", f"{n - PROBLEMS_PER_KIND} more {code}", column=column)
        n = sum(len(p["value"]) for p in self._responses)
        constants = {"study_id": self.study_id, "instrument_id": self.mapping.instrument_id,
                     "instrument_version": self.mapping.instrument_version, "source_file": self.file}
        columns = {}
        for col in RESPONSE_COLUMNS + SOURCE_COLUMNS:
            if col in constants:
                columns[col] = _const(n, constants[col])
            elif n:
                columns[col] = np.concatenate([p[col] for p in self._responses])
            else:
                columns[col] = np.array([], dtype="int64" if col == "source_row" else object)
        self._responses = []  # the parts are copied into the frame: let them go
        responses = pd.DataFrame(columns, copy=False)  # no second copy of a million rows
        responses["source_row"] = responses["source_row"].astype("int64")
        if responses["submitted_at"].hasnans:  # unreadable times, already reported
            responses["submitted_at"] = responses["submitted_at"].fillna("")
        comments = _frame(self._comments, COMMENT_COLUMNS)
        return ReadResult(responses, comments, self.report)


def guarded(c: Collector, chunks: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks of a CSV or workbook; a malformed file (ragged rows, broken quotes) becomes G400
    with the parser's own words, which name the line."""
    try:
        yield from chunks
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        c.error("G400", str(exc).strip()[:300])


def _const(n: int, value: object) -> np.ndarray:
    """n references to one object (np.full would make n copies of a string: 50 bytes each)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _frame(parts: list[dict[str, np.ndarray]], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "source_row" else object) for c in columns})
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in columns})


def _conv(u: str, p: Plan) -> tuple[str, str | None, str]:
    c = convert_value(u, p.view, p.recode)
    return (c.value or "", c.code, c.detail)


def _blank(cells: pd.Series) -> pd.Series:
    """Blank or NA; cells are already stripped (Collector.prepare)."""
    return cells.isna() | cells.isin(NA_TOKENS)

