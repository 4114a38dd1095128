"""Registered versions (same content -> same row; changed -> bump; new -> row + audit) and stored scores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engagement import score_summary
from engagement.errors import EngagementError
from engagement.instruments import load, registry
from engagement.models import Answer, AuditEvent, InstrumentVersion, Score, Study, Submission
from engagement.permissions import Grant, Viewer
from engagement.scoring import rescore, score_submissions
from tests.instruments.forms import base
from tests.summary_check import assert_summary_in_step


def _audit_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(AuditEvent))


def _form(version: str = "1.0.0", **item_changes):  # type: ignore[no-untyped-def]
    form = base()
    form["id"] = "reg-test"
    form["version"] = version
    form["items"][0].update(item_changes)
    return form


def test_builtins_are_registered_by_upgrade(session, system) -> None:  # type: ignore[no-untyped-def]
    rows = registry.register_builtin(session, system)
    assert {r.instrument_id for r in rows} == {"participant-burden", "trust-in-team", "engagement-quality",
                                               "participant-experience", "pulse-check"}
    before = _audit_count(session)
    again = registry.register_builtin(session, system)
    assert [r.id for r in again] == [r.id for r in rows]
    assert _audit_count(session) == before


def test_same_content_same_version_no_audit(session, system) -> None:  # type: ignore[no-untyped-def]
    first = registry.register(session, system, load(_form()))
    n_audit = _audit_count(session)
    second = registry.register(session, system, load(_form()))
    assert second.id == first.id
    assert _audit_count(session) == n_audit
    assert session.scalar(select(func.count()).select_from(InstrumentVersion)
                          .where(InstrumentVersion.instrument_id == "reg-test")) == 1


def test_new_version_adds_row_and_audit(session, system) -> None:  # type: ignore[no-untyped-def]
    first = registry.register(session, system, load(_form()))
    n_audit = _audit_count(session)
    second = registry.register(session, system, load(_form("1.1.0", text="Reworded first question")))
    assert second.id != first.id
    assert second.content_hash != first.content_hash
    assert _audit_count(session) == n_audit + 1
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.entity) == ("register", "instrument_version")
    assert event.entity_id == "reg-test@1.1.0"
    row, inst = registry.latest(session, "reg-test")
    assert (row.version, inst.item("a").text) == ("1.1.0", "Reworded first question")


def test_changed_content_same_version_must_bump(session, system) -> None:  # type: ignore[no-untyped-def]
    registry.register(session, system, load(_form()))
    with pytest.raises(EngagementError) as err:
        registry.register(session, system, load(_form(text="Changed")))
    assert err.value.code == "I315"


def test_item_id_reused_with_another_meaning(session, system) -> None:  # type: ignore[no-untyped-def]
    registry.register(session, system, load(_form()))
    changed = _form("2.0.0", type="text")
    changed["items"][0].pop("scale")
    changed["subscales"][0]["items"] = ["b", "c"]
    with pytest.raises(EngagementError) as err:
        registry.register(session, system, load(changed))
    assert err.value.code == "I314"
    assert err.value.problems[0].item == "a"


def test_item_reused_on_another_scale(session, system) -> None:  # type: ignore[no-untyped-def]
    registry.register(session, system, load(_form()))
    changed = _form("2.0.0")
    changed["scales"]["agree5"]["choices"].append({"value": 6, "label": "Totally"})
    with pytest.raises(EngagementError) as err:
        registry.register(session, system, load(changed))
    assert set(err.value.codes) == {"I314"}


def test_get_version_unknown_is_b115(session, system) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngagementError) as err:
        registry.get_version(session, "reg-test", "9.9.9")
    assert err.value.code == "B115"
    with pytest.raises(EngagementError) as err:
        registry.latest(session, "nothing-here")
    assert err.value.code == "B115"


def test_get_version_and_from_row(session, system) -> None:  # type: ignore[no-untyped-def]
    registry.register(session, system, load(_form()))
    row, inst = registry.get_version(session, "reg-test", "1.0.0")
    assert inst.content_hash == row.content_hash
    assert registry.from_row(row) is inst  # cached by hash


def test_only_admins_register(session) -> None:  # type: ignore[no-untyped-def]
    sponsor = Viewer("spon", (Grant("S1", "sponsor"),))
    with pytest.raises(EngagementError) as err:
        registry.register(session, sponsor, load(_form()))
    assert err.value.code == "E001"


# ------------------------------------------------------------------------------------------ scores


def _submission(session, study: str, version_id: int, ext: str, answers: dict) -> int:  # type: ignore[no-untyped-def]
    sub = Submission(study_id=study, external_id=ext, instrument_version_id=version_id,
                     submitted_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), channel="api",
                     idempotency_key=f"{study}/{ext}")
    session.add(sub)
    session.flush()
    session.add_all([Answer(submission_id=sub.id, item_id=k, value_num=v) for k, v in answers.items()])
    session.flush()
    return sub.id


def _scores(session, sub_id: int) -> dict[str, Score]:  # type: ignore[no-untyped-def]
    return {s.subscale_id: s for s in session.scalars(select(Score).where(Score.submission_id == sub_id))}


@pytest.fixture
def study(session):  # type: ignore[no-untyped-def]
    session.add(Study(id="ST-SCORE", title="Scoring study"))
    session.flush()
    return "ST-SCORE"


def test_old_submissions_keep_their_version_after_an_item_is_removed(session, system, study) -> None:  # type: ignore[no-untyped-def]
    v1 = registry.register(session, system, load(_form()))
    v2_form = _form("2.0.0")
    v2_form["items"] = [it for it in v2_form["items"] if it["id"] != "c"]
    v2_form["subscales"][0].update(items=["a", "b"], reverse=[])
    v2 = registry.register(session, system, load(v2_form))
    old = _submission(session, study, v1.id, "old", {"a": 5, "b": 4, "c": 1})
    new = _submission(session, study, v2.id, "new", {"a": 5, "b": 4})
    n = rescore(session, system, study_id=study)
    assert n == 2
    # v1: c=1 reversed to 5 -> mean (5+4+5)/3 = 4.667 -> 91.667; v2: mean 4.5 -> 87.5
    assert _scores(session, old)["s"].value == pytest.approx(275 / 3)
    assert _scores(session, old)["s"].n_items == 3
    assert _scores(session, new)["s"].value == pytest.approx(87.5)
    assert _scores(session, new)["s"].n_items == 2


def test_rescore_replaces_rows_and_audits_once(session, system, study) -> None:  # type: ignore[no-untyped-def]
    v1 = registry.register(session, system, load(_form()))
    sid = _submission(session, study, v1.id, "x", {"a": 1})
    assert score_submissions(session, [sid]) == 1
    s = _scores(session, sid)["s"]
    assert s.value is None  # stored as NULL, never 0 and never NaN
    assert assert_summary_in_step(session)[0][1:-2] == (None,) * len(score_summary.INDICATORS)
    assert s.missing_reason == "below min_answered"
    session.execute(Answer.__table__.insert(), [{"submission_id": sid, "item_id": "b", "value_num": 3}])
    before = _audit_count(session)
    assert rescore(session, system, submission_ids=[sid]) == 1
    assert _audit_count(session) == before + 1
    session.expire_all()
    s = _scores(session, sid)["s"]
    assert s.value == pytest.approx(25.0)  # (1+3)/2 = 2 -> (2-1)/4*100
    assert s.missing_reason is None
    assert session.scalar(select(func.count()).select_from(Score).where(Score.submission_id == sid)) == 1
    # the summary the dashboard reads followed the rescore: (sid, the form's indicator 25.0, 2 of 3 answered)
    indicator = session.scalar(select(Score.indicator).where(Score.submission_id == sid))
    row = {r[0]: r for r in assert_summary_in_step(session)}[sid]
    assert row[1 + score_summary.COLUMNS.index(indicator)] == pytest.approx(25.0)
    assert row[-2:] == (2, 3)


def test_rescore_needs_manage_study(session, system, study) -> None:  # type: ignore[no-untyped-def]
    manager = Viewer("tm", (Grant(study, "trial_manager"),))
    with pytest.raises(EngagementError) as err:
        rescore(session, manager, study_id=study)
    assert err.value.code == "E001"


def test_score_submissions_writes_no_audit(session, system, study) -> None:  # type: ignore[no-untyped-def]
    v1 = registry.register(session, system, load(_form()))
    sid = _submission(session, study, v1.id, "y", {"a": 5, "b": 5, "c": 1})
    before = _audit_count(session)
    assert score_submissions(session, [sid]) == 1
    assert _audit_count(session) == before
    assert _scores(session, sid)["s"].value == 100.0
