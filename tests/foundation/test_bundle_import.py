"""Native bundle import: whole or nothing, coded errors, idempotent re-import, audited edits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engagement.bundle.importer import import_bundle
from engagement.errors import EngagementError
from engagement.models import (
    Answer,
    AuditEvent,
    Base,
    Comment,
    Participant,
    ParticipantStatusHistory,
    Score,
    Submission,
)
from tests.bundle_factory import base_rows, write_bundle

DATA_TABLES = [t for t in Base.metadata.sorted_tables
               if t.name not in {"roles", "instruments", "instrument_versions"}]


def table_counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in DATA_TABLES}


def test_import_writes_everything_and_scores(session, system, tmp_path):
    result = import_bundle(session, system, write_bundle(tmp_path / "b"))
    assert result.counts["participant"] == {"added": 3, "changed": 0, "unchanged": 0}
    assert result.counts["submission"] == {"added": 3, "changed": 0, "unchanged": 0}
    assert session.scalar(select(func.count()).select_from(Answer)) == 9
    assert session.scalar(select(func.count()).select_from(Comment)) == 2
    missing = session.scalar(select(Answer.value_num).where(Answer.item_id == "pulse_trust")
                             .join(Submission).where(Submission.external_id == "S3"))
    assert missing is None
    # withdrawn participant: enrolment + withdrawal in the status history
    p2 = session.scalar(select(Participant).where(Participant.code == "P002"))
    history = session.execute(select(ParticipantStatusHistory.status, ParticipantStatusHistory.effective_on)
                              .where(ParticipantStatusHistory.participant_id == p2.id)
                              .order_by(ParticipantStatusHistory.effective_on)).all()
    assert [(s, d.isoformat()) for s, d in history] == [("active", "2025-01-20"), ("withdrawn", "2025-03-10")]
    # submitted_at with +01:00 is stored as UTC
    s3 = session.scalar(select(Submission).where(Submission.external_id == "S3"))
    assert s3.submitted_at.isoformat() == "2025-03-01T08:00:00+00:00"
    assert session.scalar(select(func.count()).select_from(Score)) > 0
    # the phone number never reaches the scrubbed text
    scrubbed = session.scalar(select(Comment.text_scrubbed).join(Submission)
                              .where(Submission.external_id == "S1"))
    assert "07700" not in scrubbed
    assert "[REDACTED:phone]" in scrubbed


def test_reimport_changes_nothing(session, system, tmp_path):
    bundle = write_bundle(tmp_path / "b")
    import_bundle(session, system, bundle)
    before = table_counts(session)
    again = import_bundle(session, system, bundle)
    assert table_counts(session) == before
    assert not again.changed
    assert again.counts["submission"] == {"added": 0, "changed": 0, "unchanged": 3}


def test_changed_value_is_an_audited_edit(session, system, tmp_path):
    import_bundle(session, system, write_bundle(tmp_path / "a"))
    rows = base_rows()
    for r in rows["responses.csv"]:
        if r["submission_id"] == "S1" and r["item_id"] == "pulse_hard":
            r["value"] = "9"
    rows["participants.csv"][0]["status"] = "completed"
    rows["participants.csv"][0]["status_date"] = "2025-05-01"
    result = import_bundle(session, system, write_bundle(tmp_path / "b", rows))
    assert result.counts["answer"] == {"added": 0, "changed": 1}
    assert result.counts["participant"] == {"added": 0, "changed": 1, "unchanged": 2}
    edit = session.scalar(select(AuditEvent).where(AuditEvent.entity == "answer"))
    assert (edit.action, edit.entity_id, edit.old_value, edit.new_value) == (
        "edit", "S1/pulse_hard", {"value": 3.0}, {"value": 9.0})
    status = session.scalar(select(AuditEvent).where(AuditEvent.entity == "participant",
                                                     AuditEvent.action == "update"))
    assert status.old_value == {"status": "active", "status_date": "2025-01-15"}
    assert status.new_value == {"status": "completed", "status_date": "2025-05-01"}


def _broken(tmp_path, mutate) -> tuple[str, object]:
    folder = write_bundle(tmp_path / "b")
    mutate(folder)
    return folder


def _drop_column(folder):
    text = (folder / "participants.csv").read_text().splitlines()
    rows = [",".join(line.split(",")[:-1]) for line in text]
    (folder / "participants.csv").write_text("\n".join(rows) + "\n")


def _unknown_participant(folder):
    p = folder / "responses.csv"
    p.write_text(p.read_text().replace(",P002,", ",P999,"))


def _bad_date(folder):
    p = folder / "participants.csv"
    p.write_text(p.read_text().replace("2025-01-15,active", "15/01/2025,active"))


def _duplicate_submission(folder):
    p = folder / "responses.csv"
    lines = p.read_text().splitlines()
    p.write_text("\n".join([*lines, lines[1]]) + "\n")


def _not_utf8(folder):
    p = folder / "sites.csv"
    p.write_bytes(p.read_bytes().replace("Hôpital".encode(), "Hôpital".encode("latin-1")))


def _empty(folder):
    (folder / "schedule.csv").write_bytes(b"")


@pytest.mark.parametrize(("mutate", "code", "where"), [
    (_drop_column, "B103", ("participants.csv", 1, "status_date")),
    (_unknown_participant, "B113", ("responses.csv", 5, "participant_id")),
    (_bad_date, "B106", ("participants.csv", 2, "enrolled_on")),
    (_duplicate_submission, "B110", ("responses.csv", 11, "item_id")),
    (_not_utf8, "B102", ("sites.csv", 2, None)),
    (_empty, "B101", ("schedule.csv", None, None)),
])
def test_malformed_bundle_gives_coded_error_and_writes_nothing(session, system, tmp_path, mutate, code,
                                                               where):
    before = table_counts(session)
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, _broken(tmp_path, mutate))
    problem = next(p for p in exc.value.problems if p.code == code)
    assert (problem.file, problem.row, problem.column) == where
    assert table_counts(session) == before


def test_inconsistent_submission_rows(session, system, tmp_path):
    rows = base_rows()
    rows["responses.csv"][1]["timepoint_id"] = "TP2"
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, write_bundle(tmp_path / "b", rows))
    assert exc.value.codes == ["B118"]
    assert exc.value.problems[0].row == 3


def test_value_outside_scale_and_unknown_item(session, system, tmp_path):
    rows = base_rows()
    rows["responses.csv"][0]["value"] = "11"
    rows["responses.csv"][1]["item_id"] = "no_such_item"
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, system, write_bundle(tmp_path / "b", rows))
    assert sorted(exc.value.codes) == ["B109", "B117"]


def test_dry_run_counts_without_writing(session, system, tmp_path):
    before = table_counts(session)
    result = import_bundle(session, system, write_bundle(tmp_path / "b"), dry_run=True)
    assert result.counts["participant"]["added"] == 3
    assert result.counts["submission"]["added"] == 3
    assert table_counts(session) == before


def test_sponsor_may_not_import(session, system, tmp_path):
    from engagement.accounts import MembershipSpec, add_user, viewer_for

    import_bundle(session, system, write_bundle(tmp_path / "a"))
    user = add_user(session, system, "spons", "long-enough-password", [MembershipSpec("T-01", "sponsor")])
    with pytest.raises(EngagementError) as exc:
        import_bundle(session, viewer_for(session, user), write_bundle(tmp_path / "b"))
    assert exc.value.code == "E001"
