"""What `python -m engagement risk ...` prints (the lead wires these into engagement/cli_more.py)."""

from __future__ import annotations

import pytest

from engagement.errors import EngagementError
from engagement.models import Study
from engagement.risk.cli import pick_study, score_command, train_command
from engagement.risk.frames import to_date

from .conftest import T_TINY, store_frames, tiny_frames


def test_train_and_score_commands(session, system, tmp_path):
    store_frames(session, tiny_frames(), "TINY")
    as_of = to_date(T_TINY)
    assert pick_study(session, None) == "TINY"
    out = train_command(session, system, None, as_of).splitlines()
    assert out[0].endswith("as of 1972-12-07: rules")
    assert out[1] == "training window 1972-10-11 to 1972-10-25: 6 participants, 2 disengagement events"
    assert out[2].startswith("note: only 2 disengagement events")
    text = score_command(session, system, "TINY", as_of, tmp_path / "flags.csv").splitlines()
    assert text[0].startswith("scored 5 active participants as of 1972-12-07 with model ")
    assert text[0].endswith("(rules, trained as of 1972-12-07)")
    assert text[2] == "high 1, elevated 1, low 3"
    assert (tmp_path / "flags.csv").read_text(encoding="utf-8").startswith("participant_id,site_id,risk")


def test_study_must_be_named_when_there_are_several(session):
    session.add_all([Study(id="A1", title="a"), Study(id="B2", title="b")])
    session.flush()
    for study_id, code in ((None, "E003"), ("C3", "E002")):
        with pytest.raises(EngagementError) as exc:
            pick_study(session, study_id)
        assert exc.value.code == code
