"""Invitation links and the feedback form service: one submission per link, whatever happens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engagement import themes
from engagement.bundle.importer import import_bundle
from engagement.errors import EngagementError
from engagement.feedback import open_invitation, open_public, submit
from engagement.invitations import enable_public_link, issue_links, revoke, schedule_status
from engagement.models import (
    Answer,
    AuditEvent,
    Comment,
    Invitation,
    Participant,
    ParticipantContact,
    Score,
    Submission,
    User,
)
from tests.bundle_factory import STUDY, write_bundle

TODAY = dt.date(2025, 2, 6)
NOW = dt.datetime(2025, 2, 6, 12, tzinfo=dt.UTC)
GOOD = {"pulse_hard": 2.0, "pulse_trust": 9.0, "pulse_stay": 10.0}


@pytest.fixture
def study(session, system, tmp_path):
    import_bundle(session, system, write_bundle(tmp_path / "b"))
    return STUDY


def _token(link: str) -> str:
    return link.split("?t=", 1)[1]


def test_schedule_status_and_links(session, system, study):
    status = schedule_status(session, system, study, TODAY)
    states = {(r.participant_id, r.timepoint_id): r.state for r in status.itertuples()}
    # TP2 was answered by a patient only, so it is a patients' timepoint: the caregiver P002 is not due
    assert states == {("P001", "TP1"): "done", ("P001", "TP2"): "upcoming",
                      ("P002", "TP1"): "done",
                      ("P003", "TP1"): "due", ("P003", "TP2"): "upcoming"}
    links = issue_links(session, system, study, "https://x.example", TODAY)
    assert [(lk.participant_id, lk.timepoint_id) for lk in links] == [("P003", "TP1")]
    token = _token(links[0].link)
    stored = session.scalar(select(Invitation.token_hash))
    assert token not in stored  # only the hash is kept
    assert len(stored) == 64


def test_one_submission_per_link(session, system, study):
    token = _token(issue_links(session, system, study, "https://x", TODAY)[0].link)
    ctx = open_invitation(session, token, now=NOW)
    assert (ctx.participant_code, ctx.timepoint_code) == ("P003", "TP1")
    first = submit(session, ctx, GOOD, {"pulse_comment": "Ask Dr Who at bob@example.org"},
                   may_quote=True, nonce="n1")
    again = submit(session, ctx, GOOD, {}, may_quote=False, nonce="n2")  # double click, other tab
    assert first.created
    assert not again.created
    assert again.submission_id == first.submission_id
    assert session.scalar(select(func.count()).select_from(Submission)
                          .where(Submission.external_id == "form:P003:TP1")) == 1
    assert session.scalar(select(func.count()).select_from(Answer)
                          .where(Answer.submission_id == first.submission_id)) == 3
    comment = session.scalar(select(Comment).where(Comment.submission_id == first.submission_id))
    assert comment.may_quote is True
    assert "bob@example.org" not in comment.text_scrubbed
    assert comment.sentiment is not None
    assert comment.sentiment == pytest.approx(themes.compound(comment.text_scrubbed))  # stored when written
    assert comment.theme == themes.OTHER  # labelled when written; one comment is too few to learn from
    scores = dict(session.execute(select(Score.subscale_id, Score.value)
                                  .where(Score.submission_id == first.submission_id)).all())
    assert scores["pulse_burden"] == pytest.approx(20.0)
    assert scores["pulse_trust"] == pytest.approx(90.0)
    with pytest.raises(EngagementError) as exc:
        open_invitation(session, token, now=NOW)
    assert exc.value.code == "G453"
    assert session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "submit")).startswith(
        "respondent:invitation:")


@pytest.mark.parametrize(("case", "code"), [("unknown", "G450"), ("expired", "G451"), ("revoked", "G452")])
def test_bad_links(session, system, study, case, code):
    token = _token(issue_links(session, system, study, "https://x", TODAY)[0].link)
    now = NOW
    if case == "unknown":
        token = token[:-2] + "xx"
    elif case == "expired":
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    else:
        assert revoke(session, system, study, "P003", "TP1") == 1
    with pytest.raises(EngagementError) as exc:
        open_invitation(session, token, now=now)
    assert exc.value.code == code


def test_required_and_allowed_answers(session, system, study):
    token = _token(issue_links(session, system, study, "https://x", TODAY)[0].link)
    ctx = open_invitation(session, token, now=NOW)
    with pytest.raises(EngagementError) as exc:
        submit(session, ctx, {"pulse_hard": 11.0, "pulse_stay": 3.0}, {}, may_quote=False, nonce="n")
    assert sorted(exc.value.codes) == ["G454", "G455"]
    assert {p.item for p in exc.value.problems} == {"pulse_hard", "pulse_trust"}
    assert session.scalar(select(func.count()).select_from(Submission)
                          .where(Submission.channel == "form")) == 0


def test_public_link_is_anonymous_and_idempotent_per_form(session, system, study):
    with pytest.raises(EngagementError) as exc:
        open_public(session, "nope")
    assert exc.value.code == "G456"
    link = enable_public_link(session, system, study, "https://x")
    ctx = open_public(session, link.split("?p=", 1)[1], language="fr")
    assert ctx.instrument.title == "Point rapide"
    a = submit(session, ctx, GOOD, {}, may_quote=False, nonce="form-1")
    b = submit(session, ctx, GOOD, {}, may_quote=False, nonce="form-1")
    c = submit(session, ctx, GOOD, {}, may_quote=False, nonce="form-2")
    assert a.submission_id == b.submission_id != c.submission_id
    sub = session.get(Submission, a.submission_id)
    assert sub.participant_id is None
    assert sub.raw_payload["language"] == "fr"


def test_form_comments_are_scrubbed_with_the_study_roster(session, system, study):
    """A form comment naming staff, another participant's recorded name and e-mail, or another participant's
    code is scrubbed like an imported one: the deny-list is the study's whole roster."""
    session.add(User(username="nurse1", display_name="Marguerite Okonkwo"))
    p001 = session.scalar(select(Participant.id).where(Participant.code == "P001"))
    session.add(ParticipantContact(participant_id=p001, full_name="Tobias Lindqvist", email="tl@mail.example"))
    session.flush()
    token = _token(issue_links(session, system, study, "https://x", TODAY)[0].link)
    ctx = open_invitation(session, token, now=NOW)
    text = ("marguerite okonkwo was kind. Tobias Lindqvist (tl@mail.example, P001) told me about the "
            "parking.")
    result = submit(session, ctx, GOOD, {"pulse_comment": text}, may_quote=True, nonce="n1")
    comment = session.scalar(select(Comment).where(Comment.submission_id == result.submission_id))
    assert comment.text_raw == text
    for secret in ("marguerite", "Okonkwo", "Tobias", "Lindqvist", "tl@mail.example", "P001"):
        assert secret.lower() not in comment.text_scrubbed.lower()
    assert comment.text_scrubbed.endswith("told me about the parking.")
