"""The dashboard's figures read in a fixed order, whatever order the cells arrive in."""

from __future__ import annotations

import pandas as pd

from engagement import indicators_figures


def _cells(rows: list[tuple[str, str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"role": r, "indicator": i, "mean": m, "ci_low": m, "ci_high": m,
                          "suppressed": m is None, "suppression": "small" if m is None else "",
                          "n_label": "<5" if m is None else "9"} for r, i, m in rows])


def test_roles_are_drawn_patients_first_and_anonymous_last() -> None:
    # burden arrives without advocates (they do not answer it), so a plot in arrival order puts them last
    table = _cells([("(anonymous)", "burden", 44.0), ("caregiver", "burden", 48.0), ("patient", "burden", 50.0),
                    ("(anonymous)", "engagement", 55.0), ("advocate", "engagement", 60.0),
                    ("caregiver", "engagement", None)])
    fig = indicators_figures.by_role(table, "fewer than 5")
    assert list(fig.layout.xaxis.categoryarray) == ["patient", "caregiver", "advocate", "(anonymous)"]
    assert fig.data[-1].text == ("engagement: fewer than 5",)  # the hidden bar says why it is missing


def test_heatmap_lists_the_first_site_on_top() -> None:
    table = pd.DataFrame([{"site": s, "stage": "treatment", "indicator": "burden", "mean": 40.0 + k,
                           "suppressed": False, "suppression": ""} for k, s in enumerate(["S02", "S01"])])
    fig = indicators_figures.heatmap(table, "burden", ["treatment"], "fewer than 5")
    assert list(fig.data[0].y) == ["Site S01", "Site S02"]
    assert fig.layout.yaxis.autorange == "reversed"
    assert [row[0] for row in fig.data[0].z] == [41.0, 40.0]
