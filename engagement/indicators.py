"""Indicators from stored scores: n, mean, 95% interval and top-box share by stage, site, role and more.

The unit is the respondent. Within a cell each person's scores for an indicator (several subscales,
several timepoints) are first averaged, so n counts distinct people and the t interval uses n - 1 degrees
of freedom. Top-box share is the share of respondents whose cell score is at least 75 out of 100, that
is, on average "agree" or better on a five-point scale (for burden, a high burden). Aggregate-only
viewers (sponsors, advocates) get small cells suppressed, with complementary suppression, through
engagement.suppression; trial managers see their own sites only. See docs/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy.orm import Session

from engagement import csv_safe, indicators_data
from engagement.errors import fail
from engagement.indicators_data import StudyFrames
from engagement.indicators_privacy import Access, access_for, lattice, protect, view
from engagement.permissions import Viewer

DIMENSIONS = ("study", "stage", "timepoint", "site", "role", "period")
INDICATORS = ("burden", "trust", "engagement", "experience", "other")
TOP_BOX_AT = 75.0
PERSON_ATTRIBUTES = ("site", "role")  # one value per person
VALUE_COLUMNS = ["n", "mean", "sd", "ci_low", "ci_high", "top_box"]
CSV_COLUMNS = ["indicator", "n", "mean", "ci_low", "ci_high", "top_box", "suppressed"]


@dataclass(frozen=True)
class IndicatorFilters:
    """What the viewer narrowed the data to; None means "all".

    Stage, site and role take one value each: views are slices of one protected table, and only
    single-value slices are relations that table protects (docs/privacy.md). Date ranges are offered
    to study staff only, for the same reason.
    """

    stage: str | None = None
    site: str | None = None
    role: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    as_of: dt.date | None = None  # response rates and retention: "today" unless given

    def effective_as_of(self) -> pd.Timestamp:
        as_of = self.as_of or dt.datetime.now(dt.UTC).date()
        if self.date_to is not None:
            as_of = min(as_of, self.date_to)
        return pd.Timestamp(as_of)

    def slices(self) -> dict[str, str | None]:
        return {"stage": self.stage, "site": self.site, "role": self.role}


@dataclass
class Prepared:
    """Frames for one call: loaded (cached), checked against the filters, scoped to the viewer."""

    frames: StudyFrames
    access: Access
    filters: IndicatorFilters
    rows: pd.DataFrame = field(repr=False)  # score grain within the date range (not yet sliced)


def prepare(session: Session, viewer: Viewer, study_id: str,
            filters: IndicatorFilters | None = None) -> Prepared:
    access = access_for(viewer, study_id)
    filters = filters or IndicatorFilters()
    indicators_data.new_call(session)
    frames = indicators_data.study_frames(session, study_id, access.scope)
    check_filters(frames, filters, access)
    return Prepared(frames, access, filters, date_rows(frames.grain, filters))


def check_filters(frames: StudyFrames, f: IndicatorFilters, access: Access) -> None:
    known = {"stage": set(frames.stages["stage"]), "site": set(frames.sites["site"]),
             "role": set(indicators_data.ROLE_ORDER)}
    for name, value in f.slices().items():
        if value is not None and value not in known[name]:
            raise fail("X903", f"unknown {name} {value!r}; known: {', '.join(sorted(known[name]))}",
                       column=name, value=str(value))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise fail("X903", f"date range starts {f.date_from} after it ends {f.date_to}",
                   column="date_from", value=str(f.date_from))
    if access.aggregate_only and (f.date_from or f.date_to):
        raise fail("X903", "date ranges are offered to study staff only: two ranges subtracted could "
                   "reveal a small group", column="date_from",
                   fix="leave the date range empty; use the calendar period grouping instead")


def date_rows(grain: pd.DataFrame, f: IndicatorFilters) -> pd.DataFrame:
    mask = np.ones(len(grain), dtype=bool)
    if f.date_from is not None:
        mask &= (grain["submitted_at"] >= pd.Timestamp(f.date_from, tz="UTC")).to_numpy()
    if f.date_to is not None:
        end = pd.Timestamp(f.date_to, tz="UTC") + pd.Timedelta(days=1)
        mask &= (grain["submitted_at"] < end).to_numpy()
    return grain[mask] if not mask.all() else grain


def check_dims(by: Sequence[str]) -> list[str]:
    dims = [d.strip() for d in by if d.strip()]
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad or len(set(dims)) != len(dims):
        raise fail("X901", f"cannot group by {', '.join(bad) or 'a repeated name'}",
                   column="--by", value=",".join(dims))
    return dims


def aggregate(rows: pd.DataFrame, dims: Sequence[str]) -> pd.DataFrame:
    """n, mean, sd, 95% t interval and top-box share per cell of dims x indicator (unsuppressed)."""
    keys = [*dims, "indicator"]
    return summarise(person_means(rows, keys), keys)


def person_means(rows: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One value per person and cell (a person answering twice in a cell must not count twice),
    carrying the person's site and role so coarser cells can be summarised without re-reading rows."""
    missing = rows["value"].isna().to_numpy()
    data = rows[~missing] if missing.any() else rows  # stored grains hold no gaps: skip the copy
    # What groupby([*keys, "person"], observed=True, sort=False).mean() gives, from integer codes in
    # one counting pass: pandas' multi-key groupby was most of the indicator lattice's time.
    kept, group, first = first_seen_groups(data, [*keys, "person"])
    values = data["value"].to_numpy(dtype=float)[kept]
    out = data.iloc[first][[*keys, "person"]].reset_index(drop=True)
    out["value"] = np.bincount(group, values, len(first)) / np.bincount(group, minlength=len(first))
    for attr in PERSON_ATTRIBUTES:
        if attr not in keys and attr in data:  # one site and one role per person: the first row's
            out[attr] = _sorted_categories(data[attr].array[first])
    return out


def first_seen_groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What groupby(keys, sort=False, observed=True) groups: (rows kept, their group numbers, each
    group's first row). Groups are numbered in order of first appearance; rows with a missing key are
    left out, as groupby does."""
    codes, sizes, _ = _key_codes(frame, keys)
    rows = np.flatnonzero(np.logical_and.reduce([c >= 0 for c in codes])) if codes else np.arange(len(frame))
    key = np.zeros(len(rows), dtype=np.int64)
    for c, size in zip(codes, sizes, strict=True):
        key = key * (size + 1) + c[rows]
    group, uniques = pd.factorize(key)
    first = np.zeros(len(uniques), dtype=np.int64)
    first[group[::-1]] = rows[::-1]
    return rows, group, first


def _sorted_categories(values: pd.api.extensions.ExtensionArray | np.ndarray) -> pd.Categorical:
    """A categorical with its categories in sorted order, the order groupings of strings come out in:
    as strings every grouping of the result would factorize 10^5 of them again."""
    if isinstance(values, pd.Categorical):
        return values.reorder_categories(sorted(values.categories))
    return pd.Categorical(values)


def summarise(per_person: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """n, mean, sd, t interval and top-box share per cell, from sums (one grouping pass)."""
    code, cells = _groups(per_person, list(keys))
    v = per_person["value"].to_numpy(dtype=float)
    n = np.asarray(cells["n"], dtype=float)
    mean = np.bincount(code, v, minlength=len(n)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        # Sum of squared deviations from each cell's mean: stable for values on a 0-100 scale.
        ss = np.bincount(code, (v - mean[code]) ** 2, minlength=len(n))
        sd = np.sqrt(np.where(n > 1, ss / (n - 1), np.nan))
    half = t_half_width(sd, n)
    # one frame built once: adding columns one by one cost more than the arithmetic
    return pd.DataFrame({**{k: cells[k] for k in keys}, "n": cells["n"], "mean": mean, "sd": sd,
                         "ci_low": mean - half, "ci_high": mean + half,
                         "top_box": np.bincount(code, v >= TOP_BOX_AT, minlength=len(n)) / n},
                        columns=[*keys, *VALUE_COLUMNS])


def _groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, dict[str, Any]]:
    """(group number per row, columns of one row per group: its keys and n), groups in sorted key order.

    What groupby(keys, observed=True, sort=True) ngroup() and size() give, computed from codes in one
    counting pass: pandas' ngroup() took most of the lattice's time.
    """
    if not len(frame) or not keys:
        return _pandas_groups(frame, keys)
    codes, sizes, makers = _key_codes(frame, keys)
    if any((c < 0).any() for c in codes):  # groupby drops rows with a missing key: leave that to it
        return _pandas_groups(frame, keys)
    combined = np.zeros(len(frame), dtype=np.int64)
    for c, size in zip(codes, sizes, strict=True):
        combined = combined * size + c
    cells_possible = int(np.prod(sizes, dtype=float))
    if cells_possible <= 4 * len(frame) + 1024:  # few possible cells (the usual case): count them
        seen = np.bincount(combined, minlength=cells_possible) > 0
        n_groups = int(seen.sum())
        code = (np.cumsum(seen) - 1)[combined]
    else:
        uniq, code = np.unique(combined, return_inverse=True)
        n_groups = len(uniq)
    code = code.astype(np.int64).reshape(-1)
    first = np.zeros(n_groups, dtype=np.int64)
    first[code[::-1]] = np.arange(len(frame) - 1, -1, -1)  # a row of each group
    cells = {k: make(c[first]) for k, c, make in zip(keys, codes, makers, strict=True)}
    cells["n"] = np.bincount(code, minlength=n_groups).astype(np.int64)
    return code, cells


def _key_codes(frame: pd.DataFrame, keys: list[str]) -> tuple[list[np.ndarray], list[int], list[Callable]]:
    """Per key column: integer codes in the order groupby sorts (a category's own order, else sorted
    values; -1 for missing), how many codes there are, and a function turning codes back into values."""
    codes, sizes, makers = [], [], []
    for k in keys:
        col = frame[k]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes.append(col.cat.codes.to_numpy(dtype=np.int64))
            sizes.append(len(col.cat.categories))
            makers.append(lambda c, dtype=col.dtype: pd.Categorical.from_codes(c, dtype=dtype))
        else:
            c, uniques = pd.factorize(col, sort=True)
            codes.append(c.astype(np.int64))
            sizes.append(len(uniques))
            makers.append(lambda c, u=uniques: u.take(c).to_numpy())
    return codes, sizes, makers


def _pandas_groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, dict[str, Any]]:
    g = frame.groupby(keys, observed=True, sort=True)
    sizes = g.size().reset_index(name="n")
    return g.ngroup().to_numpy(), {c: sizes[c].array for c in sizes.columns}


def sums_by(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """frame.groupby(keys, observed=True)[columns].sum().reset_index() for integer counts, one row per
    group in key order (one row in all when keys is empty): a lattice sums a few hundred finest cells a
    dozen ways, where pandas' per-call cost was most of the work."""
    if not keys:
        return pd.DataFrame({c: [int(frame[c].to_numpy(dtype=np.int64).sum())] for c in columns})
    code, cells = _groups(frame, keys)
    n_groups = len(cells["n"])
    return pd.DataFrame({**{k: cells[k] for k in keys}, **{
        c: np.bincount(code, frame[c].to_numpy(dtype=np.int64), n_groups).round().astype(np.int64)
        for c in columns}})


def lattice_aggregator(rows: pd.DataFrame) -> Callable[[pd.DataFrame, list[str]], pd.DataFrame]:
    """aggregate() for lattice(), reducing to people once per set of non-person dimensions: site and
    role belong to the person, so the cells of (stage, site, role) and of (stage) share one reduction."""
    bases: dict[tuple[str, ...], pd.DataFrame] = {}

    def agg(_rows: pd.DataFrame, kept: list[str]) -> pd.DataFrame:
        repeated = tuple(d for d in kept if d not in PERSON_ATTRIBUTES)
        if repeated not in bases:
            bases[repeated] = person_means(rows, [*repeated, "indicator"])
        return summarise(bases[repeated], [*kept, "indicator"])

    return agg


def t_half_width(sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    n = n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.ppf(0.975, np.where(n > 1, n - 1, np.nan))
        return t * sd / np.sqrt(n)


def protected_lattice(prepared: Prepared, dims: Sequence[str]) -> pd.DataFrame:
    """Every cell and margin over dims, protected for aggregate-only viewers (see indicators_privacy)."""
    table = lattice(prepared.rows, list(dims), lattice_aggregator(prepared.rows))
    return protect(table, list(dims), prepared.access, VALUE_COLUMNS)


def cells(prepared: Prepared, dims: Sequence[str]) -> pd.DataFrame:
    """The finest cells over dims as the viewer may see them (suppressed values blank)."""
    lat_dims = [d for d in dims if d != "study"]
    table = view(protected_lattice(prepared, lat_dims), lat_dims, lat_dims, {})
    if "study" in dims:
        table.insert(0, "study", prepared.frames.study_id)
    table = _sorted(table, [*lat_dims, "indicator"], prepared.frames)
    return table[[*dims, "indicator", *VALUE_COLUMNS, "suppressed", "suppression", "n_label"]]


def _sorted(table: pd.DataFrame, keys: list[str], frames: StudyFrames) -> pd.DataFrame:
    """Rows in reading order: lifecycle order for stages and timepoints, then codes and names."""
    orders = {"stage": list(frames.stages["stage"]), "timepoint": list(frames.timepoints["timepoint"]),
              "role": indicators_data.ROLE_ORDER, "indicator": list(INDICATORS)}
    ranks = {k: table[k].map({v: i for i, v in enumerate(orders[k])}).fillna(len(orders[k]))
             for k in keys if k in orders}
    sort_frame = pd.DataFrame({k: ranks.get(k, table[k].astype(str)) for k in keys})
    return table.iloc[sort_frame.sort_values(keys, kind="stable").index].reset_index(drop=True)


def stage_changes(table: pd.DataFrame, dims: Sequence[str], stage_order: Sequence[str]) -> pd.DataFrame:
    """Change in mean from each stage to the next stage that has data, per indicator and other dims.

    The interval is Welch's, treating the two stages as independent samples; with the same people in
    both it is wider than a paired interval would be, never narrower.
    """
    others = [d for d in dims if d != "stage"] + ["indicator"]
    rank = {s: i for i, s in enumerate(stage_order)}
    out = []
    for key, unordered in table.groupby(others, observed=True, sort=True):
        grp = unordered.assign(_r=unordered["stage"].map(rank)).sort_values("_r")
        prev = grp.shift(1)
        for (_, a), (_, b) in zip(prev.iloc[1:].iterrows(), grp.iloc[1:].iterrows(), strict=True):
            out.append({**dict(zip(others, key if isinstance(key, tuple) else (key,), strict=True)),
                        "from_stage": a["stage"], "to_stage": b["stage"], **_welch(a, b)})
    cols = [*others, "from_stage", "to_stage", "change", "ci_low", "ci_high", "suppressed"]
    return pd.DataFrame(out, columns=cols)


def _welch(a: pd.Series, b: pd.Series) -> dict[str, object]:
    if bool(a.get("suppressed", False)) or bool(b.get("suppressed", False)):
        return {"change": np.nan, "ci_low": np.nan, "ci_high": np.nan, "suppressed": True}
    va = np.float64(a["sd"]) ** 2 / np.float64(a["n"])
    vb = np.float64(b["sd"]) ** 2 / np.float64(b["n"])
    se = np.sqrt(va + vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (va + vb) ** 2 / (va ** 2 / (a["n"] - 1) + vb ** 2 / (b["n"] - 1))
        half = stats.t.ppf(0.975, df) * se
    change = b["mean"] - a["mean"]
    return {"change": change, "ci_low": change - half, "ci_high": change + half, "suppressed": False}


# ------------------------------------------------------------------------------- the CLI table


def indicator_table(session: Session, viewer: Viewer, study_id: str, by: Sequence[str],
                    filters: IndicatorFilters | None = None) -> pd.DataFrame:
    """The table `python -m engagement indicators` writes: grouping columns, then CSV_COLUMNS.

    A suppressed row shows n as "<N" and leaves every value blank; without suppression n is an integer.
    """
    dims = check_dims(by)
    prepared = prepare(session, viewer, study_id, filters)
    return format_table(cells(prepared, dims), dims)


def format_table(table: pd.DataFrame, dims: Sequence[str]) -> pd.DataFrame:
    """n as an integer, or its label ("<5", "hidden") when suppressed; values rounded, blank if hidden."""
    out = table[[*dims, "indicator"]].astype(object).copy()
    hidden = table["suppressed"].to_numpy(dtype=bool)
    out["n"] = [lab if h else int(n) for h, n, lab in zip(hidden, table["n"], table["n_label"],
                                                          strict=True)]
    for col, digits in (("mean", 1), ("ci_low", 1), ("ci_high", 1), ("top_box", 3)):
        out[col] = [None if h or pd.isna(v) else round(float(v), digits)
                    for h, v in zip(hidden, table[col], strict=True)]
    out["suppressed"] = hidden
    return out.reset_index(drop=True)


def write_indicator_csv(session: Session, viewer: Viewer | None, study_id: str, by: Sequence[str],
                        out: str | Path, *, filters: IndicatorFilters | None = None) -> Path:
    """Write indicator_table to `out` as formula-safe CSV. viewer None means the sponsor view."""
    table = indicator_table(session, viewer or sponsor_view_of(study_id), study_id, by, filters)
    try:
        return csv_safe.write_frame_csv(table, out)
    except OSError as exc:
        raise fail("X904", f"{exc.strerror or exc}", file=str(out)) from exc


def sponsor_view_of(study_id: str) -> Viewer:
    """A viewer holding only the sponsor role in the study: what a sponsor would be shown."""
    from engagement.permissions import Grant

    return Viewer(username="sponsor-view", grants=(Grant(study_id, "sponsor"),))


def with_filters(filters: IndicatorFilters, **changes: object) -> IndicatorFilters:
    return replace(filters, **changes)  # type: ignore[arg-type]
