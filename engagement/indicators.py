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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

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
    data = rows[rows["value"].notna()]
    person_keys = [*keys, "person"]
    # One value per person and cell: a person answering twice in a cell must not count twice.
    per_person = data.groupby(person_keys, observed=True, sort=False)["value"].mean().reset_index()
    per_person["top"] = per_person["value"] >= TOP_BOX_AT
    cells = per_person.groupby(keys, observed=True, sort=True).agg(
        n=("value", "size"), mean=("value", "mean"), sd=("value", "std"), top_box=("top", "mean"))
    cells = cells.reset_index()
    half = t_half_width(cells["sd"].to_numpy(), cells["n"].to_numpy())
    cells["ci_low"] = cells["mean"] - half
    cells["ci_high"] = cells["mean"] + half
    return cells[[*keys, *VALUE_COLUMNS]]


def t_half_width(sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    n = n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.ppf(0.975, np.where(n > 1, n - 1, np.nan))
        return t * sd / np.sqrt(n)


def protected_lattice(prepared: Prepared, dims: Sequence[str]) -> pd.DataFrame:
    """Every cell and margin over dims, protected for aggregate-only viewers (see indicators_privacy)."""
    table = lattice(prepared.rows, list(dims), aggregate)
    return protect(table, list(dims), prepared.access, VALUE_COLUMNS)


def cells(prepared: Prepared, dims: Sequence[str]) -> pd.DataFrame:
    """The finest cells over dims as the viewer may see them (suppressed values blank)."""
    lat_dims = [d for d in dims if d != "study"]
    table = view(protected_lattice(prepared, lat_dims), lat_dims, lat_dims, {})
    if "study" in dims:
        table.insert(0, "study", prepared.frames.study_id)
    return table[[*dims, "indicator", *VALUE_COLUMNS, "suppressed", "suppression", "n_label"]]


def stage_changes(table: pd.DataFrame, dims: Sequence[str], stage_order: Sequence[str]) -> pd.DataFrame:
    """Change in mean from each stage to the next stage that has data, per indicator and other dims.

    The interval is Welch's, treating the two stages as independent samples; with the same people in
    both it is wider than a paired interval would be, never narrower.
    """
    others = [d for d in dims if d != "stage"] + ["indicator"]
    rank = {s: i for i, s in enumerate(stage_order)}
    out = []
    for key, grp in table.groupby(others, observed=True, sort=True):
        grp = grp.assign(_r=grp["stage"].map(rank)).sort_values("_r")
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
                        out: str | Path, filters: IndicatorFilters | None = None) -> Path:
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
