"""The demo's dynamics are real: measured from the written files, with a fixed seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engagement.demo import generate
from tests.demo.demo_analysis import burden_scores, cronbach_alpha, read, withdrawal_ratio


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=7)
    return read(out)


def test_withdrawal_follows_high_burden(bundle: dict) -> None:
    top, bottom = withdrawal_ratio(bundle)
    assert top > 1.5 * bottom
    assert bottom > 0  # some people leave whatever their burden: not a label copied into a feature


def test_missed_surveys_follow_the_burden_measured_before(bundle: dict) -> None:
    """Share missing the pulse at day 112 among people still in the study, by burden at day 42."""
    r, people = bundle["responses.csv"], bundle["participants.csv"].set_index("participant_id")
    early = burden_scores(r).query("timepoint_id == 'P2_early_burden'").set_index("participant_id")["burden"]
    p = people.loc[early.index]
    left_late = pd.to_datetime(p["status_date"]) > pd.to_datetime(p["enrolled_on"]) + pd.Timedelta(days=122)
    still_in = p["status"].isin(["active", "completed"]) | left_late
    answered = early.index.isin(r.loc[r["timepoint_id"] == "P3_pulse", "participant_id"])
    missed = pd.Series(~answered, index=early.index)[still_in]
    level = early[still_in]
    q1, q3 = np.quantile(level, [0.25, 0.75])
    assert missed[level >= q3].mean() > 1.5 * missed[level <= q1].mean()


def test_burden_rises_in_treatment_at_the_hot_sites_only(bundle: dict) -> None:
    scores = burden_scores(bundle["responses.csv"]).merge(
        bundle["participants.csv"][["participant_id", "site_id"]], on="participant_id")
    by_site = scores.pivot_table(index="site_id", columns="timepoint_id", values="burden")
    rise = (by_site["P5_late_burden"] - by_site["P2_early_burden"]).to_dict()
    hot, cold = [rise["S02"], rise["S05"]], [rise["S01"], rise["S04"], rise["S06"]]
    assert min(hot) > 0.1
    assert max(cold) < 0.1
    assert np.mean(hot) > np.mean(cold) + 0.1


def test_trust_erodes_for_some_people(bundle: dict) -> None:
    r = bundle["responses.csv"]
    trust = (r[(r["item_id"] == "pulse_trust") & (r["participant_id"] != "")]
             .pivot(index="participant_id", columns="timepoint_id", values="value").astype(float).dropna())
    drop = trust["P3_pulse"] - trust["P6_followup_pulse"]
    assert 0.2 < (drop >= 2).mean() < 0.6
    assert trust["P6_followup_pulse"].mean() < trust["P3_pulse"].mean()


@pytest.mark.parametrize(("instrument", "subscale"), [
    ("participant-burden", "overall_burden"), ("trust-in-team", "trust"),
    ("engagement-quality", "engagement_quality"), ("participant-experience", "experience_top_box")])
def test_internal_consistency_is_plausible(bundle: dict, instrument: str, subscale: str) -> None:
    assert 0.7 <= cronbach_alpha(bundle["responses.csv"], instrument, subscale) <= 0.92


def test_reverse_keyed_items_are_answered_the_other_way(bundle: dict) -> None:
    r = bundle["responses.csv"]
    wide = (r[r["instrument_id"] == "trust-in-team"]
            .pivot(index="submission_id", columns="item_id", values="value").astype(float))
    wide = wide.where(wide > 0)
    assert wide["team_honest"].corr(wide["hides_things"]) < -0.25
    assert wide["team_honest"].corr(wide["my_interests_first"]) > 0.25


def test_some_forms_are_partial_or_broken_off_and_latency_varies(bundle: dict) -> None:
    r = bundle["responses.csv"]
    firsts = r.drop_duplicates("submission_id").set_index("submission_id")
    answered = r.groupby("submission_id").size()
    size = firsts["instrument_id"].map(r.groupby("instrument_id")["item_id"].nunique())
    share = answered / size
    assert 0.9 < (share >= 0.8).mean() < 0.99
    assert (share < 0.5).sum() >= 10
    people = bundle["participants.csv"].set_index("participant_id")
    named = firsts[firsts["participant_id"] != ""]
    days = (pd.to_datetime(named["submitted_at"].str[:10])
            - pd.to_datetime(people.loc[named["participant_id"], "enrolled_on"]).to_numpy()).dt.days
    due = named["timepoint_id"].map(bundle["schedule.csv"].set_index("timepoint_id")["due_day"].astype(int))
    latency = days - due
    assert latency.nunique() >= 10
    assert latency.median() < latency.max() / 2  # most answer early in the window, a tail answers late
