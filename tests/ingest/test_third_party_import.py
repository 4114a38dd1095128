"""A real REDCap export through a saved mapping into the study: participants mapped, idempotent, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engagement.bundle.importer import import_bundle
from engagement.errors import EngagementError
from engagement.ingest.third_party import import_third_party, save_mapping, saved_mappings
from engagement.instruments.registry import register
from engagement.models import Answer, AuditEvent, Comment, ImportMapping, Participant, Study, Submission
from engagement.readers import load_mapping
from engagement.readers.fixture_cases import cases
from tests.bundle_factory import STUDY, base_rows, write_bundle


@pytest.fixture
def checkboxes(shared_fixtures):
    return next(c for c in cases(shared_fixtures) if c.name == "redcapr-checkboxes-1/data.csv")


@pytest.fixture
def study(session, system, tmp_path):
    rows = base_rows()
    rows["participants.csv"].append({**rows["participants.csv"][0], "participant_id": "P004"})
    import_bundle(session, system, write_bundle(tmp_path / "b", rows))
    return STUDY


def _mapping(case):
    return case.mapping.model_copy(update={"participant_prefix": "P00", "anonymous": False, "events": {},
                                           "timepoint": "TP1"})


def test_redcap_export_lands_once_and_mapping_is_reused(session, system, study, checkboxes):
    register(session, system, checkboxes.instrument)
    mapping = _mapping(checkboxes)
    save_mapping(session, system, study, "redcap", "default", mapping)
    reused = load_mapping(saved_mappings(session, system, study, "redcap")["default"])
    assert reused == mapping
    first = import_third_party(session, system, checkboxes.path, fmt="redcap", mapping=reused, study_id=study)
    subs = session.scalars(select(Submission).where(Submission.channel == "import:redcap")).all()
    assert first.counts["submission"]["added"] == len(subs) == 3
    owners = {session.get(Participant, s.participant_id).code for s in subs}
    assert owners == {"P001", "P002", "P003"}
    answers = session.scalar(select(func.count()).select_from(Answer).join(Submission)
                             .where(Submission.channel == "import:redcap"))
    assert answers == first.counts["answer"]["added"]
    events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    again = import_third_party(session, system, checkboxes.path, fmt="redcap", mapping=reused, study_id=study)
    assert again.counts["submission"] == {"added": 0, "changed": 0, "unchanged": 3}
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert session.scalar(select(func.count()).select_from(ImportMapping)) == 1


def test_unknown_record_is_refused_whole(session, system, study, checkboxes):
    register(session, system, checkboxes.instrument)
    mapping = _mapping(checkboxes).model_copy(update={"participant_prefix": "X"})
    with pytest.raises(EngagementError) as exc:
        import_third_party(session, system, checkboxes.path, fmt="redcap", mapping=mapping, study_id=study)
    problem = exc.value.problems[0]
    assert problem.code == "B113"
    assert (problem.file, problem.column) == ("data.csv", "participant_id")
    assert problem.row == 2
    assert session.scalar(select(func.count()).select_from(Submission)
                          .where(Submission.channel == "import:redcap")) == 0


def test_submissions_holding_only_free_text_land_with_blank_answers(session, system, shared_fixtures):
    """REDCap rows where only a text field was filled: the submission, its comment and a blank answer per
    mapped item land (stored as not answered, so a scored instrument's scores come out empty with a reason, never
    0), and a second import adds nothing."""
    case = next(c for c in cases(shared_fixtures) if c.name == "redcapr-vignette-repeating/data.csv")
    session.add(Study(id="FIXTURES", title="Real third-party files"))
    session.flush()
    register(session, system, case.instrument)
    mapping = case.mapping.model_copy(update={"anonymous": True, "events": {}, "timepoint": None})
    first = import_third_party(session, system, case.path, fmt=case.fmt, mapping=mapping, study_id="FIXTURES")
    assert (first.counts["submission"]["added"], first.counts["answer"]["added"],
            first.counts["comment"]["added"]) == (12, 38, 8)
    answered = (select(Answer.submission_id).where(Answer.value_num.is_not(None))
                .group_by(Answer.submission_id))
    text_only = session.scalars(select(Submission.id).where(Submission.study_id == "FIXTURES",
                                                            Submission.id.not_in(answered))).all()
    assert len(text_only) == 4
    assert session.scalar(select(func.count()).select_from(Comment)
                          .where(Comment.submission_id.in_(text_only))) == 8  # two text fields each
    assert session.scalar(select(func.count()).select_from(Answer)
                          .where(Answer.submission_id.in_(text_only))) == 20
    again = import_third_party(session, system, case.path, fmt=case.fmt, mapping=mapping, study_id="FIXTURES")
    assert again.counts["submission"] == {"added": 0, "changed": 0, "unchanged": 12}
