"""quality_report from stored answers, its permission, and the admin page that renders it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from engagement.errors import EngagementError
from engagement.instruments import registry
from engagement.models import Answer, Study, Submission
from engagement.permissions import Grant, Viewer
from engagement.psychometrics import quality_report

REPO = Path(__file__).resolve().parents[2]


def _fill(session, system, study: str = "ST-Q", n: int = 40) -> None:  # type: ignore[no-untyped-def]
    session.add(Study(id=study, title="Quality study"))
    session.flush()
    row, inst = registry.get_version(session, "trust-in-team", "1.0.0")
    trust = inst.subscale("trust")
    rng = np.random.default_rng(5)
    for i in range(n):
        sub = Submission(study_id=study, external_id=f"q{i}", instrument_version_id=row.id,
                         submitted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), channel="api",
                         idempotency_key=f"{study}/q{i}")
        session.add(sub)
        session.flush()
        level = rng.integers(1, 6)
        for item in trust.items:
            v = int(np.clip(level + rng.integers(-1, 2), 1, 5))
            session.add(Answer(submission_id=sub.id, item_id=item,
                               value_num=float(6 - v if item in trust.reverse else v)))
        session.add(Answer(submission_id=sub.id, item_id="trust_comment", value_text="fine"))
    session.flush()


def test_quality_report_from_the_database(session, system) -> None:  # type: ignore[no-untyped-def]
    registry.register_builtin(session, system)
    _fill(session, system)
    report = quality_report(session, system, "ST-Q")
    [inst] = report["instruments"]
    assert (inst["instrument_id"], inst["version"], inst["respondents"]) == ("trust-in-team", "1.0.0", 40)
    trust = inst["subscales"]["trust"]
    assert trust["n"] == 40
    assert trust["alpha"] > 0.8  # items written from one level, negatives answered the other way round
    assert len(trust["items"]) == 8


def test_quality_report_needs_the_permission(session, system) -> None:  # type: ignore[no-untyped-def]
    sponsor = Viewer("sp", (Grant("ST-Q", "sponsor"),))
    with pytest.raises(EngagementError) as err:
        quality_report(session, sponsor, "ST-Q")
    assert err.value.code == "E001"


def test_empty_study(session, system) -> None:  # type: ignore[no-untyped-def]
    session.add(Study(id="ST-EMPTY", title="Empty"))
    session.flush()
    assert quality_report(session, system, "ST-EMPTY") == {"study_id": "ST-EMPTY", "instruments": []}


def test_admin_page_renders_the_tables(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from engagement.accounts import MembershipSpec, add_user
    from tests.pages.apptest_db import open_page, page_database

    def fill(session, system) -> None:  # type: ignore[no-untyped-def]
        _fill(session, system)
        add_user(session, system, "quality-admin", "long-enough-password", [MembershipSpec("ST-Q", "admin")])

    page_database(tmp_path / "page.db", monkeypatch, fill).dispose()
    at = open_page(REPO / "pages" / "instrument_quality.py", "quality-admin", timeout=30)
    assert at.title[0].value == "Instrument quality"
    assert any("trust-in-team 1.0.0" in h.value for h in at.subheader)
    table = at.dataframe[0].value
    assert list(table["subscale"]) == ["trust"]
    assert int(table["n complete"].iloc[0]) == 40
