"""'You said, we did': checked, audited entries that respondents see after the form, newest first."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from engagement import you_said
from engagement.bundle.importer import import_bundle
from engagement.errors import EngagementError
from engagement.models import AuditEvent, FeedbackResponse, User
from engagement.permissions import Grant, Viewer
from tests.bundle_factory import STUDY, write_bundle

DAY = dt.date(2025, 3, 1)


@pytest.fixture
def study(session, system, tmp_path):
    import_bundle(session, system, write_bundle(tmp_path / "b"))
    return STUDY


def test_entries_are_audited_and_shown_newest_first_once_published(session, system, study):
    you_said.record(session, system, study, "  Parking was hard. ", "We added 20 spaces.", DAY)
    you_said.record(session, system, study, "Visits ran late.", "Shorter visits from April.", DAY.replace(day=2))
    you_said.record(session, system, study, "Too many forms.", "One form per visit.", DAY.replace(month=6))
    assert you_said.published(session, study, today=DAY.replace(day=20)) == [
        ("Visits ran late.", "Shorter visits from April."), ("Parking was hard.", "We added 20 spaces.")]
    assert [e.you_said for e in you_said.entries(session, system, study)] == [
        "Too many forms.", "Visits ran late.", "Parking was hard."]
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "feedback_response")).all()
    assert len(events) == 3
    assert events[0].new_value["you_said"] == "Parking was hard."


@pytest.mark.parametrize(("said", "did", "code"), [
    ("", "We added spaces.", "G460"),
    ("Parking was hard.", "   ", "G460"),
    ("x" * 301, "We added spaces.", "G461"),
    ("Parking was hard, said P001.", "We added spaces.", "G462"),            # a participant code
    ("Parking was hard.", "Call Maria Rossi on 0161 496 0000.", "G462"),     # staff name and phone
    ("Parking was hard.", "Write to parking@hospital.example.", "G462"),    # e-mail
])
def test_refused_entries_say_why_and_write_nothing(session, system, study, said, did, code):
    session.add(User(username="nurse", display_name="Maria Rossi"))
    session.flush()
    with pytest.raises(EngagementError) as exc:
        you_said.record(session, system, study, said, did, DAY)
    assert exc.value.code == code
    assert exc.value.problems[0].column in {"you_said", "we_did"}
    assert "Rossi" not in exc.value.problems[0].message()  # where, never the name itself
    assert session.scalar(select(FeedbackResponse.id)) is None


def test_only_people_who_manage_invitations_write_or_list(session, study):
    sponsor = Viewer("sponsor1", (Grant(STUDY, "sponsor"),))
    with pytest.raises(EngagementError) as exc:
        you_said.record(session, sponsor, study, "Parking was hard.", "We added spaces.", DAY)
    assert exc.value.code == "E001"
    with pytest.raises(EngagementError):
        you_said.entries(session, sponsor, study)
