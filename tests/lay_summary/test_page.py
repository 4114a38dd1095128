"""The Lay summary page (AppTest): start, inline problems, fix, send for review, approve, downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engagement.accounts import MembershipSpec, add_user
from engagement.db import read_session, write_session
from engagement.lay_summary import demo, service
from engagement.models import Study
from engagement.permissions import Viewer
from tests.lay_summary.lay_factories import STUDY_ID, make_study
from tests.pages.apptest_db import open_page, page_database

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "pages" / "lay_summary.py")


@pytest.fixture
def page_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    def fill(session: Session, system: Viewer) -> None:
        make_study(session)
        add_user(session, system, "lay-manager", "long-enough-password",
                 [MembershipSpec(STUDY_ID, "trial_manager")])
        add_user(session, system, "lay-admin", "long-enough-password", [MembershipSpec(STUDY_ID, "admin")])

    engine = page_database(tmp_path / "page.db", monkeypatch, fill)
    yield engine
    engine.dispose()


def app(user: str):  # type: ignore[no-untyped-def]
    return open_page(PAGE, user)


def button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def test_manager_writes_fixes_and_sends_for_review_admin_approves(page_db: Engine) -> None:
    at = app("lay-manager")
    button(at, "Start a summary").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Version 1: Draft"
    # fill every section from the example, with one promotional word to be flagged inline
    with read_session(page_db) as session:
        study = session.get_one(Study, STUDY_ID)
        texts = {s["key"]: s["text"] for s in demo.example_content(session, study)["sections"]}
    texts["results"] += " This is a breakthrough."
    for s_key, text in texts.items():
        next(t for t in at.text_area if t.key == f"t_1_{s_key}").input(text)
    button(at, "Save changes").click().run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("breakthrough" in w and "Suggestion" in w for w in warnings)
    # fix the flagged sentence, save, send for review
    fixed = texts["results"].replace(" This is a breakthrough.", "")
    next(t for t in at.text_area if t.key == "t_1_results").input(fixed)
    button(at, "Save changes").click().run()
    assert not any("breakthrough" in w.value for w in at.warning)
    button(at, "Send for review").click().run()
    assert at.subheader[0].value == "Version 1: In review"
    assert not any(b.label == "Approve" for b in at.button)  # managers cannot approve

    admin = app("lay-admin")
    button(admin, "Approve").click().run()
    assert not admin.exception
    assert admin.subheader[0].value == "Version 1: Approved"
    labels = [b.label for b in admin.get("download_button")]
    assert labels == ["Download MD", "Download HTML", "Download DOCX", "Download PDF"]
    with read_session(page_db) as session:
        v = service.latest_approved(session, Viewer.system_actor(), STUDY_ID)
        assert (v.reviewed_by, v.submitted_by) == ("lay-admin", "lay-manager")


def test_override_needs_a_reason(page_db: Engine) -> None:
    with write_session(page_db) as session:
        study = session.get_one(Study, STUDY_ID)
        content = demo.example_content(session, study)
        content["sections"][6]["text"] += " It is the best medicine."
        service.create_draft(session, Viewer.system_actor(), STUDY_ID, content=content)
    at = app("lay-manager")
    button(at, "Send for review").click().run()
    assert any("L710" in e.value for e in at.error)
    next(t for t in at.text_area if t.key.startswith("sub_reason_")).input("The sponsor insists on this.")
    button(at, "Send for review").click().run()
    assert at.subheader[0].value == "Version 1: In review"
    assert any("Gate overridden" in w.value for w in at.warning)


def test_sponsor_is_refused_with_a_coded_error(page_db: Engine) -> None:
    with write_session(page_db) as session:
        add_user(session, Viewer.system_actor("test"), "lay-sponsor", "long-enough-password",
                 [MembershipSpec(STUDY_ID, "sponsor")])
    at = app("lay-sponsor")
    assert any("E001" in e.value for e in at.error)
    assert not any(b.label == "Start a summary" for b in at.button)


def test_reorder_from_the_page(page_db: Engine) -> None:
    with write_session(page_db) as session:
        service.create_draft(session, Viewer.system_actor(), STUDY_ID)
    at = app("lay-manager")
    at.selectbox(key="lay_move_pick").select("sponsor").run()
    button(at, "Move up").click().run()
    assert not at.exception
    with read_session(page_db) as session:
        latest = service.latest(session, Viewer.system_actor(), STUDY_ID)
        keys = [s["key"] for s in latest.content["sections"]]
    assert keys[:3] == ["sponsor", "identification", "background"]
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings[:2] == ["#### Who ran and paid for this study?", "#### What is the name of this study?"]
