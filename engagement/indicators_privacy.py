"""Who sees what in the indicators: site scope, and suppression for aggregate-only viewers.

The suppression rules live in engagement.suppression (small cells, complementary cells, one protected
lattice per table whose filtered views are slices). This module builds that lattice from the data —
every combination of the filterable dimensions, margins included, each with its real n and values —
protects it when the viewer is aggregate-only, and slices views out of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from engagement import suppression
from engagement.permissions import Action, Viewer
from engagement.suppression import ALL

Aggregator = Callable[[pd.DataFrame, list[str]], pd.DataFrame]
# Each person belongs to one site and one role, so along these a margin is the sum of its cells, the
# relation engagement.suppression protects. Stages, timepoints and months are not like that (one
# person answers in many), so each of their values, and their "all", is protected as its own table.
ADDITIVE = ("site", "role")


@dataclass(frozen=True)
class Access:
    study_id: str
    scope: frozenset[int] | None  # site ids; None: study-wide
    aggregate_only: bool          # sponsors and advocates: suppressed aggregates only
    threshold: int                # smallest group shown to aggregate-only viewers

    @property
    def key(self) -> tuple:
        """What a cached view must be keyed by, besides the data version and the filters."""
        return (self.study_id, self.scope, self.aggregate_only, self.threshold)

    def fewer_than(self) -> str:
        return suppression.describe_suppressed(self.threshold)


def access_for(viewer: Viewer, study_id: str) -> Access:
    scope = viewer.require_any_site(Action.view_aggregates, study_id)
    return Access(study_id, None if scope is None else frozenset(scope),
                  viewer.aggregate_only(study_id), suppression.min_cell_size())


def lattice(rows: pd.DataFrame, dims: Sequence[str], aggregate: Aggregator,
            implied: dict[str, str] | None = None) -> pd.DataFrame:
    """aggregate() for every subset of dims, the left-out dimensions set to ALL: cells and margins.

    implied: {"timepoint": "stage"} says a timepoint fixes its stage, so a grouping by timepoint
    without stage is the grouping with stage, its stage column read as ALL (computed once, not twice).
    """
    implied = implied or {}
    parts, done = [], {}
    for keep in product([True, False], repeat=len(dims)):
        kept = [d for d, k in zip(dims, keep, strict=True) if k]
        full = sorted({*kept, *(implied[d] for d in kept if d in implied)}, key=list(dims).index)
        if tuple(full) not in done:
            done[tuple(full)] = aggregate(rows, full)
        part = done[tuple(full)]
        # plain arrays, joined once at the end: copying each part and setting its label columns one
        # by one cost more than the aggregation on a cold dashboard
        labels = {d: part[d].astype(str).to_numpy(dtype=object) if d in kept else np.full(len(part), ALL, dtype=object)
                  for d in dims}
        parts.append({c: labels[c] if c in labels else part[c].to_numpy() for c in [*part.columns, *dims]})
    columns = list(dict.fromkeys(c for part in parts[:1] for c in part))
    table = pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in columns})
    if "indicator" in table:
        table["indicator"] = table["indicator"].astype(str)
    return table


def protect(table: pd.DataFrame, dims: Sequence[str], access: Access, value_columns: Sequence[str], *,
            separate_by: Sequence[str] = ("indicator",), n_column: str = "n") -> pd.DataFrame:
    """Adds suppressed / suppression / n_label; for aggregate-only viewers hides what must be hidden."""
    if not access.aggregate_only:
        out = table.copy()
        out["suppressed"], out["suppression"] = False, suppression.VISIBLE
        out["n_label"] = out[n_column].astype(int).astype(str)
        return out
    by = [d for d in dims if d in ADDITIVE]
    apart = [c for c in separate_by if c in table.columns] + [d for d in dims if d not in ADDITIVE]
    return _suppress_parts(table.reset_index(drop=True), (by, apart), n_column, list(value_columns),
                           access.threshold)


def _suppress_parts(table: pd.DataFrame, layout: tuple[list[str], list[str]], n_column: str,
                    values: list[str], n_min: int) -> pd.DataFrame:
    """engagement.suppression's lattice rules, applied table by table without per-table pandas work.

    suppression.suppress() does the same through DataFrames; with ~100 small tables per dashboard its
    per-table overhead alone exceeded the page's time budget, so the cells go in as plain dicts here.
    Like suppress(complete=True), every combination of the levels present is listed, empty ones as 0.
    """
    by, apart = layout  # dimensions protected together; columns that split the tables
    states = np.empty(len(table), dtype=object)
    extra: list[dict] = []
    groups = table.groupby(apart, sort=False, dropna=False).indices if apart else {(): np.arange(len(table))}
    cols = [table[d].to_numpy(dtype=object) for d in by]
    counts = table[n_column].to_numpy(dtype=np.int64)
    for key, idx in groups.items():
        keys = list(zip(*(c[idx] for c in cols), strict=True)) if by else [()] * len(idx)
        cells = dict(zip(keys, counts[idx].tolist(), strict=True))
        zeros = _empty_cells(keys, len(by), cells)
        lat = suppression.protect_lattice(suppression.build_lattice(cells, len(by)), n_min)
        states[idx] = [lat.state[k] for k in keys]
        fixed = dict(zip(apart, key if isinstance(key, tuple) else (key,), strict=True))
        extra += [{**fixed, **dict(zip(by, z, strict=True)), n_column: 0, "suppression": lat.state[z]}
                  for z in zeros]
    out = table.assign(suppression=states)
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
    return _blank(out, n_column, values, n_min)


def _empty_cells(keys: list[tuple], n_dims: int, cells: dict[tuple, int]) -> list[tuple]:
    fine = [k for k in keys if ALL not in k]
    if not n_dims or not fine:
        return []
    levels = [sorted({k[i] for k in fine}) for i in range(n_dims)]
    zeros = [combo for combo in product(*levels) if combo not in cells]
    for z in zeros:
        cells[z] = 0
    return zeros


def _blank(out: pd.DataFrame, n_column: str, values: list[str], n_min: int) -> pd.DataFrame:
    state = out["suppression"].to_numpy(dtype=object)
    hidden = state != suppression.VISIBLE
    counts = out[n_column].to_numpy(dtype=np.int64)
    out["suppressed"] = hidden
    out["n_label"] = [suppression.n_label(st, n, n_min) for st, n in zip(state, counts, strict=True)]
    # The true count of a hidden cell must not travel on in any column.
    out[n_column] = pd.array(np.where(hidden, 0, counts), dtype="Int64")
    out.loc[hidden, n_column] = pd.NA
    for c in values:
        if c in out.columns:
            out[c] = out[c].astype(float).where(~hidden, np.nan)
    return out


def view(protected: pd.DataFrame, dims: Sequence[str], by: Sequence[str],
         filters: dict[str, str | None]) -> pd.DataFrame:
    return suppression.view(protected, list(dims), list(by), filters)
