"""The risk monitor page under AppTest: a manager's flags, reasons and outreach; a sponsor's aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from engagement.accounts import MembershipSpec, add_user
from engagement.db import read_session
from engagement.models import AuditEvent, OutreachAction
from engagement.permissions import Viewer
from engagement.risk.frames import to_date
from tests.pages.apptest_db import open_page, page_database

from .conftest import T_TINY, store_frames, tiny_frames

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "risk_monitor.py")
PASSWORD = "long-enough-password"
OFFSET = 19_500  # moves the tiny study to 2026, inside the date picker's range
AS_OF = to_date(T_TINY + OFFSET)


@pytest.fixture
def page_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    def fill(session: Session, system: Viewer) -> None:
        store_frames(session, tiny_frames(OFFSET), "TINY")
        add_user(session, system, "risk-manager", PASSWORD, [MembershipSpec("TINY", "trial_manager", "S1")])
        add_user(session, system, "risk-sponsor", PASSWORD, [MembershipSpec("TINY", "sponsor")])

    engine = page_database(tmp_path / "risk.db", monkeypatch, fill)
    yield engine
    engine.dispose()


def app(user: str):  # type: ignore[no-untyped-def]
    return open_page(PAGE, user, risk_as_of=AS_OF)


def test_manager_sees_flags_with_reasons_and_logs_a_call(page_db: Engine) -> None:
    at = app("risk-manager")
    table = at.dataframe[0].value
    assert list(table["participant_id"]) == ["P1", "P5"]
    assert list(table["missed"]) == ["T2", "T1, T2"]
    assert at.selectbox(key="risk_participant").value == "P1"
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert bullets[0] == "- missed the last due survey (most people returned it): raises risk"
    assert len(bullets) == 3
    at.text_input[0].set_value("left a voicemail first")
    at.button[0].click().run()  # the form's "Log action"
    assert not at.exception, at.exception
    assert at.success[0].value == "Logged: called, reached for P1."
    with read_session(page_db) as session:
        logged = session.scalars(select(OutreachAction)).one()
        assert (logged.action, logged.outcome, logged.actor) == ("called", "reached", "risk-manager")
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "outreach.log")).one()
        assert audit.entity_id == "P1"
    at.checkbox(key="risk_not_contacted").check().run()
    assert list(at.dataframe[0].value["participant_id"]) == ["P5"]


def test_sponsor_sees_only_suppressed_aggregates(page_db: Engine) -> None:
    at = app("risk-sponsor")
    table = at.dataframe[0].value
    assert list(table.columns) == ["site", "stage", "people", "share at elevated or high risk", "mean risk"]
    assert set(table["people"]) <= {"<5", "hidden", "5"}
    text = " ".join(str(v) for v in table.to_numpy().ravel())
    assert "P1" not in text
    assert "P5" not in text
    assert len(at.selectbox) == 0
    assert len(at.button) == 0
