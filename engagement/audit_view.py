"""Read access to the audit trail for admins (the trail itself lives in engagement.audit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engagement import audit
from engagement.permissions import Action, Viewer


def recent_events(session: Session, viewer: Viewer, study_id: str, entity: str | None = None,
                  limit: int = 200) -> list[dict[str, Any]]:
    viewer.require(Action.view_audit, study_id)
    return [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
             "entity_id": e.entity_id, "old": e.old_value, "new": e.new_value, "reason": e.reason}
            for e in audit.history(session, entity=entity, limit=limit)]


def verify_chain(session: Session, viewer: Viewer, study_id: str) -> audit.VerifyResult:
    viewer.require(Action.view_audit, study_id)
    return audit.verify(session)
