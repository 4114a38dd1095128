"""An advocate opens a personal link in Chromium, answers, double-clicks submit: one submission."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engagement.db import make_engine, read_session, write_session
from engagement.invitations import issue_links, schedule_status
from engagement.models import Submission
from engagement.permissions import Viewer

pytestmark = pytest.mark.browser


def _advocate_link(db_url: str, base_url: str) -> tuple[str, str, str]:
    """A fresh link for an advocate whose panel timepoint is due: (link, participant, timepoint)."""
    engine = make_engine(db_url)
    system = Viewer.system_actor("test")
    with read_session(engine) as session:
        status = schedule_status(session, system, "DEMO-ONC-01", dt.datetime.now(dt.UTC).date())
    due = status[(status["role"] == "advocate") & (status["state"] != "done")]
    if due.empty:
        due = status[status["state"] != "done"]
    row = due.iloc[0]
    today = row["due_on"] + dt.timedelta(days=1)  # the window is open on this day
    with write_session(engine) as session:
        links = issue_links(session, system, "DEMO-ONC-01", base_url, today,
                            timepoint_code=row["timepoint_id"], valid_days=3650)
    link = next(lk for lk in links if lk.participant_id == row["participant_id"])
    engine.dispose()
    return link.link, row["participant_id"], row["timepoint_id"]


def test_invitation_double_click_gives_one_submission(live_app, demo_db, page):
    link, participant, timepoint = _advocate_link(demo_db, live_app)
    page.goto(link)
    page.get_by_role("button", name="Send my answers").wait_for()
    groups = page.get_by_role("radiogroup")
    groups.first.wait_for()
    for group in groups.all():
        group.locator("label").nth(2).click()  # what a person clicks: the answer's label
        assert group.get_by_role("radio").nth(2).is_checked()
    page.get_by_text("You may quote my comment").click()
    button = page.get_by_role("button", name="Send my answers")
    button.dblclick()
    page.get_by_text("Thank you. Your answers were received.").wait_for()
    engine = make_engine(demo_db)
    with read_session(engine) as session:
        n = session.scalar(select(func.count()).select_from(Submission).where(
            Submission.external_id == f"form:{participant}:{timepoint}"))
    engine.dispose()
    assert n == 1
    second = page.context.new_page()
    second.goto(link)
    second.get_by_text("This link was already used.").wait_for()
    assert second.get_by_role("button", name="Send my answers").count() == 0
