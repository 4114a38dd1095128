"""Small-cell suppression: no aggregate from fewer than N respondents reaches a sponsor.

A table is a lattice: one row per cell of the grouping dimensions `by`, plus margin rows in which one
or more dimensions hold ALL (the total over that dimension). Every margin equals the sum of its
children along any dimension, and that is exactly what an attacker subtracts with: a total minus the
shown cells, "all sites" minus "site X", one filter choice minus another. So:

1. every combination of the levels present is listed, an empty one as "fewer than N" like any small
   cell, so a listed small cell is not known to hold anyone;
2. primary: a cell or margin with n < N is hidden and labelled "fewer than N";
3. complementary: each small cell gets a hypercube of hidden cells (partners along each dimension, or
   its own margins) whose corners can all move by +-t without changing any shown number, so the
   attacker cannot tell the true count from the moved ones;
4. remainders: no shown total minus the shown cells inside it leaves 1..N-1 hidden people, and no
   label pins a hidden cell;
5. chained relations: bounds propagated over all relations at once pin no hidden cell holding people;
   where everything near a pinned cell is hidden already and the labels themselves pin it (a "<3"
   margin over two "<3" cells whose other margins are "hidden", so N or more), the nearest
   complementary cells are relabelled "withheld": hidden, with no claim about their size.

Filtered views are slices of one protected lattice (see `view`), so two filter choices can only be
subtracted along relations the lattice already protects. docs/privacy.md explains the design and what
tests/privacy checks (an integer-programming attacker among other things).
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, product
from typing import Any, Protocol

import numpy as np
import pandas as pd

from engagement.errors import fail

ALL = "(all)"
DEFAULT_MIN_CELL = 5
ENV_MIN_CELL = "ENGAGEMENT_MIN_CELL"

VISIBLE, SMALL, COMPLEMENTARY, WITHHELD = "", "small", "complementary", "withheld"


class HasMinCell(Protocol):
    min_cell_size: int


def min_cell_size(settings: HasMinCell | None = None) -> int:
    """N for this deployment: settings.min_cell_size, else $ENGAGEMENT_MIN_CELL, else 5."""
    raw: Any = getattr(settings, "min_cell_size", None)
    source = "settings.min_cell_size"
    if raw is None:
        raw, source = os.environ.get(ENV_MIN_CELL), ENV_MIN_CELL
    if raw is None or raw == "":
        return DEFAULT_MIN_CELL
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise fail("S501", "the minimum cell size must be a whole number", item=source,
                   value=str(raw)) from None
    if value < 2:
        raise fail("S501", "the minimum cell size must be 2 or more", item=source, value=str(raw))
    return value


def describe_suppressed(threshold: int | None = None) -> str:
    """The words a small cell shows instead of its count: 'fewer than 5'."""
    return f"fewer than {threshold or min_cell_size()}"


def describe_complementary(threshold: int | None = None) -> str:
    return f"hidden so that a group of {describe_suppressed(threshold)} cannot be worked out"


def describe_withheld(threshold: int | None = None) -> str:
    return f"hidden; this group may be of any size, including {describe_suppressed(threshold)}"


def n_label(state: str, n: int, threshold: int) -> str:
    """Short label for the n column: '12', '<5' (small) or 'hidden' (complementary or withheld)."""
    if state == SMALL:
        return f"<{threshold}"
    if state in (COMPLEMENTARY, WITHHELD):
        return "hidden"
    return str(int(n))


# ------------------------------------------------------------------------------ the public entry point


def suppress(table: pd.DataFrame, by: Sequence[str], *, n_col: str = "n",
             value_cols: Sequence[str] | None = None, threshold: int | None = None,
             margins: bool = True, separate_by: Sequence[str] = (), complete: bool = True) -> pd.DataFrame:
    """Protect an aggregate table: hide small cells and enough others that none can be worked out.

    table: one row per cell; a column of `by` holding ALL marks a margin row. With margins=True the
    missing margins (every combination of dimensions set to ALL, up to the grand total) are added, with
    n summed from the finest cells and values left blank; supply margin rows yourself to show values.
    separate_by: columns that split the table into independent tables (e.g. "indicator").
    Returns the rows with `suppressed` (bool), `suppression` ("", "small", "complementary", "withheld"), `n_label`
    ("12", "<5", "hidden"); n_col becomes nullable Int64 with <NA> and value_cols NaN where suppressed.
    """
    n_min = threshold if threshold is not None else min_cell_size()
    dims, keys = list(by), list(separate_by)
    _check_table(table, dims, keys, n_col, n_min)
    values = list(value_cols) if value_cols is not None else [
        c for c in table.columns if c not in {*dims, *keys, n_col}]
    # Object columns, so ALL fits beside categorical or integer levels.
    table = table.astype(dict.fromkeys(dims, object))
    parts = [table] if not keys else [g for _, g in table.groupby(keys, sort=False, dropna=False)]
    done = [_protect_part(p, dims, keys, n_col, n_min=n_min, margins=margins, complete=complete)
            for p in parts]
    out = pd.concat(done, ignore_index=True) if done else table.assign(suppressed=False)
    return _blank(out, n_col, values, n_min)


def view(protected: pd.DataFrame, dims: Sequence[str], by: Sequence[str],
         filters: dict[str, Any] | None = None, margins: bool = False) -> pd.DataFrame:
    """One filtered view, sliced from a table protected over every dimension a viewer can filter on.

    dims: the `by` the table was protected with (all filterable dimensions). by: the dimensions this
    view breaks down by. filters: dimension -> one value; a dimension left out means all of it.
    margins=True also returns this view's totals. Multi-value filters and free date ranges are not
    offered: their differences are not relations of the lattice, so the service must not build them
    (docs/privacy.md).
    """
    filters = {d: v for d, v in (filters or {}).items() if v is not None and v != ALL}
    unknown = [d for d in [*by, *filters] if d not in dims]
    if unknown:
        raise fail("S505", f"the table was protected over {list(dims)}", item=", ".join(unknown))
    mask = np.ones(len(protected), dtype=bool)
    for d in dims:
        col = protected[d].to_numpy(dtype=object)
        if d in filters:
            mask &= col == filters[d]
        elif d in by:
            mask &= np.ones(len(col), dtype=bool) if margins else col != ALL
        else:
            mask &= col == ALL
    return protected[mask].reset_index(drop=True)


# ------------------------------------------------------------------------------ lattice and relations


@dataclass
class Lattice:
    n: dict[tuple, int]
    state: dict[tuple, str]
    relations: list[tuple[tuple, list[tuple]]]        # (parent, children along one dimension)
    touching: dict[tuple, list[int]]                  # cell -> relations it is parent or child in


def build_lattice(cells: dict[tuple, int], n_dims: int) -> Lattice:
    groups: dict[tuple[tuple, int], list[tuple]] = {}
    for key in cells:
        for i in range(n_dims):
            if key[i] != ALL:
                parent = (*key[:i], ALL, *key[i + 1:])
                if parent in cells:
                    groups.setdefault((parent, i), []).append(key)
    relations = [(parent, sorted(kids, key=repr)) for (parent, _), kids in sorted(
        groups.items(), key=lambda kv: repr(kv[0]))]
    touching: dict[tuple, list[int]] = {}
    for r, (parent, kids) in enumerate(relations):
        for cell in (parent, *kids):
            touching.setdefault(cell, []).append(r)
    return Lattice(cells, dict.fromkeys(cells, VISIBLE), relations, touching)


def protect_lattice(lat: Lattice, n_min: int) -> Lattice:
    """Primary suppression, one protecting hypercube per small cell, then the remainder rule."""
    for key, n in lat.n.items():
        if n < n_min:
            lat.state[key] = SMALL
    if lat.relations:
        levels = _levels(lat)
        fine = _fine_children(lat)
        covered: dict[tuple, int] = {}   # small cell -> widest range a chosen cube already gives it
        small = (k for k, s in lat.state.items() if s == SMALL and lat.n[k] > 0)
        for key in sorted(small, key=_cell_order):
            if covered.get(key, 0) >= _target(n_min):
                continue
            cube = _best_cube(lat, key, levels, fine, n_min) or _best_cube(
                lat, key, levels, fine, n_min, exhaustive=True)
            t_lo, t_hi, _ = _cube_span(lat, cube, n_min)
            for corner, sign in cube:
                if lat.state[corner] == VISIBLE:
                    lat.state[corner] = COMPLEMENTARY
                elif lat.state[corner] == SMALL and lat.n[corner] > 0:
                    width = _width(lat.n[corner], sign, t_lo, t_hi, n_min)
                    covered[corner] = max(covered.get(corner, 0), width)
    _enforce_remainders(lat, n_min)
    _unpin(lat, n_min)
    return lat


def _target(n_min: int) -> int:
    """Width a cube must give a small cell before the search stops: at least half of 0..N-1.

    Wider is searched for but not insisted on: demanding all of 0..N-1 for every small cell made
    wide sparse tables take a minute and hid most of them. Never below 1 (two possible counts).
    """
    return max(1, n_min // 2)


def _cell_order(key: tuple) -> tuple:
    return (sum(v == ALL for v in key), repr(key))


def _levels(lat: Lattice) -> list[list[Any]]:
    dims = len(next(iter(lat.n)))
    return [sorted({k[i] for k in lat.n if k[i] != ALL}, key=repr) for i in range(dims)]


def _fine_children(lat: Lattice) -> dict[tuple, list[tuple]]:
    """Margin -> its finest cells, largest first: the anchors for a small margin's cube.

    The anchor moves with the margin, so the one with the most people lets the margin move furthest.
    """
    out: dict[tuple, list[tuple]] = {}
    for key in lat.n:
        if ALL in key:
            continue
        dims = len(key)
        for mask in range(1, 1 << dims):
            margin = tuple(ALL if mask >> i & 1 else key[i] for i in range(dims))
            out.setdefault(margin, []).append(key)
    for kids in out.values():
        kids.sort(key=lambda k: (-lat.n[k], repr(k)))
    return out


MAX_PARTNERS = 3   # concrete partner levels tried per dimension; keeps the search small on wide tables
MAX_CUBES = 48     # cubes tried per anchor: wide sparse tables otherwise spend seconds per small cell
EXTRA_TRIES = 12   # cubes still tried after a good-enough one is found, for a cheaper one
MAX_ANCHORS = 3    # finest cells tried as the anchor of a small margin's cube


def _best_cube(lat: Lattice, key: tuple, levels: list[list[Any]], fine: dict[tuple, list[tuple]],
               n_min: int, *, exhaustive: bool = False) -> list[tuple[tuple, int]]:
    """Corners (with their signs) of a cube letting the small cell `key` take many counts in 0..N-1.

    A cube picks, per dimension, a partner: another level (corners there move opposite to the small
    cell) or ALL (the corner is the cell's own margin, which moves with it). Moving every corner by
    +-t leaves every other cell of the lattice unchanged, so once the corners are hidden the attacker
    cannot tell the true table from the moved one: the small cell can be anything the corners' labels
    allow. The widest cube wins, then the one hiding the fewest people not yet hidden. The search is
    capped; when the capped search finds nothing, the caller repeats it without caps (exhaustive).
    """
    anchors = [key] if ALL not in key else fine.get(key, [])[:None if exhaustive else MAX_ANCHORS]
    best: tuple[int, int, list[tuple[tuple, int]]] | None = None     # (width, cost, corners)
    patience = EXTRA_TRIES
    for anchor in anchors:
        options = [_partners(lat, anchor, i, forced_all=key[i] == ALL, levels=levels, n_min=n_min,
                             limit=None if exhaustive else MAX_PARTNERS) for i in range(len(key))]
        for choice in islice(product(*options), None if exhaustive else MAX_CUBES):
            found = _scan(lat, anchor, choice, lat.n[key], n_min=n_min, floor=best[0] if best else 1)
            if found is None:
                continue
            width, cost, _ = found
            if best is None or (width, -cost) > (best[0], -best[1]):
                best = found
            if best[0] >= _target(n_min):
                # Good enough; a few more tries may find a cheaper cube, then stop: the search is
                # what makes wide tables slow, and partners come cheapest first.
                patience -= 1
                if best[1] == 0 or patience < 0:
                    return best[2]
    return best[2] if best else []


def _scan(lat: Lattice, anchor: tuple, choice: tuple, x: int, *, n_min: int,
          floor: int) -> tuple[int, int, list[tuple[tuple, int]]] | None:
    """(width, cost, corners) of one cube, or None when a corner is missing or width < floor.

    The small cell moves with sign +1 (it is the anchor or the anchor's margin), so its range is
    x + [t_lo, t_hi]; every corner can only narrow that range, which lets a poor cube stop early.
    """
    pairs = [((anchor[i], 1), (choice[i], 1 if choice[i] == ALL else -1)) for i in range(len(anchor))]
    t_lo, t_hi, cost, corners = -math.inf, math.inf, 0, []
    for combo in product(*pairs):
        c = tuple(v for v, _ in combo)
        n = lat.n.get(c)
        if n is None:
            return None
        sign = math.prod(sg for _, sg in combo)
        state = lat.state[c]
        lo, hi = (0, n_min - 1) if state == SMALL else (n_min, math.inf)
        a, b = (lo - n, hi - n) if sign > 0 else (n - hi, n - lo)   # lo <= n + sign*t <= hi
        t_lo, t_hi = max(t_lo, a), min(t_hi, b)
        if min(x + t_hi, n_min - 1) - max(x + t_lo, 0) < floor:
            return None
        if state == VISIBLE:
            cost += n
        corners.append((c, sign))
    return int(min(x + t_hi, n_min - 1) - max(x + t_lo, 0)), cost, corners


def _partners(lat: Lattice, anchor: tuple, i: int, *, forced_all: bool, levels: list[list[Any]],
              n_min: int, limit: int | None) -> list[Any]:
    if forced_all:
        return [ALL]
    present = []
    for v in levels[i]:
        if v == anchor[i]:
            continue
        edge = (*anchor[:i], v, *anchor[i + 1:])
        if edge in lat.n:
            present.append((lat.state[edge] == VISIBLE, lat.n[edge] < 2 * n_min - 1, lat.n[edge], repr(v), v))
    present.sort()
    # ALL last: its corners are margins, the totals a reader looks at first.
    return [*(p[-1] for p in present[:limit]), ALL]


def _cube_span(lat: Lattice, corners: list[tuple[tuple, int]], n_min: int) -> tuple[float, float, int]:
    """How far (t_lo..t_hi) the corners can move within their labels, and the people newly hidden."""
    t_lo, t_hi, cost = -math.inf, math.inf, 0
    for c, sign in corners:
        n = lat.n[c]
        lo, hi = (0, n_min - 1) if lat.state[c] == SMALL else (n_min, math.inf)
        a, b = (lo - n, hi - n) if sign > 0 else (n - hi, n - lo)   # lo <= n + sign*t <= hi
        t_lo, t_hi = max(t_lo, a), min(t_hi, b)
        if lat.state[c] == VISIBLE:
            cost += n
    return t_lo, t_hi, cost


def _width(n: int, sign: int, t_lo: float, t_hi: float, n_min: int) -> int:
    """How many counts beyond one a small cell can take as its cube moves (N-1 means all of 0..N-1)."""
    lo, hi = (n + t_lo, n + t_hi) if sign > 0 else (n - t_hi, n - t_lo)
    return max(0, int(min(hi, n_min - 1) - max(lo, 0)))


def _enforce_remainders(lat: Lattice, n_min: int) -> None:
    """Close the gaps a cube does not: differences that leave a small group, and pinned cells.

    Alternates two rules until neither hides anything more: every relation (one total and its
    children along one dimension), and every shown cell against each shown cell it contains.
    """
    fine = [k for k in lat.n if ALL not in k]
    while True:
        _enforce_relations(lat, n_min)
        extra = _pair_fixes(lat, fine, n_min)
        if not extra:
            return
        for cell in extra:
            lat.state[cell] = COMPLEMENTARY


def _unpin(lat: Lattice, n_min: int) -> None:
    """Hide more until no hidden cell holding people can be worked out exactly by chaining relations.

    The rules above look at one relation at a time; an attacker combines them (a total of 13 over a
    "<5" cell and a hidden cell that another shown total caps at 9 pins the first at 4). Bounds are
    propagated over every relation at once; each pinned cell gets its nearest, smallest shown relative hidden,
    then the single-relation rules run again. When nothing near a pinned cell is left to hide, its labels
    pin it (tiny tables with N < 5): the nearest complementary cell is withheld instead, which says nothing
    of its size. Every round hides or withholds one more cell, so it ends; with every complementary cell
    withheld no bound is above 0 from below, so no cell holding people stays pinned.
    """
    while True:
        pinned = [k for k, (lo, hi) in _bounds(lat, n_min).items() if lo == hi and lat.n[k] > 0]
        if not pinned:
            return
        hide = next((c for c in (_nearest(lat, k, VISIBLE) for k in pinned) if c is not None), None)
        if hide is None:
            lat.state[_nearest(lat, pinned[0], COMPLEMENTARY) or pinned[0]] = WITHHELD
            continue
        lat.state[hide] = COMPLEMENTARY
        _enforce_remainders(lat, n_min)


def _nearest(lat: Lattice, cell: tuple, state: str) -> tuple | None:
    """The smallest cell in `state` sharing a relation with `cell`, else with its relatives, and so on."""
    seen, frontier = {cell}, [cell]
    while frontier:
        relatives = {c for k in frontier for r in lat.touching.get(k, [])
                     for c in (lat.relations[r][0], *lat.relations[r][1])} - seen
        found = [c for c in relatives if lat.state[c] == state]
        if found:
            return min(found, key=lambda c: (lat.n[c], _cell_order(c)))
        seen |= relatives
        frontier = list(relatives)
    return None


def _bounds(lat: Lattice, n_min: int) -> dict[tuple, tuple[float, float]]:
    """What an attacker can tell of each hidden cell from the shown counts, the labels ("fewer than N":
    0..N-1; hidden for protection: N or more; withheld: anything) and every total = sum of its
    children, to a fixed point."""
    lo = {k: _label_bounds(lat, k, n_min)[0] for k in lat.state}
    hi = {k: _label_bounds(lat, k, n_min)[1] for k in lat.state}
    changed = True
    while changed:
        changed = False
        for parent, kids in lat.relations:
            sum_lo, sum_hi = sum(lo[k] for k in kids), sum(hi[k] for k in kids)
            tightened = [(parent, sum_lo, sum_hi)] + [
                (k, lo[parent] - _sum_without(sum_hi, hi[k], [hi[c] for c in kids]),
                 hi[parent] - (sum_lo - lo[k])) for k in kids]
            for cell, new_lo, new_hi in tightened:
                if new_lo > lo[cell] or new_hi < hi[cell]:
                    lo[cell], hi[cell] = max(lo[cell], new_lo), min(hi[cell], new_hi)
                    changed = True
    return {k: (lo[k], hi[k]) for k, s in lat.state.items() if s != VISIBLE}


def _label_bounds(lat: Lattice, cell: tuple, n_min: int) -> tuple[float, float]:
    state = lat.state[cell]
    if state == VISIBLE:
        return lat.n[cell], lat.n[cell]
    return {SMALL: (0, n_min - 1), COMPLEMENTARY: (n_min, math.inf), WITHHELD: (0, math.inf)}[state]


def _sum_without(total: float, value: float, values: list[float]) -> float:
    """total - value for a sum that may hold infinities (inf - inf would be NaN)."""
    if value != math.inf:
        return total - value
    return math.inf if values.count(math.inf) > 1 else sum(v for v in values if v != math.inf)


def _enforce_relations(lat: Lattice, n_min: int) -> None:
    queue = deque(range(len(lat.relations)))
    queued = set(queue)
    while queue:
        r = queue.popleft()
        queued.discard(r)
        hide = _relation_fix(lat, r, n_min)
        if hide is None:
            continue
        lat.state[hide] = COMPLEMENTARY
        for s in [r, *lat.touching.get(hide, [])]:
            if s not in queued:
                queue.append(s)
                queued.add(s)


def _relation_fix(lat: Lattice, r: int, n_min: int) -> tuple | None:
    """What to hide so that a shown total minus its shown children is 0 or N+, and pins no hidden child.

    A hidden child is pinned when the labels of the others leave it one possible count (a total of 3
    over a "<3" cell and a complement that must hold 3 or more: both are known exactly).
    """
    parent, kids = lat.relations[r]
    if lat.state[parent] != VISIBLE:
        return None
    hidden = [k for k in kids if lat.state[k] != VISIBLE]
    total = sum(lat.n[k] for k in hidden)
    if total == 0 or (total >= n_min and not _pinned(lat, hidden, total, n_min)):
        return None
    shown = sorted((k for k in kids if lat.state[k] == VISIBLE), key=lambda k: (lat.n[k], repr(k)))
    if not shown:
        return parent
    enough = [k for k in shown if total + lat.n[k] >= n_min]
    return enough[0] if enough else shown[-1]


def _pinned(lat: Lattice, hidden: list[tuple], total: int, n_min: int) -> bool:
    lo = [_label_bounds(lat, k, n_min)[0] for k in hidden]
    hi = [_label_bounds(lat, k, n_min)[1] for k in hidden]
    sum_lo, sum_hi = sum(lo), sum(hi)
    for i, k in enumerate(hidden):
        upper = min(hi[i], total - (sum_lo - lo[i]))
        lower = max(lo[i], total - (sum_hi - hi[i]))
        if upper <= lower and lat.n[k] > 0:
            return True
    return False


def _pair_fixes(lat: Lattice, fine: list[tuple], n_min: int) -> set[tuple]:
    """Cells to hide so no shown cell minus a shown cell inside it isolates 1..N-1 hidden people.

    The attacker knows every shown finest cell, so what a difference reveals is the hidden people in
    it: hidden(a) - hidden(s). Hiding one more shown finest cell in the gap adds N or more to it.
    """
    hidden_mass: dict[tuple, int] = {}
    for f in fine:
        if lat.state[f] != VISIBLE and lat.n[f] > 0:
            for a in _ancestors(f, include_self=True):
                hidden_mass[a] = hidden_mass.get(a, 0) + lat.n[f]
    fixes: set[tuple] = set()
    for a, mass in hidden_mass.items():
        if lat.state.get(a) == VISIBLE and 0 < mass < n_min:
            fixes.add(_fill_gap(lat, fine, a, None))
    for s, state in lat.state.items():
        if state != VISIBLE or ALL not in s:
            continue                      # a shown finest cell hides no one: the check above covers it
        for a in _ancestors(s):
            gap = hidden_mass.get(a, 0) - hidden_mass.get(s, 0)
            if lat.state.get(a) == VISIBLE and 0 < gap < n_min:
                fixes.add(_fill_gap(lat, fine, a, s))
    return fixes


def _fill_gap(lat: Lattice, fine: list[tuple], a: tuple, s: tuple | None) -> tuple:
    from_gap = sorted((f for f in fine if lat.state[f] == VISIBLE and _covers(a, f)
                       and (s is None or not _covers(s, f))), key=lambda f: (lat.n[f], repr(f)))
    if from_gap:
        return from_gap[0]
    return s if s is not None else a


def _ancestors(key: tuple, include_self: bool = False) -> list[tuple]:
    concrete = [i for i, v in enumerate(key) if v != ALL]
    out = []
    for mask in range(0 if include_self else 1, 1 << len(concrete)):
        k = list(key)
        for j, i in enumerate(concrete):
            if mask >> j & 1:
                k[i] = ALL
        out.append(tuple(k))
    return out


def _covers(margin: tuple, cell: tuple) -> bool:
    return all(m in (ALL, c) for m, c in zip(margin, cell, strict=True))


# ------------------------------------------------------------------------------ table plumbing


def _check_table(table: pd.DataFrame, dims: list[str], keys: list[str], n_col: str, n_min: int) -> None:
    missing = [c for c in [*dims, *keys, n_col] if c not in table.columns]
    if missing:
        raise fail("S502", f"the table has columns {list(table.columns)}", column=", ".join(missing))
    if n_min < 2:
        raise fail("S501", "the minimum cell size must be 2 or more", value=str(n_min))
    n = pd.to_numeric(table[n_col], errors="coerce")
    bad = table.index[n.isna() | (n < 0) | (n != np.floor(n))]
    if len(bad):
        raise fail("S503", "counts must be whole numbers of 0 or more", column=n_col,
                   row=int(bad[0]), value=str(table.loc[bad[0], n_col]))
    dup = table.duplicated([*keys, *dims], keep=False)
    if dup.any():
        first = table.index[dup][0]
        raise fail("S504", "each cell may appear once", row=int(first),
                   value=str(tuple(table.loc[first, [*keys, *dims]])))


def _protect_part(part: pd.DataFrame, dims: list[str], keys: list[str], n_col: str, *, n_min: int,
                  margins: bool, complete: bool) -> pd.DataFrame:
    if part.empty:
        return part.assign(suppression=pd.Series(dtype=object))
    if complete:
        part = _with_zero_cells(part, dims, keys, n_col)
    if margins:
        part = _with_margins(part, dims, keys, n_col)
    cells = dict(zip(_keys(part, dims), part[n_col].astype(int), strict=True))
    lat = protect_lattice(build_lattice(cells, len(dims)), n_min)
    out = part.reset_index(drop=True).copy()
    out["suppression"] = [lat.state[k] for k in _keys(out, dims)]
    return out


def _keys(frame: pd.DataFrame, dims: list[str]) -> list[tuple]:
    if not dims:
        return [() for _ in range(len(frame))]
    return list(frame[dims].itertuples(index=False, name=None))


def _with_zero_cells(part: pd.DataFrame, dims: list[str], keys: list[str], n_col: str) -> pd.DataFrame:
    """List every combination of the levels present, so an empty cell looks like any small one.

    Were empty cells left out, a listed "<N" cell would be known to hold at least one person, and a
    small total over k listed cells would pin each of them (four cells under a total "<5" hold 1 each).
    """
    fine = part[~(part[dims] == ALL).any(axis=1)] if dims else part
    if not dims or fine.empty:
        return part
    levels = [fine[d].drop_duplicates().tolist() for d in dims]
    grid = pd.DataFrame(list(product(*levels)), columns=dims)
    have = set(_keys(fine, dims))
    grid = grid[[k not in have for k in _keys(grid, dims)]]
    if grid.empty:
        return part
    grid[n_col] = 0
    for k in keys:
        grid[k] = part[k].iloc[0]
    return pd.concat([part, grid], ignore_index=True)


def _with_margins(part: pd.DataFrame, dims: list[str], keys: list[str], n_col: str) -> pd.DataFrame:
    """Add every margin the caller did not supply, with n summed from the finest cells."""
    fine = part[~(part[dims] == ALL).any(axis=1)] if dims else part
    have = set(_keys(part, dims))
    extra = []
    for keep in product([True, False], repeat=len(dims)):
        if all(keep):
            continue
        kept = [d for d, k in zip(dims, keep, strict=True) if k]
        if kept:
            sums = fine.groupby(kept, sort=True, dropna=False)[n_col].sum().reset_index()
        else:
            sums = pd.DataFrame({n_col: [fine[n_col].sum()]})
        for d, k in zip(dims, keep, strict=True):
            if not k:
                sums[d] = ALL
        extra.append(sums)
    if not extra:
        return part
    added = pd.concat(extra, ignore_index=True)
    added = added[[k not in have for k in _keys(added, dims)]]
    for k in keys:
        added[k] = part[k].iloc[0] if len(part) else None
    return pd.concat([part, added], ignore_index=True)


def _blank(out: pd.DataFrame, n_col: str, values: Iterable[str], n_min: int) -> pd.DataFrame:
    hidden = (out["suppression"] != VISIBLE).to_numpy(dtype=bool)
    out["suppressed"] = hidden
    out["n_label"] = [n_label(s, n, n_min) for s, n in zip(out["suppression"], out[n_col], strict=True)]
    # The true count of a hidden cell must not travel on in any column, so n is blanked as well.
    out[n_col] = pd.array([pd.NA if h else int(n) for h, n in zip(hidden, out[n_col], strict=True)],
                          dtype="Int64")
    for c in values:
        if c not in out.columns:
            continue
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(float).where(~hidden, np.nan)
        else:
            out[c] = out[c].astype(object).where(~hidden, None)
    return out
