"""The audit trail: every service write records who, when, what, old and new values, in the same transaction.

Rows are append-only and hash-chained: row_hash = sha256(prev_hash + canonical content). Altering a row
breaks its own hash; removing or reordering rows breaks the next row's link. Writers are serialised
(SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock) so the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engagement.errors import Problem
from engagement.models import AuditEvent
from engagement.types import canonical_json, utcnow

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 727_001  # arbitrary constant naming "the audit chain" for pg_advisory_xact_lock


def _content_hash(prev_hash: str, at: dt.datetime, actor: str, action: str, entity: str,
                  entity_id: str, old: Any, new: Any, reason: str | None) -> str:
    at_utc = at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    payload = canonical_json([at_utc, actor, action, entity, entity_id, old, new, reason])
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _normalise(value: Any) -> Any:
    """What JSONText will give back on load, so the hash computed now matches the one verified later."""
    import json

    return None if value is None else json.loads(canonical_json(value))


def record(session: Session, actor: str, action: str, entity: str, entity_id: object,
           old: Any = None, new: Any = None, reason: str | None = None) -> AuditEvent:
    """Append one audit event inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    session.flush()  # earlier events of this transaction must be visible to the head lookup
    prev = session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = prev or GENESIS
    at = utcnow()
    old_n, new_n = _normalise(old), _normalise(new)
    event = AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                       old_value=old_n, new_value=new_n, reason=reason, prev_hash=prev_hash,
                       row_hash=_content_hash(prev_hash, at, actor, action, entity, str(entity_id),
                                              old_n, new_n, reason))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    rows_checked: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first row whose hash or link does not hold."""
    prev_hash, checked, last_id = GENESIS, 0, 0
    while True:
        # Plain rows, not ORM objects: verification must not touch the caller's identity map.
        rows = session.execute(select(*AuditEvent.__table__.c).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return VerifyResult(checked, None)
        for ev in rows:
            if ev.prev_hash != prev_hash:
                return VerifyResult(checked, Problem(
                    "A201", f"row {ev.id} links to {ev.prev_hash[:12]}…, but the row before it "
                    f"hashes to {prev_hash[:12]}…; rows before id {ev.id} were removed or reordered",
                    item=f"audit_events.id={ev.id}"))
            expected = _content_hash(ev.prev_hash, ev.at, ev.actor, ev.action, ev.entity,
                                     ev.entity_id, ev.old_value, ev.new_value, ev.reason)
            if ev.row_hash != expected:
                return VerifyResult(checked, Problem(
                    "A200", f"row {ev.id} ({ev.action} {ev.entity} {ev.entity_id}) was changed after "
                    "it was written", item=f"audit_events.id={ev.id}"))
            prev_hash, last_id, checked = ev.row_hash, ev.id, checked + 1


def history(session: Session, entity: str | None = None, entity_id: str | None = None,
            limit: int = 200) -> list[AuditEvent]:
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity:
        q = q.where(AuditEvent.entity == entity)
    if entity_id is not None:
        q = q.where(AuditEvent.entity_id == str(entity_id))
    return list(session.scalars(q))
