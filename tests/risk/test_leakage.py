"""Planting future information must not change anything computed as of an earlier date."""

from __future__ import annotations

import pandas as pd

from engagement.risk.definition import active_at
from engagement.risk.features import features_as_of
from engagement.risk.flags import score_frames
from engagement.risk.frames import RiskFrames
from engagement.risk.model import fit, training_set
from engagement.risk.simulate import simulate

HORIZON = 42


def _pipeline(frames: RiskFrames, t: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    first = int(frames.participants["enrolled"].min())
    fitted = fit(training_set(frames, first + 14, t - HORIZON, HORIZON))
    card = {k: v for k, v in fitted.card.items() if k != "trained_at"}
    return features_as_of(frames, t), score_frames(frames, fitted.scorer, t), card


def _plant_future(frames: RiskFrames, t: int) -> tuple[RiskFrames, int]:
    """A later withdrawal, a later submission with alarming scores and a negative comment."""
    active = active_at(frames, t)
    victim = int(active[active].index[0])
    sub = int(frames.submissions["sub_id"].max()) + 1
    people = frames.participants.copy()
    people.loc[people["pid"] == victim, "status"] = "withdrawn"
    people.loc[people["pid"] == victim, "status_day"] = t + 10
    f = RiskFrames(
        frames.study_id,
        people,
        _append(frames.status, {"pid": [victim], "status": ["withdrawn"], "day": [t + 10]}),
        frames.schedule,
        _append(frames.submissions, {"sub_id": [sub], "pid": [victim], "tp_id": [1.0], "day": [t + 1]}),
        _append(
            frames.scores,
            {"sub_id": [sub] * 3, "indicator": ["burden", "trust", "engagement"], "value": [100.0, 0.0, 0.0]},
        ),
        _append(frames.comments, {"sub_id": [sub], "sentiment": [-0.9]}),
    )
    return f, victim


def _append(frame: pd.DataFrame, rows: dict) -> pd.DataFrame:
    extra = pd.DataFrame(rows).astype(frame.dtypes.to_dict())
    return pd.concat([frame, extra], ignore_index=True)


def test_future_information_does_not_change_predictions_as_of_t():
    frames = simulate(600, seed=3)
    t = frames.last_day() - 200
    features, flags, card = _pipeline(frames, t)
    assert card["kind"] != "rules"  # a fitted model, so the test covers training too
    planted, victim = _plant_future(frames, t)
    features2, flags2, card2 = _pipeline(planted, t)
    pd.testing.assert_frame_equal(features, features2)
    pd.testing.assert_frame_equal(flags, flags2)
    assert card == card2
    # The planted rows are real: read a few days later, they do change the victim's features.
    later, later2 = features_as_of(frames, t + 5), features_as_of(planted, t + 5)
    assert later2.loc[victim, "burden_latest"] == 100.0
    assert later.loc[victim, "burden_latest"] != 100.0
    assert victim not in features_as_of(planted, t + 10).index
