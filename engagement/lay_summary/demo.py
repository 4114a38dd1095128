"""An example approved summary for the demo study: prefilled facts plus text written to pass the gate."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.lay_summary import prefill, service
from engagement.models import LaySummary, Study
from engagement.permissions import Viewer

# Fictional medicine and results, written for readers at about a grade 6 level.
WRITTEN: dict[str, str] = {
    "identification": "This summary is about a study of a new tablet called LV-101.",
    "sponsor": "You can write to the study team at results@lumenvale.example if you have questions.",
    "background": (
        "Bowel cancer that has spread is hard to treat. Doctors need better ways to slow it down. "
        "This study tested a new tablet in people whose cancer had grown after their first treatment. "
        "The main question was: do people live longer without their cancer growing?"
    ),
    "population": (
        "Adults could join if their bowel cancer had spread and had grown after their first treatment. "
        "People could not join if they were pregnant or had serious heart or liver problems."
    ),
    "medicines": (
        "People were put into 2 groups by chance, like tossing a coin. "
        "One group took the new tablet once a day. "
        "The other group took a dummy tablet that looked the same but had no medicine in it. "
        "Both groups also got the usual care from their doctors."
    ),
    "adverse_reactions": (
        "A side effect is a medical problem that the study doctors think the tablet caused. "
        "The table shows the most common side effects in each group. "
        "Tiredness was the most common one. "
        "It happened in 34 out of 100 people who took the new tablet, and in 18 out of 100 people "
        "who took the dummy tablet."
    ),
    "results": (
        "On average, people who took the new tablet lived 2 months longer without their cancer "
        "growing. "
        "After 1 year, the cancer had not grown in 25 out of 100 people on the new tablet. "
        "This was 15 out of 100 people for the dummy tablet."
    ),
    "meaning": (
        "The new tablet slowed the cancer down for some people, but it also caused side effects. "
        "This is the result of one study. "
        "Other studies may find different results. "
        "Talk to your doctor before you make any changes to your treatment."
    ),
    "follow_up": "A larger study of the new tablet is planned to start in 2027.",
    "more_information": (
        "You can read more about this study on the EU Clinical Trials website and on "
        "ClinicalTrials.gov. Search for the study numbers at the top of this page. "
        "Thank you to everyone who took part."
    ),
}
ADVERSE_REACTIONS: dict[str, Any] = {
    "arms": [{"name": "New tablet", "n": 300}, {"name": "Dummy tablet", "n": 300}],
    "rows": [
        {"term": "Tiredness", "counts": {"New tablet": 102, "Dummy tablet": 54}},
        {"term": "Feeling sick", "counts": {"New tablet": 75, "Dummy tablet": 36}},
        {"term": "Diarrhoea", "counts": {"New tablet": 60, "Dummy tablet": 27}},
        {"term": "Rash on the hands and feet", "counts": {"New tablet": 33, "Dummy tablet": 6}},
    ],
}
APPROVAL_NOTE = "demo example"


def example_content(session: Session, study: Study) -> dict[str, Any]:
    content = prefill.prefill(session, study)
    for s in content["sections"]:
        s["text"] = " ".join(t for t in (s["text"], WRITTEN[s["key"]]) if t)
    content["adverse_reactions"] = ADVERSE_REACTIONS
    return content


def load_example(session: Session, viewer: Viewer, study_id: str) -> LaySummary:
    """Create, submit and approve the example (the viewer needs approve rights: admin or the CLI)."""
    study = session.get(Study, study_id)
    if study is None:
        raise fail("E002", f"no study {study_id!r}", item=study_id)
    draft = service.create_draft(session, viewer, study_id, content=example_content(session, study))
    service.submit(session, viewer, draft.id)
    return service.approve(session, viewer, draft.id)
