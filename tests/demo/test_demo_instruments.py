"""The generator reads whatever instruments surveys/ holds, in DESIGN.md's format, with plain PyYAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from engagement.demo import _item_roles, generate, load_instruments
from engagement.errors import EngagementError
from tests.demo.demo_analysis import SURVEYS, read

PULSE_WITH_RANGE = """
id: pulse-check
version: 2.0.0
title: Tiny pulse
audience: [patient, caregiver]
scales:
  even: {range: {min: 0, max: 10, step: 2}}
  yn:
    choices: [{value: 0, label: No}, {value: 1, label: Yes}]
    missing: [-98]
items:
  - {id: hard, text: "Hard?", scale: even}
  - {id: doubt, text: "Do you doubt the team?", scale: yn}
  - {id: note, text: "Anything else?", type: text}
subscales:
  - {id: distrust, indicator: trust, items: [doubt], higher_is: worse}
  - {id: hard_now, indicator: burden, items: [hard], higher_is: worse}
"""


@pytest.fixture
def surveys(tmp_path: Path) -> Path:
    folder = tmp_path / "surveys"
    shutil.copytree(SURVEYS, folder)
    return folder


def test_scales_given_as_ranges_and_bare_missing_codes(surveys: Path, tmp_path: Path) -> None:
    (surveys / "pulse-check.yaml").write_text(PULSE_WITH_RANGE, encoding="utf-8")
    generate(tmp_path / "out", participants=200, advocates=5, surveys_dir=surveys)
    r = read(tmp_path / "out")["responses.csv"]
    pulse = r[r["instrument_id"] == "pulse-check"]
    assert set(pulse["instrument_version"]) == {"2.0.0"}
    assert set(pulse.loc[pulse["item_id"] == "hard", "value"]) <= {"0", "2", "4", "6", "8", "10"}
    assert set(pulse.loc[pulse["item_id"] == "doubt", "value"]) <= {"0", "1", "-98"}
    assert len(set(pulse.loc[pulse["item_id"] == "hard", "value"])) >= 4


def test_item_direction_follows_indicator_direction_and_reverse() -> None:
    roles = _item_roles(yaml.safe_load(PULSE_WITH_RANGE)["subscales"] + [
        {"id": "trust", "indicator": "trust", "items": ["honest", "hides"], "reverse": ["hides"],
         "higher_is": "better"},
        {"id": "calm", "indicator": "burden", "items": ["calm", "worry"], "reverse": ["calm"],
         "higher_is": "worse"}])
    assert roles["doubt"] == ("trust", "distrust", -1)   # more trust, less doubt
    assert roles["hard"] == ("burden", "hard_now", 1)
    assert roles["honest"][2] == 1
    assert roles["hides"][2] == -1
    assert roles["worry"][2] == 1
    assert roles["calm"][2] == -1


def test_missing_instrument_is_named(surveys: Path, tmp_path: Path) -> None:
    (surveys / "trust-in-team.yaml").unlink()
    with pytest.raises(EngagementError) as err:
        generate(tmp_path / "out", surveys_dir=surveys)
    assert err.value.code == "D800"
    assert err.value.problems[0].file.endswith("trust-in-team.yaml")


@pytest.mark.parametrize("text", ["id: pulse-check\nitems: [\n", "id: pulse-check\nversion: 1\nitems: []\n",
                                  "id: pulse-check\nversion: 1\nitems:\n  - {id: a, scale: nope}\n"])
def test_unreadable_instrument_is_named(surveys: Path, text: str) -> None:
    (surveys / "pulse-check.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(EngagementError) as err:
        load_instruments(["pulse-check"], surveys)
    assert err.value.code == "D801"
    assert err.value.problems[0].file.endswith("pulse-check.yaml")
