"""'You said, we did': what the study team changed because of feedback, written by trial managers and shown
to respondents on the form's thank-you page.

Respondents of every site read it, so it is held to the rules of public text: both parts written, short
enough to read on a phone, and naming nobody (the scrubber's rules and the study roster find names,
codes, contacts and dates; any finding refuses the entry with G462, naming what was found).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import fail
from engagement.models import FeedbackResponse
from engagement.permissions import Action, Viewer
from engagement.roster import study_roster
from engagement.scrubbing import find

MAX_CHARS = {"you_said": 300, "we_did": 600}
SHOWN = 5  # the newest entries the thank-you page shows


@dataclass(frozen=True)
class Entry:
    id: int
    published_on: dt.date
    you_said: str
    we_did: str


def published(session: Session, study_id: str, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The newest entries already published (no viewer: the respondent's form shows them)."""
    today = today or dt.datetime.now(dt.UTC).date()
    return [(r.you_said, r.we_did) for r in session.scalars(
        select(FeedbackResponse).where(FeedbackResponse.study_id == study_id,
                                       FeedbackResponse.published_on <= today)
        .order_by(FeedbackResponse.published_on.desc(), FeedbackResponse.id.desc()).limit(SHOWN))]


def entries(session: Session, viewer: Viewer, study_id: str) -> list[Entry]:
    viewer.require(Action.manage_invitations, study_id)
    rows = session.scalars(select(FeedbackResponse).where(FeedbackResponse.study_id == study_id)
                           .order_by(FeedbackResponse.published_on.desc(), FeedbackResponse.id.desc()))
    return [Entry(r.id, r.published_on, r.you_said, r.we_did) for r in rows]


def record(session: Session, viewer: Viewer, study_id: str, you_said: str, we_did: str,
           published_on: dt.date) -> Entry:
    """Check and store one entry (audited). Raises G460 (a part is empty), G461 (too long), G462 (names
    someone)."""
    viewer.require(Action.manage_invitations, study_id)
    texts = {"you_said": you_said.strip(), "we_did": we_did.strip()}
    roster = study_roster(session, [study_id])
    for part, text in texts.items():
        _check(part, text, roster)
    row = FeedbackResponse(study_id=study_id, published_on=published_on, **texts)
    session.add(row)
    session.flush()
    audit.record(session, viewer.username, "create", "feedback_response", row.id, None,
                 {**texts, "published_on": published_on.isoformat()})
    return Entry(row.id, published_on, texts["you_said"], texts["we_did"])


def _check(part: str, text: str, roster) -> None:  # type: ignore[no-untyped-def]
    if not text:
        raise fail("G460", f"{part} is empty", column=part)
    if len(text) > MAX_CHARS[part]:
        raise fail("G461", f"{part} has {len(text)} characters; at most {MAX_CHARS[part]}", column=part)
    found = find(text, roster)
    if found:
        # where, not what: the message may be logged, and the finding may be a person's name
        at = ", ".join(f"{f.type} at characters {f.start + 1}-{f.end}" for f in found)
        raise fail("G462", f"{part} contains {at}", column=part)
