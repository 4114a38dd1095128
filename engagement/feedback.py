"""The feedback form's service: open a link, check answers, store exactly one submission per link.

No account is needed: the link is the credential. Double clicks, reloads and two tabs all carry the same
idempotency key, and the database's unique constraint makes the second write a no-op that returns the
first submission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement import audit, theme_store
from engagement.errors import EngagementError, Problem, fail
from engagement.instruments import Instrument
from engagement.instruments.registry import by_id, latest
from engagement.invitations import token_hash
from engagement.models import (
    Answer,
    Comment,
    Invitation,
    Participant,
    Study,
    Submission,
    Timepoint,
)
from engagement.themes import stored_sentiment
from engagement.types import utcnow
from engagement.you_said import published

PUBLIC_INSTRUMENT = "pulse-check"


@dataclass(frozen=True)
class FormContext:
    study_id: str
    study_title: str
    instrument: Instrument
    version_row_id: int
    language: str
    participant_id: int | None = None
    participant_code: str | None = None
    timepoint_id: int | None = None
    timepoint_code: str | None = None
    invitation_id: int | None = None
    earlier_feedback: list[tuple[str, str]] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return f"respondent:invitation:{self.invitation_id}" if self.invitation_id else "respondent:public"

    def external_id(self, nonce: str) -> str:
        if self.participant_code and self.timepoint_code:
            return f"form:{self.participant_code}:{self.timepoint_code}"
        return f"form:anon:{nonce}"


def open_invitation(session: Session, token: str, language: str | None = None,
                    now: dt.datetime | None = None) -> FormContext:
    inv = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if inv is None:
        raise fail("G450", "no invitation has this token")
    if inv.used_at is not None:
        raise fail("G453", f"answered on {inv.used_at:%d %B %Y}")
    if inv.revoked_at is not None:
        raise fail("G452")
    if inv.expires_at < (now or utcnow()):
        raise fail("G451", f"the link expired on {inv.expires_at:%d %B %Y}")
    participant = session.get(Participant, inv.participant_id)
    timepoint = session.get(Timepoint, inv.timepoint_id)
    assert participant is not None  # foreign keys guarantee both
    assert timepoint is not None
    row, instrument = latest(session, timepoint.instrument_id)
    study = session.get(Study, participant.study_id)
    lang = language or inv.language
    return FormContext(study.id, study.title, instrument.localized(lang), row.id, lang, participant.id,
                       participant.code, timepoint.id, timepoint.code, inv.id, published(session, study.id))


def open_public(session: Session, token: str, language: str | None = None) -> FormContext:
    study = session.scalar(select(Study).where(Study.public_token_hash == token_hash(token)))
    if study is None:
        raise fail("G456")
    row, instrument = latest(session, PUBLIC_INSTRUMENT)
    lang = language or instrument.language
    return FormContext(study.id, study.title, instrument.localized(lang), row.id, lang,
                       earlier_feedback=published(session, study.id))


def check_answers(ctx: FormContext, answers: dict[str, float | None]) -> None:
    problems = []
    for item in ctx.instrument.scored_items():
        value = answers.get(item.id)
        if value is None:
            if item.required:
                problems.append(Problem("G454", item.text, item=item.id))
            continue
        scale = ctx.instrument.scales[item.scale] if item.scale else None
        if scale is not None and not (scale.is_valid(value) or value in scale.missing_codes):
            problems.append(Problem("G455", item.text, item=item.id, value=str(value)))
    if problems:
        raise EngagementError(problems)


@dataclass(frozen=True)
class SubmitResult:
    submission_id: int
    created: bool


def submit(session: Session, ctx: FormContext, answers: dict[str, float | None], texts: dict[str, str],
           *, may_quote: bool, nonce: str) -> SubmitResult:
    """Store the answers once. A repeat with the same link (or form nonce) returns the first submission."""
    check_answers(ctx, answers)
    key = f"{ctx.study_id}/{ctx.external_id(nonce)}"
    existing = session.scalar(select(Submission.id).where(Submission.idempotency_key == key))
    if existing is not None:
        return SubmitResult(existing, created=False)
    if ctx.invitation_id is not None:
        inv = session.get(Invitation, ctx.invitation_id)
        if inv is None or inv.revoked_at is not None:
            raise fail("G452")
    sub = Submission(study_id=ctx.study_id, external_id=ctx.external_id(nonce), participant_id=ctx.participant_id,
                     timepoint_id=ctx.timepoint_id, instrument_version_id=ctx.version_row_id,
                     submitted_at=utcnow(), channel="form", idempotency_key=key,
                     raw_payload={"answers": answers, "comment_items": sorted(t for t in texts if texts[t]),
                                  "language": ctx.language, "may_quote": may_quote})
    try:
        with session.begin_nested():
            session.add(sub)
            session.flush()
    except IntegrityError:  # a concurrent tab won the race: theirs is the one submission
        existing = session.scalar(select(Submission.id).where(Submission.idempotency_key == key))
        return SubmitResult(existing, created=False)
    _store(session, ctx, sub, answers, texts, may_quote)
    return SubmitResult(sub.id, created=True)


def _store(session: Session, ctx: FormContext, sub: Submission, answers: dict[str, float | None],
           texts: dict[str, str], may_quote: bool) -> None:
    from engagement.roster import study_roster
    from engagement.scoring import score_submissions
    from engagement.scrubbing import scrub

    for item in ctx.instrument.scored_items():
        session.add(Answer(submission_id=sub.id, item_id=item.id, value_num=answers.get(item.id)))
    said = {item_id: text.strip() for item_id, text in texts.items() if text and text.strip()}
    roster = study_roster(session, [ctx.study_id]) if said else None  # the same deny-list as imports
    comments = []
    for item_id, text in said.items():
        scrubbed = scrub(text, roster).text
        comments.append(Comment(submission_id=sub.id, item_id=item_id, text_raw=text, text_scrubbed=scrubbed,
                                may_quote=may_quote, sentiment=stored_sentiment(scrubbed)))
    session.add_all(comments)
    if ctx.invitation_id is not None:
        inv = session.get(Invitation, ctx.invitation_id)
        inv.used_at = utcnow()
    session.flush()
    score_submissions(session, [sub.id])
    theme_store.label_new(session, ctx.study_id, [c.id for c in comments])
    audit.record(session, ctx.actor, "submit", "submission", sub.external_id, None,
                 {"study": ctx.study_id, "timepoint": ctx.timepoint_code, "items": len(answers),
                  "comments": len(said), "may_quote": may_quote})


__all__ = ["FormContext", "SubmitResult", "by_id", "open_invitation", "open_public", "submit"]
