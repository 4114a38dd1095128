"""Small-cell suppression: exact hand-computed tables and a property test against an attacker."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement.errors import EngagementError
from engagement.suppression import (
    ALL,
    describe_complementary,
    describe_suppressed,
    describe_withheld,
    min_cell_size,
    suppress,
    view,
)
from tests.privacy.suppression_attacker import attacker_ranges, covers, published, true_cells


def labels(out: pd.DataFrame, dims: list[str]) -> dict[tuple, str]:
    return {tuple(r[:-1]): r[-1] for r in out[[*dims, "n_label"]].itertuples(index=False, name=None)}


# ------------------------------------------------------------------------------ exact examples


def test_one_small_site_hides_the_next_smallest_site_and_keeps_the_total() -> None:
    table = pd.DataFrame({"site": ["A", "B", "C"], "n": [3, 10, 12], "mean": [40.0, 50.0, 60.0]})
    out = suppress(table, ["site"], value_cols=["mean"], threshold=5)
    assert labels(out, ["site"]) == {("A",): "<5", ("B",): "hidden", ("C",): "12", (ALL,): "25"}
    assert out.set_index("site")["suppression"].to_dict() == {
        "A": "small", "B": "complementary", "C": "", ALL: ""}
    shown = out.set_index("site")
    assert shown.loc[["A", "B"], "n"].isna().all()
    assert shown.loc[["A", "B"], "mean"].isna().all()
    assert shown.loc["C", "mean"] == 60.0
    assert pd.isna(shown.loc[ALL, "mean"])          # margins added by suppress carry n only


def test_one_small_cell_of_a_two_by_two_table_hides_all_four_and_keeps_the_margins() -> None:
    table = pd.DataFrame({"site": ["A", "A", "B", "B"], "stage": ["s1", "s2", "s1", "s2"],
                          "n": [2, 10, 8, 9]})
    out = suppress(table, ["site", "stage"], threshold=5)
    assert labels(out, ["site", "stage"]) == {
        ("A", "s1"): "<5", ("A", "s2"): "hidden", ("B", "s1"): "hidden", ("B", "s2"): "hidden",
        ("A", ALL): "12", ("B", ALL): "17", (ALL, "s1"): "10", (ALL, "s2"): "19", (ALL, ALL): "29"}


def test_a_small_total_over_small_cells_hides_only_small_cells() -> None:
    table = pd.DataFrame({"site": ["A", "B"], "n": [2, 1]})
    out = suppress(table, ["site"], threshold=5)
    assert labels(out, ["site"]) == {("A",): "<5", ("B",): "<5", (ALL,): "<5"}
    assert set(out["suppression"]) == {"small"}


def test_empty_combinations_are_listed_as_fewer_than_n_never_zero() -> None:
    table = pd.DataFrame({"site": ["A", "B"], "stage": ["s1", "s2"], "n": [7, 8]})
    out = suppress(table, ["site", "stage"], threshold=5)
    assert labels(out, ["site", "stage"]) == {
        ("A", "s1"): "7", ("B", "s2"): "8", ("A", "s2"): "<5", ("B", "s1"): "<5",
        ("A", ALL): "7", ("B", ALL): "8", (ALL, "s1"): "7", (ALL, "s2"): "8", (ALL, ALL): "15"}
    assert "0" not in set(out["n_label"])


def test_without_margins_only_small_cells_are_hidden() -> None:
    table = pd.DataFrame({"site": ["A", "B", "C"], "n": [3, 10, 12]})
    out = suppress(table, ["site"], threshold=5, margins=False)
    assert labels(out, ["site"]) == {("A",): "<5", ("B",): "10", ("C",): "12"}


def test_tables_split_by_indicator_are_protected_separately() -> None:
    table = pd.DataFrame({"indicator": ["burden"] * 3 + ["trust"] * 3, "site": ["A", "B", "C"] * 2,
                          "n": [3, 10, 12, 6, 10, 12]})
    out = suppress(table, ["site"], threshold=5, separate_by=["indicator"])
    got = {(r.indicator, r.site): r.n_label for r in out.itertuples()}
    assert got == {("burden", "A"): "<5", ("burden", "B"): "hidden", ("burden", "C"): "12",
                   ("burden", ALL): "25", ("trust", "A"): "6", ("trust", "B"): "10",
                   ("trust", "C"): "12", ("trust", ALL): "28"}


def test_caller_supplied_margins_keep_their_values() -> None:
    table = pd.DataFrame({"site": ["A", "B", ALL], "n": [6, 9, 15], "mean": [1.0, 2.0, 1.6]})
    out = suppress(table, ["site"], value_cols=["mean"], threshold=5).set_index("site")
    assert out.loc[ALL, "mean"] == 1.6
    assert int(out.loc[ALL, "n"]) == 15
    assert not out["suppressed"].any()


def test_views_are_slices_of_the_protected_lattice() -> None:
    table = pd.DataFrame({"site": ["A", "A", "B", "B"], "stage": ["s1", "s2", "s1", "s2"],
                          "n": [2, 10, 8, 9]})
    out = suppress(table, ["site", "stage"], threshold=5)
    by_stage_at_b = view(out, ["site", "stage"], ["stage"], {"site": "B"})
    assert labels(by_stage_at_b, ["site", "stage"]) == {("B", "s1"): "hidden", ("B", "s2"): "hidden"}
    sites = view(out, ["site", "stage"], ["site"], margins=True)
    assert labels(sites, ["site", "stage"]) == {("A", ALL): "12", ("B", ALL): "17", (ALL, ALL): "29"}
    with pytest.raises(EngagementError) as err:
        view(out, ["site", "stage"], ["role"])
    assert err.value.code == "S505"


def test_categorical_and_integer_levels_take_margins() -> None:
    table = pd.DataFrame({"site": pd.Categorical(["A", "B"]), "stage": [1, 1], "n": [3, 9]})
    out = suppress(table, ["site", "stage"], threshold=5)
    assert labels(out, ["site", "stage"]) == {
        ("A", 1): "<5", ("B", 1): "hidden", ("A", ALL): "<5", ("B", ALL): "hidden",
        (ALL, 1): "12", (ALL, ALL): "12"}


def test_an_empty_table_stays_empty() -> None:
    out = suppress(pd.DataFrame({"site": [], "n": []}), ["site"], threshold=5)
    assert out.empty
    assert {"suppressed", "suppression", "n_label"} <= set(out.columns)


def test_words_for_hidden_cells() -> None:
    assert describe_suppressed(5) == "fewer than 5"
    assert describe_suppressed(11) == "fewer than 11"
    assert describe_complementary(5) == "hidden so that a group of fewer than 5 cannot be worked out"


def test_min_cell_size_comes_from_settings_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENGAGEMENT_MIN_CELL", raising=False)
    assert min_cell_size() == 5
    monkeypatch.setenv("ENGAGEMENT_MIN_CELL", "11")
    assert min_cell_size() == 11

    class Settings:
        min_cell_size = 7

    assert min_cell_size(Settings()) == 7
    for bad in ("abc", "1", "-3"):
        monkeypatch.setenv("ENGAGEMENT_MIN_CELL", bad)
        with pytest.raises(EngagementError) as err:
            min_cell_size()
        assert err.value.code == "S501"


def test_threshold_from_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGEMENT_MIN_CELL", "11")
    out = suppress(pd.DataFrame({"site": ["A", "B"], "n": [10, 30]}), ["site"])
    assert labels(out, ["site"]) == {("A",): "<11", ("B",): "hidden", (ALL,): "40"}


@pytest.mark.parametrize(("table", "code"), [
    (pd.DataFrame({"site": ["A"], "count": [3]}), "S502"),
    (pd.DataFrame({"site": ["A"], "n": [-1]}), "S503"),
    (pd.DataFrame({"site": ["A"], "n": [2.5]}), "S503"),
    (pd.DataFrame({"site": ["A", "A"], "n": [6, 7]}), "S504"),
])
def test_bad_tables_are_refused_with_codes(table: pd.DataFrame, code: str) -> None:
    with pytest.raises(EngagementError) as err:
        suppress(table, ["site"], threshold=5)
    assert err.value.code == code


def test_a_small_margin_over_empty_cells_is_still_protected() -> None:
    """Regression: the margin (all, v1, v0) = 4 was pinned when its cube was anchored on an empty cell."""
    fine = {("v0", "v0", "v0"): 9, ("v0", "v0", "v1"): 12, ("v0", "v1", "v0"): 4, ("v0", "v1", "v1"): 7,
            ("v1", "v1", "v1"): 6, ("v2", "v0", "v0"): 20, ("v2", "v0", "v1"): 1, ("v2", "v1", "v1"): 6,
            ("v3", "v0", "v0"): 7, ("v3", "v0", "v1"): 5, ("v3", "v1", "v1"): 2}
    dims = ["a", "b", "c"]
    table = pd.DataFrame([(*k, n) for k, n in fine.items()], columns=[*dims, "n"])
    pub = published(suppress(table, dims, threshold=5), dims)
    truth = true_cells(fine, 3)
    assert pub[(ALL, "v1", "v0")] == ("small", None)
    pinned = [c for c, (lo, hi) in attacker_ranges(pub, 5).items() if lo == hi and truth.get(c, 0) > 0]
    assert pinned == []


# ------------------------------------------------------------------------------ the property test

COUNTS = st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 40])


@st.composite
def tables(draw: st.DrawFn, levels_per_dim: tuple[int, int] = (1, 3), n_dims: tuple[int, int] = (1, 3),
           thresholds: tuple[int, ...] = (3, 5)) -> tuple[list[str], dict[tuple, int], int]:
    """(dimension names, nonzero counts per cell, minimum cell size N)."""
    levels = draw(st.lists(st.integers(*levels_per_dim), min_size=n_dims[0], max_size=n_dims[1]))
    dims = [f"d{i}" for i in range(len(levels))]
    keys = list(itertools.product(*[[f"v{j}" for j in range(k)] for k in levels]))
    counts = draw(st.lists(COUNTS, min_size=len(keys), max_size=len(keys)))
    fine = {k: n for k, n in zip(keys, counts, strict=True) if n}
    return dims, fine or {keys[0]: 1}, draw(st.sampled_from(thresholds))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.data())
def test_no_shown_or_derivable_cell_comes_from_fewer_than_n_people(case, data) -> None:
    dims, fine, n_min = case
    table = pd.DataFrame([(*k, n, float(n)) for k, n in fine.items()], columns=[*dims, "n", "value"])
    out = suppress(table, dims, value_cols=["value"], threshold=n_min)
    truth = true_cells(fine, len(dims))
    pub = published(out, dims)
    assert out.loc[out["suppressed"], "value"].isna().all()
    check_labels(pub, truth, n_min)
    check_differences(pub, fine, n_min)
    check_filter_pairs(out, dims, fine, n_min, data)
    # The full attacker (an integer program over every equation and label) cannot pin any small cell.
    for cell, (lo, hi) in attacker_ranges(pub, n_min).items():
        real = truth.get(cell, 0)
        assert lo <= real <= hi
        if real > 0:
            assert hi > lo, f"{cell} holding {real} can be worked out exactly"


def check_labels(pub: dict, truth: dict, n_min: int) -> None:
    """Shown cells are true and at least N; hidden ones are labelled truthfully and carry no count."""
    for cell, (state, n) in pub.items():
        real = truth.get(cell, 0)
        if state == "":
            assert n == real
            assert real >= n_min
        else:
            assert n is None
            assert {"small": real < n_min, "complementary": real >= n_min, "withheld": True}[state]


def check_differences(pub: dict, fine: dict, n_min: int) -> None:
    """A margin minus a cell, "all sites" minus "site X", a total minus its shown children: 0 or N+.

    The attacker knows every shown finest cell, so what a difference reveals is the hidden people in
    it; that must be nobody or a group of N or more, and so must the difference of the counts.
    """
    shown = {c: n for c, (s, n) in pub.items() if s == ""}
    hidden_people = {c: sum(n for f, n in fine.items() if covers(c, f) and pub[f][0] != "") for c in pub}
    for big, n_big in shown.items():
        assert hidden_people[big] == 0 or hidden_people[big] >= n_min
        for small, n_small in shown.items():
            if small != big and covers(big, small):
                gap = hidden_people[big] - hidden_people[small]
                assert gap == 0 or gap >= n_min, f"{big} minus {small} leaves {gap} hidden people"
                assert n_big - n_small == 0 or n_big - n_small >= n_min
        for i, v in enumerate(big):
            if v == ALL:
                kids = [c for c in pub if c[:i] + c[i + 1:] == big[:i] + big[i + 1:] and c[i] != ALL]
                rest = n_big - sum(shown.get(k, 0) for k in kids)
                assert rest == 0 or rest >= n_min


def check_filter_pairs(out: pd.DataFrame, dims: list[str], fine: dict, n_min: int,
                       data: st.DataObject) -> None:
    """Two random filter choices, each a view of the same protected table: every number shown is N+,
    and a row of one view minus a row of the other that it contains leaves 0 or N+."""
    views = []
    for _ in range(2):
        by = data.draw(st.lists(st.sampled_from(dims), unique=True))
        filters = {d: data.draw(st.sampled_from([None, *sorted({k[i] for k in fine})]))
                   for i, d in enumerate(dims) if d not in by}
        part = view(out, dims, by, filters, margins=True)
        assert (part["n"].dropna() >= n_min).all()
        views.append({tuple(r[:-1]): r[-1] for r in part[[*dims, "n"]].itertuples(index=False, name=None)
                      if not pd.isna(r[-1])})
    for (a, n_a), (b, n_b) in itertools.product(*(v.items() for v in views)):
        for big, small, diff in ((a, b, n_a - n_b), (b, a, n_b - n_a)):
            if big != small and covers(big, small):
                assert diff == 0 or diff >= n_min


def larger_tables() -> st.SearchStrategy[tuple[list[str], dict[tuple, int], int]]:
    return tables(levels_per_dim=(2, 4), n_dims=(3, 3), thresholds=(5, 11))


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(larger_tables())
def test_the_attacker_pins_no_small_cell_in_larger_tables(case) -> None:
    """The stress version of the property test: up to 4 x 4 x 4 cells, N up to 11 (about a minute)."""
    dims, fine, n_min = case
    table = pd.DataFrame([(*k, n) for k, n in fine.items()], columns=[*dims, "n"])
    pub = published(suppress(table, dims, threshold=n_min), dims)
    truth = true_cells(fine, len(dims))
    check_labels(pub, truth, n_min)
    for cell, (lo, hi) in attacker_ranges(pub, n_min).items():
        if truth.get(cell, 0) > 0:
            assert hi > lo, f"{cell} holding {truth[cell]} can be worked out exactly"


@pytest.mark.parametrize("fine", [
    # found by the stress test: a total of 13 over a "<5" cell and a hidden cell that another shown
    # total caps at 9 pinned the first at 4 (two relations chained)
    {("v0", "v1", "v0"): 1, ("v0", "v1", "v1"): 3, ("v1", "v1", "v0"): 4, ("v1", "v2", "v1"): 9},
    {("v0", "v1", "v0"): 1, ("v0", "v1", "v1"): 3, ("v1", "v1", "v0"): 4, ("v1", "v2", "v0"): 6,
     ("v1", "v2", "v1"): 9},
])
def test_no_cell_is_pinned_by_chaining_relations(fine) -> None:  # type: ignore[no-untyped-def]
    dims = ["d0", "d1", "d2"]
    table = pd.DataFrame([(*k, n) for k, n in fine.items()], columns=[*dims, "n"])
    pub = published(suppress(table, dims, threshold=5), dims)
    truth = true_cells(fine, len(dims))
    pinned = [cell for cell, (lo, hi) in attacker_ranges(pub, 5).items() if truth.get(cell, 0) > 0 and hi <= lo]
    assert pinned == []


def test_cells_the_labels_alone_would_pin_are_withheld() -> None:
    """Found by the property test with N = 3: every cell hidden, yet "<3" for row v0 and "hidden" (so 3 or
    more) for both columns pin all four cells. Withholding complementary cells (no claim about their size)
    leaves every cell open; the labels stay truthful."""
    fine = {("v0", "v0"): 1, ("v0", "v1"): 1, ("v1", "v0"): 2, ("v1", "v1"): 2}
    dims = ["d0", "d1"]
    table = pd.DataFrame([(*k, n) for k, n in fine.items()], columns=[*dims, "n"])
    out = suppress(table, dims, threshold=3)
    pub = published(out, dims)
    truth = true_cells(fine, len(dims))
    check_labels(pub, truth, 3)
    assert "withheld" in {state for state, _ in pub.values()}
    assert set(out.loc[out["suppression"] == "withheld", "n_label"]) == {"hidden"}
    pinned = [cell for cell, (lo, hi) in attacker_ranges(pub, 3).items() if truth.get(cell, 0) > 0 and hi <= lo]
    assert pinned == []
    assert describe_withheld(3) == "hidden; this group may be of any size, including fewer than 3"
