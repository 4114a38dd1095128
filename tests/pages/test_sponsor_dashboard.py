"""The sponsor dashboard page driven by AppTest: filters, suppression labels, no participant codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engagement.accounts import MembershipSpec, add_user
from engagement.permissions import Viewer
from tests.indicators.ind_factory import make_study, person, submit
from tests.pages.apptest_db import open_page, page_database

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "pages" / "sponsor_dashboard.py")
PASSWORD = "long-enough-password"
CODE = "PCODE{:03d}"


def _study(session) -> None:  # type: ignore[no-untyped-def]
    """A: 10 patients (burden 30s); B: 10 patients and 6 caregivers (burden 60s); C: 3 patients."""
    b = make_study(session, sites=("A", "B", "C"))
    groups = [("A", "patient", 10, 30), ("B", "patient", 10, 60), ("B", "caregiver", 6, 60),
              ("C", "patient", 3, 50)]
    k = 0
    for site, role, count, base in groups:
        for _ in range(count):
            code = CODE.format(k)
            person(session, b, code, site, role, enrolled=dt.date(2025, 1, 1))
            submit(session, b, code, "T1", {"burden": base + k % 5, "trust": 70.0 - k % 7},
                   at=dt.datetime(2025, 1, 3, tzinfo=dt.UTC),
                   comment=(f"The travel to the clinic is long and parking costs a lot {code}", True))
            submit(session, b, code, "T2", {"burden": base + 10 + k % 5, "trust": 60.0},
                   at=dt.datetime(2025, 2, 3, tzinfo=dt.UTC))
            k += 1


@pytest.fixture
def page_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    def fill(session: Session, system: Viewer) -> None:
        _study(session)
        add_user(session, system, "dash-sponsor", PASSWORD, [MembershipSpec("S1", "sponsor")])
        add_user(session, system, "dash-admin", PASSWORD, [MembershipSpec("S1", "admin")])
        add_user(session, system, "dash-site", PASSWORD, [MembershipSpec("S1", "trial_manager", "A")])

    engine = page_database(tmp_path / "dash.db", monkeypatch, fill)  # caches: tests/conftest.py clears them
    yield engine
    engine.dispose()


def app(user: str):  # type: ignore[no-untyped-def]
    return open_page(PAGE, user)


def metric(at, label: str) -> str:  # type: ignore[no-untyped-def]
    return next(m.value for m in at.metric if m.label == label)


def rendered_text(at) -> str:  # type: ignore[no-untyped-def]
    """Every element's protobuf as text: markdown, captions, metrics, widget options, chart JSON."""
    parts = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_site_filter_changes_the_figures(page_db: Engine) -> None:
    at = app("dash-admin")
    everyone = metric(at, "Burden")
    at.selectbox(key="dash_site").set_value("A").run()
    assert not at.exception
    assert metric(at, "Burden") != everyone
    assert metric(at, "Burden") == "37 / 100"  # A: (30..34 twice, then +10) -> person means 37 avg


def test_sponsor_sees_fewer_than_n_and_no_participant_code(page_db: Engine) -> None:
    at = app("dash-sponsor")
    text = rendered_text(at)
    assert "fewer than 5" in text
    assert "PCODE" not in text
    at.selectbox(key="dash_site").set_value("C").run()
    assert not at.exception
    assert metric(at, "Burden") == "fewer than 5"
    assert "PCODE" not in rendered_text(at)


def test_site_staff_see_only_their_site(page_db: Engine) -> None:
    at = app("dash-site")
    site_box = at.selectbox(key="dash_site")
    assert site_box.options == ["All", "A – Site A"]
    assert metric(at, "Burden") == "37 / 100"


def test_staff_date_range_narrows_the_figures(page_db: Engine) -> None:
    at = app("dash-admin")
    assert metric(at, "Burden") == "56 / 100"  # person means over T1 and T2: 1611 / 29
    at.date_input(key="dash_dates").set_value((dt.date(2025, 2, 1), dt.date(2025, 2, 28))).run()
    assert not at.exception
    assert metric(at, "Burden") == "61 / 100"  # T2 (February) only: 1756 / 29


def test_sponsors_get_no_date_range(page_db: Engine) -> None:
    at = app("dash-sponsor")
    assert not at.date_input
    assert any("Date ranges are for study staff" in c.value for c in at.caption)
