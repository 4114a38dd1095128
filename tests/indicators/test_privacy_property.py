"""The service's suppression is engagement.suppression's, applied to real aggregation output.

Random people in sites x roles go through the dashboard's own path (lattice of person-level cells and
margins, then protect for a sponsor). The published site x role table of one stage must carry exactly
the labels suppression.suppress() gives the same table, every shown cell must be N or more and true,
and no hidden cell may travel with a value. (Whether suppress() itself can be attacked is the privacy
module's property test; see tests/privacy.)
"""

from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement.indicators import VALUE_COLUMNS, lattice_aggregator
from engagement.indicators_privacy import Access, lattice, protect
from engagement.suppression import ALL, suppress
from tests.privacy.suppression_attacker import published, true_cells
from tests.privacy.test_privacy_suppression import check_labels

SITES, ROLES = ["A", "B", "C"], ["patient", "caregiver"]
COUNTS = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 15])


def _rows(counts: list[int]) -> tuple[pd.DataFrame, dict[tuple, int]]:
    rows, fine, person = [], {}, 0
    for (site, role), n in zip(itertools.product(SITES, ROLES), counts, strict=True):
        for _ in range(n):
            person += 1
            # Each person answers in two stages: stage margins are not sums, so each stage is its own table.
            for stage in ("s1", "s2"):
                rows.append({"person": person, "site": site, "role": role, "stage": stage,
                             "indicator": "burden", "value": float(person % 100)})
        if n:
            fine[(site, role)] = n
    return pd.DataFrame(rows), fine


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COUNTS, min_size=6, max_size=6).filter(any), st.sampled_from([3, 5]))
def test_published_cells_cannot_reveal_a_small_group(counts: list[int], n_min: int) -> None:
    rows, fine = _rows(counts)
    dims = ["stage", "site", "role"]
    access = Access("S", None, aggregate_only=True, threshold=n_min)
    out = protect(lattice(rows, dims, lattice_aggregator(rows)), dims, access, VALUE_COLUMNS)
    cells = lattice(rows, dims, lattice_aggregator(rows))
    for stage in ("s1", ALL):
        part = out[(out["stage"] == stage) & (out["indicator"] == "burden")]
        assert part.loc[part["suppressed"], "mean"].isna().all()
        pub = published(part, ["site", "role"])
        check_labels(pub, true_cells(fine, 2), n_min)
        same = cells[cells["stage"] == stage].drop(columns=["stage", "indicator"])
        reference = published(suppress(same, ["site", "role"], value_cols=VALUE_COLUMNS,
                                       threshold=n_min), ["site", "role"])
        assert pub == reference
