"""The deny-list of known people for free-text scrubbing, read from the database.

Staff display names, participants' names and contacts (the admin-only contacts table) and participant
codes: whatever a comment could name. The form and every import scrub with the same list.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.models import Participant, ParticipantContact, User
from engagement.scrubbing import Roster, build_roster


def roster_names(session: Session) -> list[str]:
    names = [n for n in session.scalars(select(User.display_name)) if n]
    names += [n for n in session.scalars(select(ParticipantContact.full_name)) if n]
    return names


def roster_contacts(session: Session) -> list[str]:
    """Known e-mail addresses and phone numbers of participants."""
    rows = session.execute(select(ParticipantContact.email, ParticipantContact.phone)).all()
    return [v for row in rows for v in row if v]


def study_roster(session: Session, study_ids: Iterable[str]) -> Roster:
    """The deny-list for comments of these studies: every name and contact, and the studies' participant
    codes (read inside the caller's transaction, so participants it has just written are on it)."""
    codes = session.scalars(select(Participant.code).where(Participant.study_id.in_(list(study_ids))))
    return build_roster(roster_names(session), list(codes), roster_contacts(session))
