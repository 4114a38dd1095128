"""Cronbach's alpha against published values, plus the item statistics and the JSON shape."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from engagement.errors import EngagementError
from engagement.instruments import load
from engagement.psychometrics import cronbach_alpha, item_total_r, psychometrics_from_wide

# pingouin's bundled data set "cronbach_wide_missing" (12 respondents x 11 binary items, 4 blanks),
# from src/pingouin/datasets/cronbach_wide_missing.csv. pingouin.cronbach_alpha documents, and says it
# checked against R's psych::alpha: pairwise 0.732660835214447 (use="pairwise"), listwise
# 0.8016949152542373 (use="complete.obs").
CRONBACH_WIDE_MISSING = """Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9,Q10,Q11
1,1,1,1,1,1,1,1,1,1,1
1,1,1,1,1,1,1,1,0,1,0
,0,1,1,,1,1,1,1,0,0
1,1,1,0,1,1,0,1,1,0,0
1,1,1,1,1,0,0,0,1,0,0
0,1,,0,1,1,1,1,0,0,0
1,1,1,1,0,0,1,0,0,0,0
1,1,1,1,1,0,0,0,0,0,0
0,1,0,1,1,0,0,0,0,1,0
1,0,0,1,0,1,0,0,,0,0
1,1,1,0,0,0,0,0,0,0,0
1,0,0,1,0,0,0,0,0,0,0
"""


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(CRONBACH_WIDE_MISSING))


def test_alpha_listwise_matches_published(published: pd.DataFrame) -> None:
    assert cronbach_alpha(published) == pytest.approx(0.8016949152542373, abs=1e-6)


def test_alpha_pairwise_matches_published(published: pd.DataFrame) -> None:
    assert cronbach_alpha(published, pairwise=True) == pytest.approx(0.732660835214447, abs=1e-6)


def test_alpha_by_hand() -> None:
    # items x=[1,2,3], y=[2,3,4] (var 1 each), total [3,5,7] var 4: alpha = 2/1 * (1 - 2/4) = 1.0
    assert cronbach_alpha(pd.DataFrame({"x": [1, 2, 3], "y": [2, 3, 4]})) == 1.0
    # x=[1,2,3], y=[3,2,1]: total constant -> alpha undefined, never 0
    assert cronbach_alpha(pd.DataFrame({"x": [1, 2, 3], "y": [3, 2, 1]})) is None
    assert cronbach_alpha(pd.DataFrame({"x": [1, 2, 3]})) is None


def test_item_total_is_corrected() -> None:
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 4, 3], "c": [2, 1, 4, 3]})
    expected = np.corrcoef(df["a"], df["b"] + df["c"])[0, 1]
    assert item_total_r(df, "a") == pytest.approx(expected, abs=1e-6)


FORM = """
id: psy
version: 1.0.0
title: Psy
scales:
  agree5: {choices: [{value: 1}, {value: 2}, {value: 3}, {value: 4}, {value: 5}], missing: [-99]}
items:
  - {id: a, text: A, scale: agree5}
  - {id: b, text: B, scale: agree5}
  - {id: c, text: C, scale: agree5}
  - {id: t, text: T, type: text}
subscales:
  - {id: s, indicator: trust, items: [a, b, c], reverse: [c], higher_is: better}
  - {id: single, indicator: trust, items: [a], higher_is: better}
"""


def test_report_shape_reverse_keying_and_missing_codes() -> None:
    inst = load(FORM)
    wide = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [1, 2, 3, 5, 4, 3], "c": [5, 4, 3, 2, 1, -99],
                         "t": ["x"] * 6})
    report = psychometrics_from_wide(inst, wide)
    s = report["subscales"]["s"]
    keyed = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 5, 4], "c": [1, 2, 3, 4, 5]})
    assert s["alpha"] == cronbach_alpha(keyed)
    assert s["alpha"] > 0.9  # c is negatively worded; without reverse keying alpha would be negative
    assert s["n"] == 5       # the -99 row is not complete
    assert set(s["items"]) == {"a", "b", "c"}
    assert s["items"]["c"]["alpha_if_deleted"] == cronbach_alpha(keyed[["a", "b"]])
    assert s["items"]["a"]["item_total_r"] == item_total_r(keyed, "a")
    assert report["subscales"]["single"]["alpha"] is None
    json.dumps(report, allow_nan=False)  # valid JSON: no NaN anywhere


def test_no_item_columns_is_coded() -> None:
    with pytest.raises(EngagementError) as err:
        psychometrics_from_wide(load(FORM), pd.DataFrame({"x": [1, 2]}))
    assert err.value.code == "I330"
