"""Create, edit, reorder, submit, approve and send back lay summaries; every write audited.

Statuses: draft -> in_review -> approved (or back to draft). An approved version never changes: editing
it makes a new draft version with the edited content. At most one open (draft or in_review) version per
study. Approval needs all ten Annex V elements (L701, no override); a failing plain-language gate blocks
submit and approve unless a written override reason is given, which is stored on the version and audited.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import EngagementError, Problem, fail
from engagement.lay_summary import annex, gate, prefill
from engagement.models import LaySummary, Study
from engagement.permissions import Action, Viewer
from engagement.types import utcnow

ENTITY = "lay_summary"
OPEN = ("draft", "in_review")
MIN_REASON = 10


# ------------------------------------------------------------------------------------------- reads


def _study(session: Session, study_id: str) -> Study:
    study = session.get(Study, study_id)
    if study is None:
        raise fail("E002", f"no study {study_id!r}", item=study_id)
    return study


def versions(session: Session, viewer: Viewer, study_id: str) -> list[LaySummary]:
    viewer.require(Action.edit_lay_summary, study_id)
    return list(session.scalars(select(LaySummary).where(LaySummary.study_id == study_id)
                                .order_by(LaySummary.version_no)))


def latest(session: Session, viewer: Viewer, study_id: str) -> LaySummary | None:
    viewer.require(Action.edit_lay_summary, study_id)
    return _latest(session, study_id)


def _latest(session: Session, study_id: str, status: str | None = None) -> LaySummary | None:
    q = select(LaySummary).where(LaySummary.study_id == study_id)
    if status:
        q = q.where(LaySummary.status == status)
    return session.scalar(q.order_by(LaySummary.version_no.desc()).limit(1))


def latest_approved(session: Session, viewer: Viewer, study_id: str) -> LaySummary:
    """The published version. Approved summaries are public, so any viewer of the study may read them."""
    viewer.require(Action.view_aggregates, study_id)
    found = _latest(session, study_id, "approved")
    if found is None:
        raise fail("L707", f"study {study_id} has no approved lay summary", item=study_id)
    return found


def get(session: Session, viewer: Viewer, summary_id: int) -> LaySummary:
    found = session.get(LaySummary, summary_id)
    if found is None:
        raise fail("E002", f"no lay summary with id {summary_id}", item=str(summary_id))
    viewer.require(Action.edit_lay_summary, found.study_id)
    return found


def gate_report(session: Session, viewer: Viewer, summary_id: int,
                targets: gate.Targets | None = None) -> gate.GateReport:
    summary = get(session, viewer, summary_id)
    return gate.check(summary.content, targets, summary.language)


# ------------------------------------------------------------------------------------------ writes


def _snapshot(s: LaySummary) -> dict[str, Any]:
    return {"version_no": s.version_no, "status": s.status, "content": s.content}


def _normalise(content: dict[str, Any]) -> dict[str, Any]:
    """Checked, canonical content: known sections in order, a valid table, registry ids as a list."""
    out = copy.deepcopy(content)
    out["sections"] = annex.sections(content)
    out["adverse_reactions"] = annex.adverse_reactions(content)
    ids = content.get("registry_ids") or []
    out["registry_ids"] = [str(i).strip() for i in ids if str(i).strip()]
    out["title"] = str(content.get("title") or "")
    return out


def create_draft(session: Session, viewer: Viewer, study_id: str, *,
                 content: dict[str, Any] | None = None, language: str = "en") -> LaySummary:
    """A new draft: from `content`, else a copy of the latest approved version, else prefilled."""
    viewer.require(Action.edit_lay_summary, study_id)
    study = _study(session, study_id)
    current = _latest(session, study_id)
    if current is not None and current.status in OPEN:
        raise fail("L704", f"version {current.version_no} of study {study_id} is {current.status}",
                   item=str(current.id))
    if content is None:
        content = current.content if current else prefill.prefill(session, study)
    return _new_version(session, viewer, study_id, content=_normalise(content), language=language,
                        version_no=(current.version_no if current else 0) + 1, source=None)


def _new_version(session: Session, viewer: Viewer, study_id: str, *, content: dict[str, Any],
                 language: str, version_no: int, source: LaySummary | None) -> LaySummary:
    summary = LaySummary(study_id=study_id, version_no=version_no, status="draft", language=language,
                         content=content, created_by=viewer.username, created_at=utcnow())
    session.add(summary)
    session.flush()
    audit.record(session, viewer.username, "lay_summary.create", ENTITY, summary.id,
                 None if source is None else {"copied_from_version": source.version_no},
                 _snapshot(summary))
    return summary


def save_content(session: Session, viewer: Viewer, summary_id: int,
                 content: dict[str, Any]) -> LaySummary:
    """Store edited content. Editing an approved version makes a new draft; editing one in review
    returns it to draft (it must be submitted again). Returns the version that now holds the content."""
    summary = get(session, viewer, summary_id)
    content = _normalise(content)
    if summary.status == "approved":
        newest = _latest(session, summary.study_id)
        if newest is not None and newest.status in OPEN:
            raise fail("L704", f"edit version {newest.version_no} instead; it is {newest.status}",
                       item=str(newest.id))
        return _new_version(session, viewer, summary.study_id, content=content, language=summary.language,
                            version_no=(newest or summary).version_no + 1, source=summary)
    old = _snapshot(summary)
    summary.content = content
    if summary.status == "in_review":
        summary.status = "draft"
        summary.submitted_by = summary.submitted_at = None
        summary.gate_override_reason = None
    audit.record(session, viewer.username, "lay_summary.edit", ENTITY, summary.id, old, _snapshot(summary))
    return summary


def set_section(session: Session, viewer: Viewer, summary_id: int, key: str, *,
                text: str | None = None, heading: str | None = None) -> LaySummary:
    """Change one section's text or heading; adds an optional section (e.g. participants_told_us)."""
    summary = get(session, viewer, summary_id)
    if key not in annex.BY_KEY:
        raise fail("L702", f"no section {key!r}; known: {', '.join(annex.BY_KEY)}", item=key)
    content = copy.deepcopy(summary.content)
    sections = annex.sections(content)
    target = next((s for s in sections if s["key"] == key), None)
    if target is None:
        target = {"key": key, "heading": annex.BY_KEY[key].heading, "text": ""}
        sections.append(target)
    if text is not None:
        target["text"] = text
    if heading is not None:
        target["heading"] = heading.strip() or annex.BY_KEY[key].heading
    content["sections"] = sections
    return save_content(session, viewer, summary_id, content)


def remove_section(session: Session, viewer: Viewer, summary_id: int, key: str) -> LaySummary:
    """Only optional sections can be removed; the ten Annex V elements stay (L701)."""
    summary = get(session, viewer, summary_id)
    if key in annex.REQUIRED_KEYS:
        raise fail("L701", f"'{annex.BY_KEY[key].heading}' is an Annex V element and cannot be removed",
                   item=key)
    content = copy.deepcopy(summary.content)
    content["sections"] = [s for s in annex.sections(content) if s["key"] != key]
    return save_content(session, viewer, summary_id, content)


def reorder(session: Session, viewer: Viewer, summary_id: int, keys: Sequence[str]) -> LaySummary:
    summary = get(session, viewer, summary_id)
    sections = annex.sections(summary.content)
    current = [s["key"] for s in sections]
    if sorted(keys) != sorted(current):
        extra = sorted(set(keys) - set(current)) or sorted(set(current) - set(keys)) or ["(repeated)"]
        raise fail("L703", f"got {list(keys)}; expected each of {current} once", item=extra[0])
    by_key = {s["key"]: s for s in sections}
    content = copy.deepcopy(summary.content)
    content["sections"] = [by_key[k] for k in keys]
    return save_content(session, viewer, summary_id, content)


def move_section(session: Session, viewer: Viewer, summary_id: int, key: str, step: int) -> LaySummary:
    """Move one section up (step -1) or down (step +1); used by the page's arrow buttons."""
    keys = [s["key"] for s in annex.sections(get(session, viewer, summary_id).content)]
    if key not in keys:
        raise fail("L702", f"no section {key!r} in this summary", item=key)
    i = keys.index(key)
    j = min(max(i + step, 0), len(keys) - 1)
    keys.insert(j, keys.pop(i))
    return reorder(session, viewer, summary_id, keys)


def set_adverse_reactions(session: Session, viewer: Viewer, summary_id: int,
                          table: dict[str, Any]) -> LaySummary:
    summary = get(session, viewer, summary_id)
    content = copy.deepcopy(summary.content)
    content["adverse_reactions"] = table
    return save_content(session, viewer, summary_id, content)


def indicator_rows(session: Session, viewer: Viewer, study_id: str) -> list[dict[str, Any]]:
    """Study-wide indicator rows exactly as a sponsor would see them (small cells suppressed): a lay
    summary is public, so it never shows more than the most restricted viewer may see."""
    viewer.require(Action.edit_lay_summary, study_id)
    from engagement.indicators import indicator_table, sponsor_view_of

    return prefill.rows_from_indicator_table(
        indicator_table(session, sponsor_view_of(study_id), study_id, ["study"]))


def write_participants_section(session: Session, viewer: Viewer, summary_id: int,
                               rows: Sequence[Any], *, n_quotes: int = 3) -> LaySummary:
    """Fill "What did participants tell us?" from suppressed aggregate rows the caller passes in
    (engagement.indicators) and up to n_quotes consented, scrubbed quotes."""
    summary = get(session, viewer, summary_id)
    quotes = prefill.consented_quotes(session, summary.study_id, n_quotes) if n_quotes else []
    text = prefill.participants_told_us_text(rows, quotes)
    return set_section(session, viewer, summary_id, "participants_told_us", text=text)


# -------------------------------------------------------------------------------------- the review


def _require_status(summary: LaySummary, status: str, step: str) -> None:
    if summary.status != status:
        raise fail("L705", f"cannot {step} version {summary.version_no}: it is {summary.status}, "
                   f"not {status}", item=str(summary.id), value=summary.status)


def _gate_or_override(summary: LaySummary, override_reason: str | None,
                      targets: gate.Targets | None) -> gate.GateReport:
    missing = annex.missing_elements(summary.content)
    if missing:
        raise EngagementError(missing)
    report = gate.check(summary.content, targets, summary.language)
    if report.passed:
        return report
    if override_reason is None:
        head = Problem("L710", f"{len(report.findings)} problems in version {summary.version_no}",
                       item=str(summary.id))
        raise EngagementError([head, *[f.as_problem() for f in report.findings]])
    if len(override_reason.strip()) < MIN_REASON:
        raise fail("L711", f"reason {override_reason!r} is too short", item=str(summary.id))
    return report


def _gate_summary(report: gate.GateReport) -> dict[str, Any]:
    return {"passed": report.passed, "codes": report.codes(), "fk_grade": report.overall.fk_grade,
            "reading_ease": report.overall.reading_ease, "targets": report.as_dict()["targets"]}


def submit(session: Session, viewer: Viewer, summary_id: int, *, override_reason: str | None = None,
           targets: gate.Targets | None = None) -> LaySummary:
    summary = get(session, viewer, summary_id)
    _require_status(summary, "draft", "submit")
    report = _gate_or_override(summary, override_reason, targets)
    old = _snapshot(summary)
    summary.status, summary.submitted_by, summary.submitted_at = "in_review", viewer.username, utcnow()
    reason = None if report.passed else override_reason.strip()  # type: ignore[union-attr]
    summary.gate_override_reason = None if reason is None else f"submitted by {viewer.username}: {reason}"
    audit.record(session, viewer.username, "lay_summary.submit", ENTITY, summary.id,
                 {"status": old["status"]}, {"status": summary.status, "gate": _gate_summary(report)},
                 reason)
    return summary


def approve(session: Session, viewer: Viewer, summary_id: int, *, override_reason: str | None = None,
            targets: gate.Targets | None = None) -> LaySummary:
    summary = get(session, viewer, summary_id)
    viewer.require(Action.approve_lay_summary, summary.study_id)
    _require_status(summary, "in_review", "approve")
    report = _gate_or_override(summary, override_reason, targets)
    summary.status, summary.reviewed_by, summary.reviewed_at = "approved", viewer.username, utcnow()
    if not report.passed:
        note = f"approved by {viewer.username}: {override_reason.strip()}"  # type: ignore[union-attr]
        summary.gate_override_reason = "\n".join(filter(None, [summary.gate_override_reason, note]))
    audit.record(session, viewer.username, "lay_summary.approve", ENTITY, summary.id,
                 {"status": "in_review"}, {"status": "approved", "gate": _gate_summary(report)},
                 None if report.passed else override_reason)
    return summary


def send_back(session: Session, viewer: Viewer, summary_id: int, reason: str) -> LaySummary:
    """The reviewer returns a version in review to draft, saying why."""
    summary = get(session, viewer, summary_id)
    viewer.require(Action.approve_lay_summary, summary.study_id)
    _require_status(summary, "in_review", "send back")
    if len(reason.strip()) < MIN_REASON:
        raise fail("L711", f"reason {reason!r} is too short", item=str(summary.id))
    summary.status = "draft"
    summary.submitted_by = summary.submitted_at = None
    summary.gate_override_reason = None
    audit.record(session, viewer.username, "lay_summary.send_back", ENTITY, summary.id,
                 {"status": "in_review"}, {"status": "draft"}, reason.strip())
    return summary


# ---------------------------------------------------------------------- approved versions are frozen


def _refuse_change(_mapper: object, _connection: object, target: LaySummary) -> None:
    """Belt and braces: whatever code path tries it, an approved row is never updated or deleted.
    A mapper event on LaySummary only, so flushes of other tables pay nothing for it."""
    status = inspect(target).attrs.status.history
    was = (status.deleted or status.unchanged or [None])[0]
    if was == "approved":
        raise fail("L705", f"version {target.version_no} of study {target.study_id} is approved and "
                   "cannot change; edit it to make a new draft", item=str(target.id))


event.listen(LaySummary, "before_update", _refuse_change)
event.listen(LaySummary, "before_delete", _refuse_change)


def export(session: Session, viewer: Viewer, study_id: str, fmt: str, *, now: Any = None) -> bytes:
    """Same as engagement.lay_summary.export.export (kept here too: the CLI imports it from service)."""
    from engagement.lay_summary.export import export as export_latest

    return export_latest(session, viewer, study_id, fmt, now=now)
