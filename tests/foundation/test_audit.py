"""The audit trail is append-only and hash-chained; verify names the first bad row."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from engagement import audit
from engagement.models import AuditEvent


def _three_events(session):
    return [audit.record(session, "alice", "update", "participant", f"T/P{i}", {"status": "active"},
                         {"status": "withdrawn"}, reason=f"call {i}") for i in range(3)]


def test_events_chain_and_verify(session):
    events = _three_events(session)
    assert events[1].prev_hash == events[0].row_hash
    assert events[2].prev_hash == events[1].row_hash
    result = audit.verify(session)
    assert result.ok
    assert result.rows_checked >= 3
    assert events[0].at.tzinfo is not None


def test_database_refuses_update_and_delete(session):
    ev = _three_events(session)[0]
    with pytest.raises(DBAPIError, match="A202"), session.begin_nested():
        session.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = :i"), {"i": ev.id})
    with pytest.raises(DBAPIError, match="A202"), session.begin_nested():
        session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ev.id})


def _drop_guard(session):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_events_no_update ON audit_events"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_verify_catches_an_altered_row(session):
    events = _three_events(session)
    _drop_guard(session)
    session.execute(text("UPDATE audit_events SET new_value = :v WHERE id = :i"),
                    {"v": '{"status":"active"}', "i": events[1].id})
    session.expire_all()
    result = audit.verify(session)
    assert result.problem is not None
    assert result.problem.code == "A200"
    assert result.problem.item == f"audit_events.id={events[1].id}"


def test_verify_catches_a_removed_row(session):
    events = _three_events(session)
    _drop_guard(session)
    session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": events[1].id})
    result = audit.verify(session)
    assert result.problem is not None
    assert result.problem.code == "A201"
    assert result.problem.item == f"audit_events.id={events[2].id}"


def test_history_filters_by_entity(session):
    _three_events(session)
    audit.record(session, "bob", "create", "site", "T/S1", None, {"name": "x"})
    rows = audit.history(session, entity="participant")
    assert {r.entity for r in rows} == {"participant"}
    assert session.scalar(select(AuditEvent.actor).where(AuditEvent.entity == "site")) == "bob"
