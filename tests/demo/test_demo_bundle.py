"""The demo bundle: same seed same bytes, the shape the contract promises, values each scale allows."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from engagement.demo import generate, main_out, write_zip
from engagement.errors import EngagementError
from tests.demo.demo_analysis import FILES, allowed_values, instruments, read

STAGES = ["protocol_design", "start_up", "recruitment", "active_treatment", "follow_up", "close_out",
          "results_dissemination"]
LAST_DAY = "2026-11-21"


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=7)
    return out


@pytest.fixture(scope="module")
def bundle(bundle_dir: Path) -> dict:
    return read(bundle_dir)


def test_same_seed_gives_the_same_bytes(bundle_dir: Path, tmp_path: Path) -> None:
    counts = generate(tmp_path, seed=7)
    assert digests(tmp_path) == digests(bundle_dir)
    assert counts == {name: len(read(tmp_path)[name]) for name in FILES}


def test_another_seed_gives_other_answers(bundle_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=8)
    a, b = digests(tmp_path), digests(bundle_dir)
    assert a["studies.csv"] == b["studies.csv"]  # the study itself is fixed
    assert a["participants.csv"] != b["participants.csv"]
    assert a["responses.csv"] != b["responses.csv"]


def test_files_are_utf8_with_header_and_lf(bundle_dir: Path) -> None:
    for name in FILES:
        data = (bundle_dir / name).read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data, name
        assert data.endswith(b"\n")
    assert (bundle_dir / "comments.csv").read_text(encoding="utf-8").startswith(
        "submission_id,item_id,text,may_quote\n")


def test_study_stages_and_sites(bundle: dict) -> None:
    study = bundle["studies.csv"]
    assert study["study_id"].tolist() == ["DEMO-ONC-01"]
    assert study["current_stage"].tolist() == ["follow_up"]
    assert "NCT06543210" in study["registry_id"].iloc[0]
    stages = bundle["stages.csv"]
    assert stages["stage"].tolist() == STAGES
    assert stages["order"].tolist() == [str(i) for i in range(1, 8)]
    assert (stages["planned_start"] != "").all()
    assert (stages["planned_end"] != "").all()
    started = stages[stages["actual_start"] != ""]["stage"].tolist()
    assert started == STAGES[:5]  # everything up to the current stage has begun, nothing after it
    assert (stages["planned_start"] <= stages["planned_end"]).all()
    ended = stages[stages["actual_end"] != ""]
    assert (ended["actual_start"] <= ended["actual_end"]).all()
    sites = bundle["sites.csv"]
    assert len(sites) == 6
    assert sites["country"].nunique() >= 3
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in sites["country"])


def test_people_counts_and_roles(bundle: dict) -> None:
    people = bundle["participants.csv"]
    roles = people["role"].value_counts().to_dict()
    assert roles["patient"] + roles["caregiver"] == 600
    assert roles["advocate"] == 40
    assert 0.15 < roles["caregiver"] / 600 < 0.4
    assert set(people["status"]) == {"active", "withdrawn", "lost_to_follow_up", "completed"}
    assert people["participant_id"].is_unique
    assert people["participant_id"].tolist() == sorted(people["participant_id"])
    assert (people["status_date"] >= people["enrolled_on"]).all()
    patients = people[people["role"] != "advocate"]
    left = patients["status"].isin(["withdrawn", "lost_to_follow_up"]).mean()
    assert 0.1 < left < 0.4
    assert set(people["site_id"]) == set(bundle["sites.csv"]["site_id"])


def test_schedule_covers_stages_with_builtin_instruments(bundle: dict) -> None:
    schedule = bundle["schedule.csv"]
    assert 6 <= len(schedule) <= 8
    assert set(schedule["instrument_id"]) == {"participant-burden", "trust-in-team", "participant-experience",
                                              "pulse-check", "engagement-quality"}
    assert len(set(schedule["stage"])) >= 4
    assert set(schedule["stage"]) <= set(STAGES)


def test_no_date_after_the_demo_today(bundle: dict) -> None:
    dates = [*bundle["participants.csv"]["enrolled_on"], *bundle["participants.csv"]["status_date"]]
    for col in ("planned_start", "planned_end", "actual_start", "actual_end"):
        dates += [d for d in bundle["stages.csv"][col] if d]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)
    assert max(dates) <= LAST_DAY
    assert min(dates) >= "2024-01-01"
    stamps = bundle["responses.csv"]["submitted_at"].unique()
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", s) for s in stamps)
    assert max(stamps)[:10] <= LAST_DAY


def test_every_value_is_allowed_by_its_scale(bundle: dict) -> None:
    responses = bundle["responses.csv"]
    for iid, inst in instruments().items():
        allowed = allowed_values(inst)
        rows = responses[responses["instrument_id"] == iid]
        assert set(rows["instrument_version"]) <= {str(inst["version"])}
        assert set(rows["item_id"]) <= set(allowed), iid  # text items never appear in responses.csv
        for item, values in rows.groupby("item_id")["value"]:
            assert {float(v) for v in values} <= allowed[item], (iid, item)
    assert (responses["value"] == "-99").sum() > 0  # missing codes do occur


def test_submissions_are_consistent_and_sorted(bundle: dict) -> None:
    r = bundle["responses.csv"]
    assert not r.duplicated(["submission_id", "item_id"]).any()
    keys = list(zip(r["submission_id"], r["item_id"], strict=True))
    assert keys == sorted(keys)
    per_sub = r.groupby("submission_id")[["participant_id", "timepoint_id", "instrument_id",
                                          "submitted_at"]].nunique()
    assert (per_sub == 1).all().all()
    anonymous = r[r["participant_id"] == ""]["submission_id"].nunique()
    assert anonymous == 24
    assert set(r["participant_id"]) - {""} <= set(bundle["participants.csv"]["participant_id"])


def test_submissions_fall_in_their_window_and_before_leaving(bundle: dict) -> None:
    r = bundle["responses.csv"].drop_duplicates("submission_id")
    r = r[r["participant_id"] != ""]
    x = (r.merge(bundle["participants.csv"], on=["study_id", "participant_id"])
         .merge(bundle["schedule.csv"], on=["study_id", "timepoint_id", "instrument_id"]))
    day = (pd.to_datetime(x["submitted_at"].str[:10]) - pd.to_datetime(x["enrolled_on"])).dt.days
    assert (day >= x["due_day"].astype(int)).all()
    assert (day <= x["due_day"].astype(int) + x["window_days"].astype(int)).all()
    gone = x[x["status"].isin(["withdrawn", "lost_to_follow_up"])]
    assert (gone["submitted_at"].str[:10] <= gone["status_date"]).all()
    roles = x.groupby("instrument_id")["role"].agg(set).to_dict()
    assert roles["engagement-quality"] == {"advocate"}
    assert "advocate" not in roles["participant-burden"]


def test_comments_mixed_quotable_and_with_planted_identifiers(bundle: dict) -> None:
    c = bundle["comments.csv"]
    r = bundle["responses.csv"]
    n_subs = r["submission_id"].nunique()
    assert 0.15 < len(c) / n_subs < 0.35
    assert set(c["may_quote"]) == {"true", "false"}
    assert 0.3 < (c["may_quote"] == "true").mean() < 0.5
    assert set(c["submission_id"]) <= set(r["submission_id"])
    texts = {iid: {it["id"] for it in inst["items"] if it.get("type") == "text"}
             for iid, inst in instruments().items()}
    inst_of = r.drop_duplicates("submission_id").set_index("submission_id")["instrument_id"]
    pairs = zip(c["submission_id"], c["item_id"], strict=True)
    assert all(item in texts[inst_of[sid]] for sid, item in pairs)
    joined = " ".join(c["text"])
    assert re.search(r"[\w.]+@example\.(com|fr|es)", joined)
    assert re.search(r"07700 900\d{3}|06 12 34 56 78|612 345 678", joined)
    assert re.search(r"\b(Les|Le|Tout|Impossible|Ce|J'ai|L'équipe|Je)\b", joined)
    assert re.search(r"\b(El|La|Me|Los|Nadie|Esperé|Aparcar|Sería)\b", joined)
    assert any("parking" in t.lower() for t in c["text"])


def test_zip_holds_the_same_bytes(bundle_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    write_zip(first, seed=7)
    write_zip(second, seed=7)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert sorted(z.namelist()) == sorted(FILES)
        assert all(z.read(name) == (bundle_dir / name).read_bytes() for name in FILES)


def test_main_out_reports_counts(tmp_path: Path) -> None:
    lines: list[str] = []
    main_out(tmp_path / "b", participants=30, seed=3, echo=lines.append)
    assert lines[1] == "  studies.csv: 1 rows"
    assert "participants.csv: 70 rows" in "\n".join(lines)  # 30 + 40 advocates
    assert (tmp_path / "b" / "responses.csv").is_file()


@pytest.mark.parametrize(("participants", "advocates"), [(0, 40), (600, -1), (10**7, 40)])
def test_sizes_out_of_range_are_refused(tmp_path: Path, participants: int, advocates: int) -> None:
    with pytest.raises(EngagementError) as err:
        generate(tmp_path / "x", participants=participants, advocates=advocates)
    assert err.value.code == "D802"
    assert not (tmp_path / "x").exists()


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(EngagementError) as err:
        generate(target)
    assert err.value.code == "D803"
