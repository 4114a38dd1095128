"""A trial manager opens the risk monitor, opens a flagged participant and logs a call; the audit trail
holds it; a sponsor cannot open that participant."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from engagement.db import make_engine, read_session
from engagement.errors import EngagementError
from engagement.models import AuditEvent, OutreachAction, Participant
from engagement.permissions import Grant, Viewer
from engagement.risk.monitor import participant_detail
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
STUDY = "DEMO-ONC-01"


def _open_monitor(page) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Risk monitor").first.click()


def test_manager_logs_a_call_and_sponsor_cannot_open_the_person(live_app, demo_db, page, browser) -> None:  # type: ignore[no-untyped-def]
    login(page, live_app, "manager")
    _open_monitor(page)
    header = page.get_by_role("heading", name=re.compile(r"^Participant "))
    header.first.wait_for(timeout=120_000)  # the first visit may train the study's model
    code = header.first.inner_text().removeprefix("Participant ").strip()
    page.get_by_text("Log an outreach action").wait_for()
    page.get_by_role("textbox", name="Note (no names or contact details)").fill("spoke about travel costs")
    page.get_by_role("button", name="Log action").click()
    page.get_by_text(f"Logged: called, reached for {code}.").wait_for(timeout=60_000)

    engine = make_engine(demo_db)
    with read_session(engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "outreach.log", AuditEvent.entity_id == code)
        ).one()
        assert event.actor == "manager"
        assert event.new_value["action"] == "called"
        assert event.new_value["outcome"] == "reached"
        logged = session.scalars(
            select(OutreachAction).join(Participant).where(Participant.code == code)
        ).one()
        assert logged.note == "spoke about travel costs"
        sponsor = Viewer("sponsor", (Grant(STUDY, "sponsor"),))
        with pytest.raises(EngagementError) as exc:
            participant_detail(session, sponsor, STUDY, code, dt.datetime.now(dt.UTC).date())
        assert exc.value.code == "E001"
    engine.dispose()

    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    sponsor_page = other.new_page()
    sponsor_page.set_default_timeout(30_000)
    login(sponsor_page, live_app, "sponsor")
    nav = sponsor_page.locator('[data-testid="stSidebarNav"] a')
    nav.first.wait_for()
    assert nav.filter(has_text="Risk monitor").count() == 0
    # A typed address reloads the app, which signs the sponsor out: the page is out of reach either way.
    sponsor_page.goto(f"{live_app}/risk_monitor")
    sponsor_page.get_by_role("button", name="Sign in", exact=True).wait_for()
    assert sponsor_page.get_by_text(code, exact=False).count() == 0
    assert sponsor_page.get_by_role("button", name="Log action").count() == 0
    other.close()
