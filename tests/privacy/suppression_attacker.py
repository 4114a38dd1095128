"""An attacker for protected tables: what can be worked out from everything a viewer is shown.

Unknowns are the hidden finest cells; every shown margin is an equation over them, and every hidden
cell's label is a bound (small: 0..N-1, complementary: N or more, withheld: anything). An integer
program then finds the least and greatest count each hidden small cell can have. Absent cells are known zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from engagement.suppression import ALL, COMPLEMENTARY, SMALL, WITHHELD


def true_cells(fine: dict[tuple, int], dims: int) -> dict[tuple, int]:
    """Every lattice cell's true n from the finest counts."""
    out: dict[tuple, int] = {}
    for key, n in fine.items():
        for mask in range(1 << dims):
            k = tuple(ALL if mask >> i & 1 else key[i] for i in range(dims))
            out[k] = out.get(k, 0) + n
    return out


def covers(margin: tuple, cell: tuple) -> bool:
    return all(m in (ALL, c) for m, c in zip(margin, cell, strict=True))


def published(out: pd.DataFrame, dims: list[str]) -> dict[tuple, tuple[str, int | None]]:
    rows = out[[*dims, "suppression", "n"]].itertuples(index=False, name=None)
    return {tuple(r[:-2]): (r[-2], None if pd.isna(r[-1]) else int(r[-1])) for r in rows}


def attacker_ranges(pub: dict[tuple, tuple[str, int | None]], n_min: int) -> dict[tuple, tuple[int, int]]:
    """Least and greatest n the attacker can prove for each hidden small cell."""
    fine = [k for k in pub if ALL not in k]
    hidden = [k for k in fine if pub[k][0] != ""]
    if not hidden:
        return {}
    cons = _constraints(pub, fine, hidden, n_min)
    ranges = {}
    for cell, (state, _) in pub.items():
        if state == SMALL:
            obj = np.array([1.0 if covers(cell, f) else 0.0 for f in hidden])
            ranges[cell] = (_solve(obj, cons, len(hidden)), -_solve(-obj, cons, len(hidden)))
    return ranges


def _constraints(pub: dict[tuple, tuple[str, int | None]], fine: list[tuple], hidden: list[tuple],
                 n_min: int) -> LinearConstraint:
    """Shown cells are equations; hidden ones are bounds from their label (small: 0..N-1, complementary: N+,
    withheld: 0+)."""
    col = {k: i for i, k in enumerate(hidden)}
    rows, lo, hi = [], [], []
    for cell, (state, n) in pub.items():
        vec = np.zeros(len(hidden))
        known = 0
        for f in fine:
            if covers(cell, f):
                if f in col:
                    vec[col[f]] = 1
                else:
                    known += pub[f][1]
        if not vec.any():
            continue
        bounds = {"": (n, n), SMALL: (0, n_min - 1), COMPLEMENTARY: (n_min, np.inf), WITHHELD: (0, np.inf)}[state]
        rows.append(vec)
        lo.append(bounds[0] - known)
        hi.append(bounds[1] - known)
    return LinearConstraint(np.array(rows), np.array(lo, dtype=float), np.array(hi, dtype=float))


def _solve(obj: np.ndarray, cons: LinearConstraint, n: int) -> int:
    res = milp(obj, constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 10_000))
    assert res.status == 0, f"attacker's program failed: {res.message}"
    return round(res.fun)
