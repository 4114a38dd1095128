"""Everything the sponsor dashboard shows, from one call: dashboard_view(session, viewer, study, filters).

Each part is a protected lattice (cells and margins over the filterable dimensions, suppressed for
aggregate-only viewers) built once per data version, viewer access, date range and as-of date, and
cached; a change of stage, site or role filter only slices those lattices, which is why it is fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engagement import captions, csv_safe, indicators_data, indicators_text, retention
from engagement.indicators import (
    VALUE_COLUMNS,
    IndicatorFilters,
    Prepared,
    lattice_aggregator,
    prepare,
    stage_changes,
    sums_by,
)
from engagement.indicators_privacy import Access, lattice, protect, view
from engagement.indicators_response import completeness, completeness_levels, due_pairs
from engagement.permissions import Viewer

SLICE_DIMS = ["stage", "site", "role"]
RESPONSE_DIMS = ["stage", "timepoint", "site", "role"]
KPI_INDICATORS = ("burden", "trust", "engagement")
LEVEL_COLUMNS = ["complete", "partial", "break_off"]
IMPLIED = {"timepoint": "stage"}  # a timepoint belongs to one stage


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str            # what the tile shows: "72%", "48 / 100", "fewer than 5", "not available yet"
    detail: str           # interval, n, or why it is empty
    number: float | None  # the value as a number, for tests and deltas


@dataclass
class DashboardView:
    study_id: str
    title: str
    aggregate_only: bool
    threshold: int
    filters: IndicatorFilters
    stages: list[str]
    sites: list[tuple[str, str]]        # (code, name) the viewer may see
    roles: list[str]
    date_filter_allowed: bool
    tiles: list[Tile]
    timeline: pd.DataFrame              # stage x indicator cells
    changes: pd.DataFrame               # change from previous stage, per indicator
    heatmap: pd.DataFrame               # site x stage x indicator cells
    by_role: pd.DataFrame               # role x indicator cells
    response: pd.DataFrame              # per timepoint: n, due, responded, rate
    completeness: pd.DataFrame          # per timepoint: complete / partial / break-off shares
    retention: pd.DataFrame             # KM curves: breakdown, group, time, survival, ci_low, ci_high
    themes: pd.DataFrame                # theme, people, comments, sentiment, tone
    quotes: list[tuple[str, str]]       # (theme, scrubbed text)
    captions: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def csv(self, part: str) -> str:
        """A formula-safe CSV of one part's table (timeline, heatmap, by_role, response, ...)."""
        return csv_safe.frame_to_csv(_public(getattr(self, part)))


def dashboard_view(session: Session, viewer: Viewer, study_id: str,
                   filters: IndicatorFilters | None = None) -> DashboardView:
    prepared = prepare(session, viewer, study_id, filters)
    f, access, frames = prepared.filters, prepared.access, prepared.frames
    slices = f.slices()
    ind = _indicator_lattice(session, prepared)
    timeline = view(ind, SLICE_DIMS, ["stage"], slices)
    timeline = _order(timeline, "stage", list(frames.stages["stage"]))
    changes = stage_changes(timeline, ["stage"], list(frames.stages["stage"]))
    heatmap = view(ind, SLICE_DIMS, ["site", "stage"], slices)
    by_role = view(ind, SLICE_DIMS, ["role"], slices)
    kpi = view(ind, SLICE_DIMS, [], slices)
    resp = _response_lattice(session, prepared)
    response = _order(view(resp, RESPONSE_DIMS, ["timepoint"], slices), "timepoint",
                      list(frames.timepoints["timepoint"]))
    resp_total = view(resp, RESPONSE_DIMS, [], slices)
    comp = _order(view(_completeness_lattice(session, prepared), RESPONSE_DIMS, ["timepoint"], slices),
                  "timepoint", list(frames.timepoints["timepoint"]))
    curves = _retention(session, prepared)
    themes, quotes = indicators_text.theme_view(session, prepared, slices)
    tiles = [*_tiles(kpi, resp_total, access), _risk_tile(session, viewer, study_id, access)]
    roles = set(frames.participants["role"].unique())  # once, not once per role (20,000 values each)
    view_ = DashboardView(
        study_id, frames.title, access.aggregate_only, access.threshold, f,
        list(frames.stages["stage"]), list(zip(frames.sites["site"], frames.sites["site_name"],
                                               strict=True)),
        [r for r in indicators_data.ROLE_ORDER if r in roles],
        not access.aggregate_only, tiles, timeline, changes, heatmap, by_role, response, comp,
        curves, themes, quotes, {})
    view_.captions = captions.all_captions(view_)
    return view_


# ------------------------------------------------------------------------------- cached lattices


def _key(prepared: Prepared, kind: str) -> str:
    f = prepared.filters
    return f"{kind}|{prepared.access.key}|{f.date_from}|{f.date_to}|{f.effective_as_of().date()}"


def _indicator_lattice(session: Session, prepared: Prepared) -> pd.DataFrame:
    return indicators_data.cached(
        session, _key(prepared, "indicators"), prepared.frames.study_id, prepared.access.scope,
        lambda: protect(lattice(prepared.rows, SLICE_DIMS, lattice_aggregator(prepared.rows)),
                        SLICE_DIMS, prepared.access,
                        VALUE_COLUMNS))


def _due(session: Session, prepared: Prepared, from_start: bool = True) -> pd.DataFrame:
    """Due pairs up to the as-of date; from_start=False ignores the range start (retention needs the
    misses before it to find two in a row)."""
    f = prepared.filters
    start = pd.Timestamp(f.date_from) if f.date_from and from_start else None
    return indicators_data.cached(
        session, _key(prepared, f"due{start}"), prepared.frames.study_id, prepared.access.scope,
        lambda: due_pairs(prepared.frames, f.effective_as_of(), date_from=start))


def _response_lattice(session: Session, prepared: Prepared) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        due = _due(session, prepared)
        # Counts add up over every dimension, so each grouping sums the finest cells (a few hundred
        # rows); people do not add up over timepoints, so they are counted once per stage, and once
        # overall. A person has one site and one role, so people in a group are the sum of people in
        # its finest (stage,) site, role cells: count those once here, not once per grouping.
        finest = due.groupby(RESPONSE_DIMS, observed=True, sort=False)["submitted"].agg(
            due="size", responded="sum").reset_index()
        people = {True: due[["participant_id", "stage", "site", "role"]].drop_duplicates(),
                  False: due[["participant_id", "site", "role"]].drop_duplicates()}
        people = {k: who.groupby(list(who.columns[1:]), observed=True, sort=False).size().rename(
            "n").reset_index() for k, who in people.items()}

        def rates(_rows: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
            out = sums_by(finest, dims, ["due", "responded"])
            due, responded = out["due"].to_numpy(), out["responded"].to_numpy()
            # within one timepoint each due row is a different person; otherwise people are summed over
            # the same groups (every due row has a person), which come in the same key order
            n = due if "timepoint" in dims else sums_by(people["stage" in dims], dims, ["n"])["n"].to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):  # nothing due (a date range): no rate
                rate = responded / due
            return pd.DataFrame({**{c: out[c].array for c in out.columns}, "n": n, "rate": rate})

        # built on a cache miss only: a filter change slices the cached lattice
        return protect(lattice(due, RESPONSE_DIMS, rates, IMPLIED), RESPONSE_DIMS, prepared.access,
                       ["due", "responded", "rate"], separate_by=())

    return indicators_data.cached(
        session, _key(prepared, "response"), prepared.frames.study_id, prepared.access.scope, build)


def _completeness_lattice(session: Session, prepared: Prepared) -> pd.DataFrame:
    f = prepared.filters
    subs = prepared.frames.submissions
    if f.date_from or f.date_to:
        keep = subs["submission_id"].isin(prepared.rows["submission_id"])
        subs = subs[keep]

    def build() -> pd.DataFrame:
        levelled = completeness_levels(subs.dropna(subset=["timepoint"])[["answered_frac", *RESPONSE_DIMS]])
        # Submission counts add up over every dimension: group the finest cells once, then sum those
        # (as categories: a few hundred rows to convert, not every submission).
        finest = levelled.groupby(RESPONSE_DIMS, sort=False)[LEVEL_COLUMNS].sum()
        finest = _categories(finest.reset_index())

        def levels(_rows: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
            return completeness(finest, dims, levelled=True)

        value_cols = [*LEVEL_COLUMNS, *(f"{c}_share" for c in LEVEL_COLUMNS)]
        return protect(lattice(finest, RESPONSE_DIMS, levels, IMPLIED), RESPONSE_DIMS, prepared.access,
                       value_cols, separate_by=())

    return indicators_data.cached(
        session, _key(prepared, "completeness"), prepared.frames.study_id, prepared.access.scope, build)


def _categories(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(dict.fromkeys(RESPONSE_DIMS, "category"))


def _retention(session: Session, prepared: Prepared) -> pd.DataFrame:
    frames, f, access = prepared.frames, prepared.filters, prepared.access
    due = _due(session, prepared, from_start=False)
    p = frames.participants
    if f.site:
        p = p[p["site"] == f.site]
    if f.role:
        p = p[p["role"] == f.role]
    times = retention.disengagement_times(p, due[due["participant_id"].isin(p["participant_id"])],
                                          f.effective_as_of())
    labels = p.set_index("participant_id")
    min_n = access.threshold if access.aggregate_only else 0
    parts = []
    for breakdown, groups in (("all", None), ("site", labels["site"]), ("role", labels["role"])):
        g = None if groups is None else times["participant_id"].map(groups)
        curve = retention.curves(times, g, min_at_risk=min_n)
        if g is not None and min_n:
            curve = _complementary(curve, g, min_n)
        parts.append(curve.assign(breakdown=breakdown))
    out = pd.concat(parts, ignore_index=True)
    if access.aggregate_only:
        out = _coarse_curves(out, min_n)
    return out[["breakdown", "group", "n", "time", "survival", "ci_low", "ci_high"]]


def _complementary(curve: pd.DataFrame, groups: pd.Series, min_n: int) -> pd.DataFrame:
    """When exactly one group is too small to show, hide the smallest shown group as well."""
    sizes = groups.value_counts()
    if int(((sizes > 0) & (sizes < min_n)).sum()) != 1 or curve.empty:
        return curve
    smallest = curve.groupby("group")["n"].first().sort_values(kind="stable").index[0]
    return curve[curve["group"] != smallest]


def _coarse_curves(curves: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """For aggregate-only viewers: whole percent on a 30-day grid, no at-risk or event counts, and when
    exactly one group of a breakdown was too small, its next-smallest neighbour hidden too, so the
    pooled curve minus the shown ones cannot describe the small group."""
    parts = []
    for (breakdown, group), c in curves.groupby(["breakdown", "group"], sort=False):
        grid = np.arange(0, c["time"].max() + 1, 30)
        idx = np.searchsorted(c["time"].to_numpy(), grid, side="right") - 1
        parts.append(pd.DataFrame({
            "breakdown": breakdown, "group": group, "n": c["n"].iloc[0], "time": grid,
            "survival": c["survival"].to_numpy()[idx].round(2),
            "ci_low": c["ci_low"].to_numpy()[idx].round(2),
            "ci_high": c["ci_high"].to_numpy()[idx].round(2)}))
    return pd.concat(parts, ignore_index=True) if parts else curves


# ------------------------------------------------------------------------------- tiles and helpers


def _tiles(kpi: pd.DataFrame, resp: pd.DataFrame, access: Access) -> list[Tile]:
    tiles = [_rate_tile(resp, access)]
    for indicator in KPI_INDICATORS:
        row = kpi[kpi["indicator"] == indicator]
        tiles.append(_score_tile(indicator, row.iloc[0] if len(row) else None, access))
    return tiles


def _rate_tile(resp: pd.DataFrame, access: Access) -> Tile:
    if resp.empty:
        return Tile("response_rate", "Response rate", "no surveys due yet", "", None)
    r = resp.iloc[0]
    if r["suppressed"]:
        return Tile("response_rate", "Response rate", access.fewer_than(), "too few people to show",
                    None)
    return Tile("response_rate", "Response rate", f"{r['rate']:.0%}",
                f"{int(r['responded'])} of {int(r['due'])} due surveys answered", float(r["rate"]))


def _score_tile(indicator: str, row: pd.Series | None, access: Access) -> Tile:
    label = indicator.capitalize()
    if row is None:
        return Tile(indicator, label, "no scores yet", "", None)
    if row["suppressed"]:
        return Tile(indicator, label, access.fewer_than(), "too few people to show", None)
    ci = ("" if pd.isna(row["ci_low"]) else
          f"95% interval {row['ci_low']:.0f} to {row['ci_high']:.0f}; ")
    return Tile(indicator, label, f"{row['mean']:.0f} / 100", f"{ci}n = {int(row['n'])}",
                float(row["mean"]))


def _risk_tile(session: Session, viewer: Viewer, study_id: str, access: Access) -> Tile:
    """Hook for the risk issue: engagement.risk.elevated_share(session, viewer, study_id) -> (n, share)."""
    try:
        from engagement import risk

        share_fn = getattr(risk, "elevated_share", None)
    except ImportError:
        share_fn = None
    # Scoring a study takes seconds: once per data version, viewer access and day (the risk service
    # scores as of today), not on every rerun of the page.
    key = f"risk|{access.key}|{dt.datetime.now(dt.UTC).date()}"
    result = None if share_fn is None else indicators_data.cached(
        session, key, study_id, access.scope, lambda: share_fn(session, viewer, study_id))
    label = "Elevated risk of leaving"
    if result is None:
        return Tile("risk", label, "not available yet", "no risk scores have been computed", None)
    n, share = result
    if access.aggregate_only and n < access.threshold:
        return Tile("risk", label, access.fewer_than(), "too few people to show", None)
    return Tile("risk", label, f"{share:.0%}", f"of {n} people scored", float(share))


def _order(table: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    rank = {v: i for i, v in enumerate(order)}
    return table.assign(_r=table[column].map(rank)).sort_values(["_r", *(
        ["indicator"] if "indicator" in table else [])]).drop(columns="_r").reset_index(drop=True)


def _public(table: pd.DataFrame) -> pd.DataFrame:
    """The columns a download carries: no internal ids, n shown by its label where suppressed."""
    out = table.drop(columns=[c for c in ("sd", "suppression") if c in table], errors="ignore")
    if "n_label" in out:
        out["n"] = out["n_label"]
        out = out.drop(columns=["n_label"])
    return out
