"""responses.csv streamed in chunks: same result as one chunk, problems found across chunks, nothing kept
on failure, and the frame-at-once entry points used by third-party readers."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from sqlalchemy import func, select

from engagement import score_summary
from engagement.bundle.importer import import_bundle
from engagement.errors import EngagementError, Report
from engagement.ingest import responses as ingest
from engagement.models import Answer, AuditEvent, Score, Submission
from tests.bundle_factory import STUDY, base_rows, write_bundle
from tests.summary_check import assert_summary_in_step

ITEMS = ("pulse_hard", "pulse_trust", "pulse_stay")
N_SUBMISSIONS = 300  # 900 answer rows: 4 chunks at chunk_rows=100 (16 KB parser blocks)
SMALL = 100


def big_rows(seed: int = 3) -> dict[str, list[dict[str, str]]]:
    """base_rows with 300 submissions whose rows are shuffled, so most submissions span chunks."""
    rows = base_rows()
    rng = random.Random(seed)
    answers = []
    for s in range(N_SUBMISSIONS):
        head = {"submission_id": f"B{s}", "study_id": STUDY, "participant_id": f"P00{1 + s % 3}",
                "timepoint_id": "TP1" if s % 2 else "TP2", "instrument_id": "pulse-check",
                "instrument_version": "1.0.0",
                "submitted_at": f"2025-04-{1 + s % 28:02d}T10:{s % 60:02d}:00Z"}
        for item in ITEMS:
            answers.append({**head, "item_id": item, "value": str(rng.choice([*range(11), ""]))})
    rng.shuffle(answers)
    rows["responses.csv"] = answers
    for comment, sid in zip(rows["comments.csv"], ("B1", "B2"), strict=True):
        comment["submission_id"] = sid
    return rows


def counts(session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Submission, Answer, Score, AuditEvent)}


def stored(session) -> set[tuple]:
    return set(session.execute(select(Submission.external_id, Answer.item_id, Answer.value_num)
                               .join(Submission, Answer.submission_id == Submission.id)).all())


def scores(session) -> dict[tuple, float | None]:
    return {(e, s): v for e, s, v in session.execute(
        select(Submission.external_id, Score.subscale_id, Score.value)
        .join(Submission, Score.submission_id == Submission.id)).all()}


def test_chunked_import_equals_whole_import(session, system, tmp_path):
    rows = big_rows()
    result = import_bundle(session, system, write_bundle(tmp_path / "a", rows), chunk_rows=SMALL)
    assert result.counts["submission"] == {"added": N_SUBMISSIONS, "changed": 0, "unchanged": 0}
    assert result.counts["answer"] == {"added": 3 * N_SUBMISSIONS, "changed": 0}
    expected_answers = {(r["submission_id"], r["item_id"], float(r["value"]) if r["value"] else None)
                        for r in rows["responses.csv"]}
    assert stored(session) == expected_answers
    # every submission scored from all its rows, although they arrived in different chunks
    got = scores(session)
    assert len(got) == 3 * N_SUBMISSIONS
    for r in rows["responses.csv"]:
        subscale = {"pulse_hard": "pulse_burden", "pulse_trust": "pulse_trust",
                    "pulse_stay": "pulse_intent_to_stay"}[r["item_id"]]
        value = got[(r["submission_id"], subscale)]
        assert (value is None) == (r["value"] == "")
        if r["value"]:
            assert value == pytest.approx(float(r["value"]) * 10)


def test_chunked_reimport_changes_nothing_and_edits_are_audited(session, system, tmp_path):
    rows = big_rows()
    import_bundle(session, system, write_bundle(tmp_path / "a", rows), chunk_rows=SMALL)
    before = counts(session)
    again = import_bundle(session, system, write_bundle(tmp_path / "b", rows), chunk_rows=SMALL)
    assert not again.changed
    assert counts(session) == before
    target = next(r for r in rows["responses.csv"]
                  if r["submission_id"] == "B7" and r["item_id"] == "pulse_stay")
    old = float(target["value"]) if target["value"] else None
    target["value"] = "10" if target["value"] != "10" else "0"
    edited = import_bundle(session, system, write_bundle(tmp_path / "c", rows), chunk_rows=SMALL)
    assert edited.counts["answer"] == {"added": 0, "changed": 1}
    assert edited.counts["submission"] == {"added": 0, "changed": 1, "unchanged": N_SUBMISSIONS - 1}
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "answer"))
    assert (event.entity_id, event.old_value, event.new_value) == (
        "B7/pulse_stay", {"value": old}, {"value": float(target["value"])})
    rescored = session.scalar(select(Score.value).join(Submission, Score.submission_id == Submission.id)
                              .where(Submission.external_id == "B7",
                                     Score.subscale_id == "pulse_intent_to_stay"))
    assert rescored == pytest.approx(float(target["value"]) * 10)
    # the re-import rescored B7; its summary follows (pulse_intent_to_stay is its one engagement subscale)
    summary = {row[0]: row for row in assert_summary_in_step(session)}
    b7 = session.scalar(select(Submission.id).where(Submission.external_id == "B7"))
    assert summary[b7][1 + score_summary.COLUMNS.index("engagement")] == pytest.approx(rescored)


def _row_of(index: int) -> int:
    return index + 2  # header is row 1


def test_duplicate_in_a_later_chunk_is_found_and_nothing_is_written(session, system, tmp_path):
    rows = big_rows()
    before = counts(session)
    rows["responses.csv"].append(dict(rows["responses.csv"][5]))  # repeats row 7, about 6 chunks later
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, write_bundle(tmp_path / "a", rows), chunk_rows=SMALL)
    assert exc.value.codes == ["B110"]
    problem = exc.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("responses.csv", _row_of(3 * N_SUBMISSIONS),
                                                           "item_id")
    assert counts(session) == before


def test_inconsistent_rows_in_different_chunks(session, system, tmp_path):
    rows = big_rows()
    before = counts(session)
    answers = rows["responses.csv"]
    positions: dict[str, list[int]] = {}
    for i, r in enumerate(answers):
        positions.setdefault(r["submission_id"], []).append(i)
    last = next(p[-1] for p in positions.values() if p[-1] - p[0] > 4 * SMALL)
    answers[last]["submitted_at"] = "2024-01-01T00:00:00Z"  # at least two chunks after its first row
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, write_bundle(tmp_path / "a", rows), chunk_rows=SMALL)
    assert exc.value.codes == ["B118"]
    assert exc.value.problems[0].row == _row_of(last)
    assert counts(session) == before


def test_problem_in_the_last_chunk_leaves_nothing(session, system, tmp_path):
    rows = big_rows()
    before = counts(session)
    rows["responses.csv"][-1]["value"] = "eleven"
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, write_bundle(tmp_path / "a", rows), chunk_rows=SMALL)
    assert [(p.code, p.row, p.column) for p in exc.value.problems] == [
        ("B108", _row_of(len(rows["responses.csv"]) - 1), "value")]
    assert counts(session) == before


def test_a_systematic_problem_is_reported_200_times_then_counted(session, system, tmp_path):
    rows = big_rows()
    for r in rows["responses.csv"]:
        r["submitted_at"] = "yesterday"
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, write_bundle(tmp_path / "a", rows), chunk_rows=SMALL)
    problems = exc.value.problems
    assert {p.code for p in problems} == {"B107"}
    assert len(problems) == 201
    assert problems[-1].detail.startswith(f"{3 * N_SUBMISSIONS - 200} more rows")


def test_dry_run_streams_without_writing(session, system, tmp_path):
    before = counts(session)
    result = import_bundle(session, system, write_bundle(tmp_path / "a", big_rows()), dry_run=True,
                           chunk_rows=SMALL)
    assert result.counts["submission"] == {"added": N_SUBMISSIONS, "changed": 0, "unchanged": 0}
    assert counts(session) == before


# ------------------------------------------------------------------- frames from third-party readers


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    responses = pd.DataFrame([
        {"submission_id": "R1", "study_id": STUDY, "participant_id": "P001", "timepoint_id": "TP1",
         "instrument_id": "pulse-check", "instrument_version": "1.0.0",
         "submitted_at": "2025-02-01T10:00:00Z",
         "item_id": item, "value": value, "_row": 4, "_file": "export.csv", "_column": f"q_{item}"}
        for item, value in zip(ITEMS, ("2", "7", ""), strict=True)])
    comments = pd.DataFrame([{"submission_id": "R1", "item_id": "pulse_comment", "text": "Mail me at a@b.org",
                              "may_quote": "false", "_row": 4}])
    return responses, comments


def test_third_party_frames_are_checked_with_their_source_columns(session, system, tmp_path):
    import_bundle(session, system, write_bundle(tmp_path / "a"))
    responses, comments = _frames()
    responses.loc[1, "value"] = "12"
    report = Report()
    ctx = ingest.context_from_db(session, {STUDY})
    ingest.check_responses(responses, comments, ctx, ingest.load_versions(session, responses), report,
                           file="export.csv")
    assert [(p.code, p.file, p.row, p.column) for p in report.errors] == [
        ("B109", "export.csv", 4, "q_pulse_trust")]


def test_third_party_frames_are_written_and_scored_once(session, system, tmp_path):
    import_bundle(session, system, write_bundle(tmp_path / "a"))
    before = counts(session)
    responses, comments = _frames()
    versions = ingest.load_versions(session, responses)
    result: dict[str, dict[str, int]] = {}
    ingest.write_and_score(session, "test", "import:redcap", responses, comments, {STUDY}, versions, result)
    assert result["submission"] == {"added": 1, "changed": 0, "unchanged": 0}
    assert result["answer"] == {"added": 3, "changed": 0}
    assert result["comment"] == {"added": 1, "changed": 0}
    after = counts(session)
    assert (after["submissions"] - before["submissions"], after["answers"] - before["answers"],
            after["scores"] - before["scores"]) == (1, 3, 3)
    again: dict[str, dict[str, int]] = {}
    ingest.write_and_score(session, "test", "import:redcap", responses, comments, {STUDY}, versions, again)
    assert again["submission"] == {"added": 0, "changed": 0, "unchanged": 1}
    assert counts(session) == after


def test_zipped_bundle_streams_from_inside_a_folder_of_the_zip(session, system, tmp_path):
    import zipfile

    folder = write_bundle(tmp_path / "b", big_rows())
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in folder.iterdir():
            zf.write(f, f"export-2025/{f.name}")
    result = import_bundle(session, system, archive, chunk_rows=SMALL)
    assert result.counts["answer"] == {"added": 3 * N_SUBMISSIONS, "changed": 0}


def test_bytes_that_are_not_utf8_deep_in_responses_are_located(session, system, tmp_path):
    folder = write_bundle(tmp_path / "b", big_rows())
    path = folder / "responses.csv"
    lines = path.read_bytes().split(b"\n")
    lines[700] = lines[700].replace(b"T-01", b"T-\xe91", 1)
    path.write_bytes(b"\n".join(lines))
    before = counts(session)
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, folder, chunk_rows=SMALL)
    assert [(p.code, p.file, p.row) for p in exc.value.problems] == [("B102", "responses.csv", 701)]
    assert counts(session) == before
