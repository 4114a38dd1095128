"""Scoring edge cases with exact values worked out by hand (see the comment by each case)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engagement.errors import EngagementError
from engagement.instruments import load, load_builtin
from engagement.scoring import NO_ANSWERS, SCORE_COLUMNS, TOO_FEW, score_answers

FORM = """
id: scoring-test
version: 1.0.0
title: Scoring test
scales:
  agree5:
    choices: [{value: 1}, {value: 2}, {value: 3}, {value: 4}, {value: 5}]
    missing: [-99]
  seven: {choices: [{value: 1}, {value: 2}, {value: 3}, {value: 4}, {value: 5}, {value: 6}, {value: 7}]}
  ten: {range: {min: 0, max: 10}}
items:
  - {id: a, text: A, scale: agree5}
  - {id: b, text: B, scale: agree5}
  - {id: c, text: C, scale: agree5}
  - {id: d, text: D, scale: agree5}
  - {id: e, text: E, scale: seven}
  - {id: f, text: F, scale: seven}
  - {id: g, text: G, type: number, scale: ten}
  - {id: h, text: H, type: number, scale: ten}
  - {id: t, text: T, type: text}
subscales:
  - {id: mean_s, indicator: burden, items: [a, b, c, d], reverse: [d], higher_is: worse}
  - {id: sum_s, indicator: burden, items: [a, b, c, d], reverse: [d], method: sum, rescale: null,
     higher_is: worse}
  - {id: sum_rescaled, indicator: burden, items: [a, b, c, d], reverse: [d], method: sum, higher_is: worse}
  - {id: mean_raw, indicator: other, items: [a, b, c, d], rescale: null, higher_is: neutral}
  - {id: top, indicator: experience, items: [a, b], method: top_box, higher_is: better}
  - {id: top_raw, indicator: experience, items: [a, b], method: top_box, top_values: [4, 5], rescale: null,
     higher_is: better}
  - {id: top_rev, indicator: experience, items: [a, d], reverse: [d], method: top_box, min_answered: 1,
     higher_is: better}
  - {id: seven, indicator: trust, items: [e, f], higher_is: better}
  - {id: ten, indicator: trust, items: [g, h], higher_is: better}
"""


@pytest.fixture(scope="module")
def inst():  # type: ignore[no-untyped-def]
    return load(FORM)


def answers(rows: dict[object, dict[str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame([(s, i, v) for s, items in rows.items() for i, v in items.items()],
                        columns=["submission_id", "item_id", "value_num"])


def score(inst, rows, **kw) -> dict[tuple[object, str], dict]:  # type: ignore[no-untyped-def]
    out = score_answers(answers(rows), inst, **kw)
    return {(r.submission_id, r.subscale_id): r._asdict() for r in out.itertuples(index=False)}


def test_columns_and_shape(inst) -> None:  # type: ignore[no-untyped-def]
    out = score_answers(answers({1: {"a": 5}, 2: {"b": 1}}), inst)
    assert list(out.columns) == SCORE_COLUMNS
    assert len(out) == 2 * len(inst.subscales)


def test_all_answered_mean_sum_and_reverse(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {1: {"a": 5, "b": 4, "c": 3, "d": 2}})
    # d reversed: 1 + 5 - 2 = 4; mean (5+4+3+4)/4 = 4.0; rescaled (4-1)/(5-1)*100 = 75
    assert s[1, "mean_s"]["value"] == 75.0
    assert s[1, "sum_s"]["value"] == 16.0          # 5+4+3+4
    assert s[1, "sum_rescaled"]["value"] == 75.0   # sum 16 on 4..20 -> (16-4)/16*100
    assert s[1, "mean_raw"]["value"] == 3.5        # (5+4+3+2)/4, no reverse in this subscale
    assert s[1, "mean_s"]["n_answered"] == 4
    assert s[1, "mean_s"]["n_items"] == 4
    assert s[1, "mean_s"]["missing_reason"] is None
    assert s[1, "mean_s"]["indicator"] == "burden"


def test_missing_codes_and_blanks_are_excluded(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {2: {"a": 5, "b": -99, "c": None, "d": 1}})
    # counted: a=5 and d=1 reversed to 5 -> mean 5 -> 100; 2 of 4 answered meets ceil(0.5*4) = 2
    assert s[2, "mean_s"]["value"] == 100.0
    assert s[2, "mean_s"]["n_answered"] == 2
    assert s[2, "sum_s"]["value"] == 20.0          # prorated: mean 5 x 4 items
    assert s[2, "mean_raw"]["value"] == 3.0        # (5+1)/2
    assert s[2, "top"]["value"] == 100.0           # only a counts, and it is top


def test_below_min_answered_is_nan_with_reason(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {3: {"a": 2}})
    assert math.isnan(s[3, "mean_s"]["value"])
    assert s[3, "mean_s"]["missing_reason"] == TOO_FEW
    assert s[3, "mean_s"]["n_answered"] == 1
    assert s[3, "top"]["value"] == 0.0             # 1 of 2 meets ceil(0.5*2) = 1; 2 is not top


def test_all_items_missing_is_nan_never_zero(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {4: {"a": -99, "b": -99, "c": -99, "d": -99, "t": None}})
    for sub in ("mean_s", "sum_s", "mean_raw", "top"):
        assert math.isnan(s[4, sub]["value"])
        assert s[4, sub]["missing_reason"] == NO_ANSWERS
        assert s[4, sub]["n_answered"] == 0


def test_submission_without_any_rows(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {1: {"a": 5}}, submissions=[1, 99])
    assert s[99, "mean_s"]["missing_reason"] == NO_ANSWERS
    assert math.isnan(s[99, "ten"]["value"])


def test_values_off_the_scale_do_not_count(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {5: {"a": 6, "b": 0, "c": 3, "d": 3}})
    assert s[5, "mean_raw"]["n_answered"] == 2
    assert s[5, "mean_raw"]["value"] == 3.0


def test_top_box_share_and_custom_top_values(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {6: {"a": 5, "b": 4}})
    assert s[6, "top"]["value"] == 50.0            # 1 of 2 answers is 5
    assert s[6, "top_raw"]["value"] == 1.0         # both in {4, 5}; no rescale: a share 0..1


def test_top_box_after_reverse_keying(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {7: {"a": 5, "d": 1}, 8: {"a": 5, "d": 5}})
    assert s[7, "top_rev"]["value"] == 100.0       # d=1 reversed is 5: top
    assert s[8, "top_rev"]["value"] == 50.0        # d=5 reversed is 1


def test_rescaling_a_1_to_7_scale(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {9: {"e": 7, "f": 4}, 10: {"e": 1, "f": 1}})
    assert s[9, "seven"]["value"] == pytest.approx(75.0)   # mean 5.5 -> (5.5-1)/6*100
    assert s[10, "seven"]["value"] == 0.0


def test_rescaling_a_0_to_10_scale(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {11: {"g": 10, "h": 3}, 12: {"g": 0, "h": 0}})
    assert s[11, "ten"]["value"] == pytest.approx(65.0)    # mean 6.5 -> 6.5/10*100
    assert s[12, "ten"]["value"] == 0.0                     # a real zero, not a missing score
    assert s[12, "ten"]["missing_reason"] is None


def test_min_answered_one_needs_every_item(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {13: {"a": 5}})
    assert s[13, "top_rev"]["missing_reason"] == TOO_FEW


def test_min_answered_zero_still_needs_one_answer() -> None:
    form = FORM.replace("items: [a, b, c, d], reverse: [d], higher_is: worse}",
                        "items: [a, b, c, d], min_answered: 0, higher_is: worse}", 1)
    inst = load(form)
    s = score(inst, {1: {"a": 3}, 2: {"t": None}}, submissions=[1, 2])
    assert s[1, "mean_s"]["value"] == 50.0
    assert s[2, "mean_s"]["missing_reason"] == NO_ANSWERS


def test_unknown_and_text_items_are_ignored(inst) -> None:  # type: ignore[no-untyped-def]
    s = score(inst, {14: {"a": 1, "b": 1, "zzz": 5, "t": 5}})
    assert s[14, "mean_raw"]["value"] == 1.0
    assert s[14, "mean_raw"]["n_answered"] == 2


def test_string_submission_ids_and_categorical_items(inst) -> None:  # type: ignore[no-untyped-def]
    df = answers({"S-1": {"a": 5, "b": 5}, "S-2": {"a": 1, "b": 1}})
    df["item_id"] = df["item_id"].astype("category")
    out = score_answers(df, inst).set_index(["submission_id", "subscale_id"])
    assert out.loc[("S-1", "top"), "value"] == 100.0
    assert out.loc[("S-2", "top"), "value"] == 0.0


def test_row_order_does_not_matter(inst) -> None:  # type: ignore[no-untyped-def]
    df = answers({1: {"a": 5, "b": 4, "c": 3, "d": 2}, 2: {"a": 1, "b": 2, "c": 2, "d": 5}})
    a = score_answers(df, inst).sort_values(["submission_id", "subscale_id"]).reset_index(drop=True)
    b = score_answers(df.sample(frac=1, random_state=3), inst)
    b = b.sort_values(["submission_id", "subscale_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a.astype({"subscale_id": str, "indicator": str}),
                                  b.astype({"subscale_id": str, "indicator": str}))


def test_missing_column_is_coded(inst) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngagementError) as err:
        score_answers(pd.DataFrame({"submission_id": [1], "item_id": ["a"]}), inst)
    assert err.value.code == "I328"


def test_empty_answers(inst) -> None:  # type: ignore[no-untyped-def]
    out = score_answers(answers({}), inst)
    assert list(out.columns) == SCORE_COLUMNS
    assert out.empty


def test_instrument_without_subscales_scores_nothing() -> None:
    inst = load(FORM.split("subscales:", maxsplit=1)[0])
    assert score_answers(answers({1: {"a": 5}}), inst).empty


def test_matches_a_plain_pandas_reference_on_random_data(inst) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    rows = {s: {i: float(rng.choice([1, 2, 3, 4, 5, -99, np.nan])) for i in "abcd"} for s in range(300)}
    got = score_answers(answers(rows), inst).set_index(["submission_id", "subscale_id"])["value"]
    for s, items in rows.items():
        x = {i: v for i, v in items.items() if not np.isnan(v) and v != -99}
        if "d" in x:
            x["d"] = 6 - x["d"]
        expected = (np.mean(list(x.values())) - 1) / 4 * 100 if len(x) >= 2 else np.nan
        assert got[(s, "mean_s")] == pytest.approx(expected, nan_ok=True)


def test_builtin_experience_top_box() -> None:
    inst = load_builtin("participant-experience")[0]
    s = score(inst, {1: {"treated_respect": 5, "listened_to": 4, "informed_consent": 5,
                         "would_recommend": 5}})
    assert s[1, "respected"]["value"] == 100.0
    assert s[1, "listened"]["value"] == 0.0
    assert s[1, "experience_top_box"]["value"] == 75.0


def test_builtin_pulse_check_on_0_to_10() -> None:
    inst = load_builtin("pulse-check")[0]
    s = score(inst, {1: {"pulse_hard": 3, "pulse_trust": 8, "pulse_stay": 10}})
    assert s[1, "pulse_burden"]["value"] == 30.0
    assert s[1, "pulse_burden"]["indicator"] == "burden"
    assert s[1, "pulse_trust"]["value"] == 80.0
    assert s[1, "pulse_trust"]["indicator"] == "trust"
