"""Create, edit, reorder, submit, approve: statuses, permissions, immutability and the audit trail."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import EngagementError
from engagement.lay_summary import annex, demo, service
from engagement.lay_summary.annex import REQUIRED_KEYS
from engagement.models import AuditEvent, Comment, InstrumentVersion, LaySummary, Study, Submission
from tests.lay_summary.lay_factories import STUDY_ID, admin, make_study, manager, sponsor


def complete_content(session: Session) -> dict:
    return demo.example_content(session, session.get_one(Study, STUDY_ID))


def codes(exc: pytest.ExceptionInfo[EngagementError]) -> list[str]:
    return exc.value.codes


@pytest.fixture
def study(session: Session):
    return make_study(session)


def test_prefill_from_the_study(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID)
    c = draft.content
    assert (draft.version_no, draft.status, draft.created_by) == (1, "draft", "manager")
    assert c["registry_ids"] == ["EU CT 2024-512345-12-00", "NCT06543210"]
    assert [s["key"] for s in c["sections"]] == list(REQUIRED_KEYS)
    text = {s["key"]: s["text"] for s in c["sections"]}
    assert text["identification"] == (
        "The full title of this study is “A new tablet for bowel cancer”. "
        "The study is registered under EU CT 2024-512345-12-00 and NCT06543210.")
    assert text["sponsor"] == ("Lumenvale Ltd ran and paid for this study. You can contact them at "
                               "results@lumenvale.example.")
    assert text["background"] == ("The study took place at 3 sites in France and the United Kingdom. "
                                  "It started in November 2024. It is planned to end in June 2026.")
    # 12 patients (the advocate is not counted): 9 women, 3 men; 6 and 6 by age band.
    assert text["population"] == ("12 people took part in this study. Of these, 5 or more were women and "
                                  "fewer than 5 were men. By age, 6 were aged 18-64 and 6 were aged 65+.")
    assert text["results"] == ""


def test_one_open_version_at_a_time(session: Session, study) -> None:
    service.create_draft(session, manager(), STUDY_ID)
    with pytest.raises(EngagementError) as e:
        service.create_draft(session, manager(), STUDY_ID)
    assert codes(e) == ["L704"]


def test_permissions_checked_on_every_call(session: Session, study) -> None:
    with pytest.raises(EngagementError) as e:
        service.create_draft(session, sponsor(), STUDY_ID)
    assert codes(e) == ["E001"]
    draft = service.create_draft(session, manager(), STUDY_ID, content=complete_content(session))
    for call in (lambda v: service.get(session, v, draft.id),
                 lambda v: service.set_section(session, v, draft.id, "results", text="x"),
                 lambda v: service.submit(session, v, draft.id)):
        with pytest.raises(EngagementError) as e:
            call(sponsor())
        assert codes(e) == ["E001"]
    service.submit(session, manager(), draft.id)
    with pytest.raises(EngagementError) as e:
        service.approve(session, manager(), draft.id)  # trial managers edit; only admins approve
    assert codes(e) == ["E001"]


def test_missing_element_blocks_approval_naming_it(session: Session, study) -> None:
    content = complete_content(session)
    next(s for s in content["sections"] if s["key"] == "follow_up")["text"] = "   "
    draft = service.create_draft(session, manager(), STUDY_ID, content=content)
    with pytest.raises(EngagementError) as e:
        service.submit(session, manager(), draft.id, override_reason="we want to publish this anyway")
    assert codes(e) == ["L701"]
    assert e.value.problems[0].item == "follow_up"
    draft.status = "in_review"  # even if it got into review some other way, approval refuses it
    session.flush()
    with pytest.raises(EngagementError) as e:
        service.approve(session, admin(), draft.id, override_reason="we want to publish this anyway")
    assert codes(e) == ["L701"]
    assert e.value.problems[0].item == "follow_up"
    assert "Are more studies planned?" in e.value.problems[0].message()


def test_required_sections_cannot_be_removed(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID)
    with pytest.raises(EngagementError) as e:
        service.remove_section(session, manager(), draft.id, "results")
    assert codes(e) == ["L701"]


def test_failing_gate_blocks_submit_unless_reason_given(session: Session, study) -> None:
    content = complete_content(session)
    next(s for s in content["sections"] if s["key"] == "results")["text"] += " It was a breakthrough."
    draft = service.create_draft(session, manager(), STUDY_ID, content=content)
    with pytest.raises(EngagementError) as e:
        service.submit(session, manager(), draft.id)
    assert codes(e) == ["L710", "L755"]
    assert e.value.problems[1].item == "results"
    with pytest.raises(EngagementError) as e:
        service.submit(session, manager(), draft.id, override_reason="ok")
    assert codes(e) == ["L711"]
    service.submit(session, manager(), draft.id, override_reason="The sponsor's own wording, agreed.")
    assert draft.status == "in_review"
    assert draft.submitted_by == "manager"
    assert draft.gate_override_reason == "submitted by manager: The sponsor's own wording, agreed."
    with pytest.raises(EngagementError) as e:
        service.approve(session, admin(), draft.id)
    assert codes(e)[0] == "L710"
    service.approve(session, admin(), draft.id, override_reason="Reviewed; the wording is a quote.")
    assert draft.gate_override_reason.endswith("approved by admin: Reviewed; the wording is a quote.")
    event = audit.history(session, "lay_summary", str(draft.id), limit=1)[0]
    assert (event.action, event.reason) == ("lay_summary.approve", "Reviewed; the wording is a quote.")
    assert event.new_value["gate"]["codes"] == ["L755"]


def test_review_flow_and_audit(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID, content=complete_content(session))
    with pytest.raises(EngagementError) as e:
        service.approve(session, admin(), draft.id)
    assert codes(e) == ["L705"]
    service.submit(session, manager(), draft.id)
    service.send_back(session, admin(), draft.id, "Please add the contact phone number.")
    assert draft.status == "draft"
    assert draft.submitted_by is None
    service.submit(session, manager(), draft.id)
    approved = service.approve(session, admin(), draft.id)
    assert (approved.status, approved.reviewed_by) == ("approved", "admin")
    assert approved.reviewed_at is not None
    assert approved.gate_override_reason is None
    actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.entity == "lay_summary")
                                                  .order_by(AuditEvent.id))]
    assert actions == ["lay_summary.create", "lay_summary.submit", "lay_summary.send_back",
                       "lay_summary.submit", "lay_summary.approve"]
    assert audit.verify(session).ok


def test_approved_version_never_changes(session: Session, study) -> None:
    v1 = demo.load_example(session, admin(), STUDY_ID)
    before = copy.deepcopy(v1.content)
    v2 = service.set_section(session, manager(), v1.id, "follow_up", text="No more studies are planned.")
    assert (v2.version_no, v2.status, v1.status) == (2, "draft", "approved")
    assert v1.content == before
    assert annex.section_text(v2.content, "follow_up") == "No more studies are planned."
    # a second edit of v1 while v2 is open is refused: edit v2 instead
    with pytest.raises(EngagementError) as e:
        service.set_section(session, manager(), v1.id, "follow_up", text="Another change.")
    assert codes(e) == ["L704"]
    # whatever code path tries, the database row of an approved version is not updated
    v1.content = {**before, "title": "changed"}
    with pytest.raises(EngagementError) as e:
        session.flush()
    assert codes(e) == ["L705"]
    session.rollback()


def test_approved_version_cannot_be_deleted(session: Session, study) -> None:
    v1 = demo.load_example(session, admin(), STUDY_ID)
    session.delete(v1)
    with pytest.raises(EngagementError) as e:
        session.flush()
    assert codes(e) == ["L705"]
    session.rollback()


def test_editing_in_review_returns_to_draft(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID, content=complete_content(session))
    service.submit(session, manager(), draft.id)
    service.set_section(session, manager(), draft.id, "follow_up", text="No more studies are planned.")
    assert draft.status == "draft"
    assert draft.submitted_at is None


def test_reorder_and_move(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID)
    keys = list(reversed(REQUIRED_KEYS))
    service.reorder(session, manager(), draft.id, keys)
    assert [s["key"] for s in draft.content["sections"]] == keys
    service.move_section(session, manager(), draft.id, "identification", -1)
    assert [s["key"] for s in draft.content["sections"]][-2:] == ["identification", "sponsor"]
    with pytest.raises(EngagementError) as e:
        service.reorder(session, manager(), draft.id, keys[:-1])
    assert codes(e) == ["L703"]
    with pytest.raises(EngagementError) as e:
        service.set_section(session, manager(), draft.id, "nonsense", text="x")
    assert codes(e) == ["L702"]


def test_headings_can_be_reworded_keys_stay(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID)
    service.set_section(session, manager(), draft.id, "results", heading="What did the study find?")
    s = next(s for s in draft.content["sections"] if s["key"] == "results")
    assert s["heading"] == "What did the study find?"


@pytest.mark.parametrize(("table", "where"), [
    ({"arms": [{"name": "A", "n": 0}], "rows": []}, "A"),
    ({"arms": [{"name": "A", "n": 10}, {"name": "A", "n": 5}], "rows": []}, "arms[2]"),
    ({"arms": [{"name": "A", "n": 10}], "rows": [{"term": "Rash", "counts": {"A": 11}}]}, "Rash"),
    ({"arms": [{"name": "A", "n": 10}], "rows": [{"term": "Rash", "counts": {"B": 1}}]}, "Rash"),
    ({"arms": [{"name": "A", "n": 10}], "rows": [{"term": " ", "counts": {"A": 1}}]}, "rows[1]"),
])
def test_adverse_reaction_table_is_validated(session: Session, study, table: dict, where: str) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID)
    with pytest.raises(EngagementError) as e:
        service.set_adverse_reactions(session, manager(), draft.id, table)
    assert codes(e) == ["L706"]
    assert e.value.problems[0].item == where


def test_participants_section_from_suppressed_rows_and_consented_quotes(session: Session, study) -> None:
    draft = service.create_draft(session, manager(), STUDY_ID)
    version = session.scalars(select(InstrumentVersion).limit(1)).first()
    if version is None:
        pytest.skip("no instrument registered in the migrated database")
    for i, (text, may_quote) in enumerate([("The nurses were kind.", True), ("Too far to travel.", False),
                                           ("Parking was hard to find.", True),
                                           ("The nurses were kind.", True)]):
        sub = Submission(study_id=STUDY_ID, external_id=f"SUB{i}", instrument_version_id=version.id,
                         submitted_at=draft.created_at, channel="form", idempotency_key=f"lay-{i}")
        session.add(sub)
        session.flush()
        session.add(Comment(submission_id=sub.id, item_id="anything_else", text_raw=text, text_scrubbed=text,
                            may_quote=may_quote))
    session.flush()
    rows = [{"label": "they felt respected", "n": 40, "value": 0.72, "unit": "share"},
            {"label": "travel burden", "n": 40, "value": 35.4, "unit": "score"},
            {"label": "trust at site S3", "n": 3, "value": None, "unit": "score"}]
    service.write_participants_section(session, manager(), draft.id, rows)
    text = annex.section_text(draft.content, "participants_told_us")
    assert text == ("About 72 out of every 100 people who answered said they felt respected. "
                    "The average score for travel burden was 35 on a scale from 0 to 100, from 40 people. "
                    "Some groups were too small to report, to protect people's privacy.\n\n"
                    "Here is what some people said, with their permission:\n"
                    "- “The nurses were kind.”\n"
                    "- “Parking was hard to find.”")
    assert "Too far" not in text


def test_latest_approved_and_versions(session: Session, study) -> None:
    with pytest.raises(EngagementError) as e:
        service.latest_approved(session, sponsor(), STUDY_ID)
    assert codes(e) == ["L707"]
    v1 = demo.load_example(session, admin(), STUDY_ID)
    assert service.latest_approved(session, sponsor(), STUDY_ID).id == v1.id
    assert [v.version_no for v in service.versions(session, manager(), STUDY_ID)] == [1]
    assert session.scalar(select(LaySummary.status).where(LaySummary.id == v1.id)) == "approved"


def test_end_date_when_every_trial_stage_has_ended(session: Session, study) -> None:
    from engagement.lay_summary import prefill
    from engagement.models import LifecycleStage

    for stage in session.scalars(select(LifecycleStage).where(LifecycleStage.study_id == STUDY_ID)):
        stage.actual_end = stage.actual_end or stage.planned_end
    session.add(LifecycleStage(study_id=STUDY_ID, name="results_dissemination", order=3,
                               planned_end=dt.date(2027, 3, 1)))
    session.flush()
    text = prefill.where_when_text(session, study)
    assert text.endswith("It started in November 2024. It ended in June 2026.")


def test_indicator_rows_keep_suppression() -> None:
    import pandas as pd

    from engagement.lay_summary import prefill

    table = pd.DataFrame([
        {"study": "S", "indicator": "trust", "n": 40, "mean": 61.6, "suppressed": False},
        {"study": "S", "indicator": "burden", "n": "<5", "mean": float("nan"), "suppressed": True},
        {"study": "S", "indicator": "other", "n": 40, "mean": 10.0, "suppressed": False},
    ])
    rows = prefill.rows_from_indicator_table(table)
    assert rows == [
        {"label": "trust in the study team", "n": 40, "value": 61.6, "unit": "score", "suppressed": False},
        {"label": "how hard taking part was (higher means harder)", "n": None, "value": None, "unit": "score",
         "suppressed": True},
    ]
    assert prefill.participants_told_us_text(rows, []) == (
        "The average score for trust in the study team was 62 on a scale from 0 to 100, from 40 people. "
        "Some groups were too small to report, to protect people's privacy.")
