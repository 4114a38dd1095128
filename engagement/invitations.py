"""Personal invitation links and the anonymous public link, and who is due, overdue or done.

A token is 32 random bytes shown once (in the link); only its SHA-256 is stored. A link is bound to one
participant and one timepoint, expires, can be revoked, and is used by at most one submission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import fail
from engagement.models import Invitation, Participant, Study, Timepoint
from engagement.permissions import Action, Viewer
from engagement.schedule import due_grid
from engagement.types import utcnow

DEFAULT_VALID_DAYS = 30


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    participant_id: str
    site_id: str
    timepoint_id: str
    due_on: dt.date
    expires_on: dt.date
    link: str


def schedule_status(session: Session, viewer: Viewer, study_id: str, today: dt.date,
                    site_code: str | None = None, timepoint_code: str | None = None) -> pd.DataFrame:
    """One row per participant x applicable timepoint: upcoming, due (window open), overdue, done."""
    scope = viewer.require_any_site(Action.manage_invitations, study_id)
    grid = due_grid(session, study_id, today, scope)
    if site_code:
        grid = grid[grid["site_id"] == site_code]
    if timepoint_code:
        grid = grid[grid["timepoint_id"] == timepoint_code]
    return grid.drop(columns=["order"]).reset_index(drop=True)


def issue_links(session: Session, viewer: Viewer, study_id: str, base_url: str, today: dt.date, *,
                site_code: str | None = None, timepoint_code: str | None = None,
                valid_days: int = DEFAULT_VALID_DAYS, language: str = "en") -> list[IssuedLink]:
    """A new link for every due (window open) timepoint not yet answered; older open links are revoked."""
    status = schedule_status(session, viewer, study_id, today, site_code, timepoint_code)
    if status.empty:
        return []
    due = status[status["state"] == "due"]
    now = utcnow()
    issued = []
    for row in due.itertuples(index=False):
        for old in session.scalars(select(Invitation).where(
                Invitation.participant_id == int(row.pid), Invitation.timepoint_id == int(row.tid),
                Invitation.revoked_at.is_(None), Invitation.used_at.is_(None))):
            old.revoked_at = now
        token = new_token()
        expires = max(row.closes_on, today) + dt.timedelta(days=valid_days)
        inv = Invitation(token_hash=token_hash(token), participant_id=int(row.pid), timepoint_id=int(row.tid),
                         language=language, expires_at=dt.datetime.combine(expires, dt.time(23, 59),
                                                                           tzinfo=dt.UTC))
        session.add(inv)
        issued.append(IssuedLink(row.participant_id, row.site_id, row.timepoint_id, row.due_on, expires,
                                 f"{base_url.rstrip('/')}/?t={token}"))
    session.flush()
    if issued:
        audit.record(session, viewer.username, "issue", "invitation", study_id, None,
                     {"links": len(issued), "site": site_code, "timepoint": timepoint_code})
    return issued


def revoke(session: Session, viewer: Viewer, study_id: str, participant_code: str, timepoint_code: str) -> int:
    """Withdraw every open link of one participant and timepoint. Returns how many were open."""
    row = session.execute(select(Participant.id, Participant.site_id, Timepoint.id)
                          .join(Timepoint, Timepoint.study_id == Participant.study_id)
                          .where(Participant.study_id == study_id, Participant.code == participant_code,
                                 Timepoint.code == timepoint_code)).first()
    if row is None:
        raise fail("E002", f"no participant {participant_code} or timepoint {timepoint_code}",
                   item=participant_code)
    viewer.require(Action.manage_invitations, study_id, row[1])
    now, n = utcnow(), 0
    for inv in session.scalars(select(Invitation).where(
            Invitation.participant_id == row[0], Invitation.timepoint_id == row[2],
            Invitation.revoked_at.is_(None), Invitation.used_at.is_(None))):
        inv.revoked_at = now
        n += 1
    if n:
        audit.record(session, viewer.username, "revoke", "invitation", f"{participant_code}/{timepoint_code}",
                     None, {"revoked": n})
    return n


def enable_public_link(session: Session, viewer: Viewer, study_id: str, base_url: str) -> str:
    """Make (or replace) the study's anonymous public link; the old one stops working."""
    viewer.require(Action.manage_study, study_id)
    study = session.get(Study, study_id)
    if study is None:
        raise fail("E002", f"no study {study_id!r}", item=study_id)
    token = new_token()
    study.public_token_hash = token_hash(token)
    audit.record(session, viewer.username, "enable_public_link", "study", study_id, None, {"enabled": True})
    return f"{base_url.rstrip('/')}/?p={token}"


def disable_public_link(session: Session, viewer: Viewer, study_id: str) -> None:
    viewer.require(Action.manage_study, study_id)
    study = session.get(Study, study_id)
    if study is not None and study.public_token_hash:
        study.public_token_hash = None
        audit.record(session, viewer.username, "disable_public_link", "study", study_id, {"enabled": True},
                     {"enabled": False})


def links_csv(links: list[IssuedLink]) -> bytes:
    """Mail-merge file: codes, dates and the link; no contact details (those stay in the admin table)."""
    from engagement.csv_safe import frame_to_csv

    frame = pd.DataFrame([link.__dict__ for link in links],
                         columns=["participant_id", "site_id", "timepoint_id", "due_on", "expires_on", "link"])
    return frame_to_csv(frame).encode("utf-8")
