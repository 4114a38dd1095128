"""The demo study's example summary is approved without any override and passes the gate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engagement import audit
from engagement.lay_summary import annex, demo, gate
from tests.lay_summary.lay_factories import STUDY_ID, admin, make_study


def test_example_is_approved_and_passes_the_gate(session: Session) -> None:
    make_study(session)
    summary = demo.load_example(session, admin(), STUDY_ID)
    assert (summary.status, summary.version_no, summary.gate_override_reason) == ("approved", 1, None)
    assert annex.missing_elements(summary.content) == []
    report = gate.check(summary.content)
    assert report.passed
    assert report.overall.fk_grade <= 8
    assert all(s.figures.fk_grade is not None and s.figures.fk_grade <= 8 for s in report.sections)
    event = audit.history(session, "lay_summary", str(summary.id), limit=1)[0]
    assert event.new_value["gate"]["passed"] is True


def test_example_text_alone_has_fixed_figures() -> None:
    """The written example on its own (no prefilled facts): figures pinned so a wording change is seen."""
    report = gate.check_sections([(k, k, t) for k, t in demo.WRITTEN.items()])
    assert report.passed
    assert (report.overall.n_sentences, report.overall.n_words) == (27, 340)
    assert round(report.overall.fk_grade, 2) == 5.21
    assert round(report.overall.reading_ease, 2) == 79.94
