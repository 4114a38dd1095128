"""load_frames reads back exactly what was stored."""

from __future__ import annotations

import pandas as pd

from engagement.risk.definition import disengagement_events
from engagement.risk.features import features_as_of
from engagement.risk.frames import load_frames


def test_load_frames_round_trip(session, sim_study, sim_frames):
    loaded = load_frames(session, sim_study)
    assert len(loaded.participants) == len(sim_frames.participants) == 400
    assert len(loaded.submissions) == len(sim_frames.submissions)
    assert loaded.last_day() == sim_frames.last_day()
    # Same maths either way: features keyed by participant code agree to the last digit.
    t = sim_frames.last_day() - 120
    a = features_as_of(sim_frames, t).rename(index=sim_frames.participants.set_index("pid")["code"])
    b = features_as_of(loaded, t).rename(index=loaded.participants.set_index("pid")["code"])
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index(), check_names=False)
    ea = disengagement_events(sim_frames)["event_day"].rename(
        index=sim_frames.participants.set_index("pid")["code"]
    )
    eb = disengagement_events(loaded)["event_day"].rename(index=loaded.participants.set_index("pid")["code"])
    pd.testing.assert_series_equal(ea.sort_index(), eb.sort_index(), check_names=False)
