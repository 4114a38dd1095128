"""FHIR R4 QuestionnaireResponse: one resource, a Bundle of them, or NDJSON (one resource per line).

Items nest (item.item) and answers carry children (answer.item); both are walked and answers keyed by
linkId. submission_id = "fhir:<instrument_id>:<id>" (or a hash of the resource when it has no id);
authored is the submission time; subject.reference gives the participant through the mapping.
A valueCoding is matched by code (system may be absent), then display, then its ordinalValue.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from engagement.converters._text import plain_text
from engagement.instruments.model import Instrument
from engagement.readers.frames import Collector, Plan, ReadResult
from engagement.readers.mapping import Mapping
from engagement.readers.values import convert_value
from engagement.types import canonical_json

QR = "QuestionnaireResponse"
DONE = {"completed", "amended"}
ORDINAL_URLS = ("ordinalValue", "itemWeight", "iso21090-CO-value")
TEXT_TYPES = ("valueString", "valueDate", "valueDateTime", "valueTime", "valueUri")
BATCH = 5_000


def resources(path: Path, c: Collector) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row, resource): the NDJSON line, the Bundle entry number, or 1 for a single resource."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
        rest_start = fh.tell()
        single_line = _json(first)
        more = fh.readline()
        fh.seek(rest_start)
        if isinstance(single_line, dict) and more.strip():
            yield from _ndjson(first, fh, c)
            return
        text = first + fh.read()
    if not text.strip():
        c.error("G401", "the file is empty")
        return
    doc = _json(text)
    if not isinstance(doc, dict):
        c.error("G400", "not JSON, and not NDJSON with one JSON object per line")
        return
    kind = doc.get("resourceType")
    if kind == QR:
        yield 1, doc
    elif kind == "Bundle":
        for n, entry in enumerate(doc.get("entry") or [], start=1):
            res = (entry or {}).get("resource") or {}
            if res.get("resourceType") == QR:
                yield n, res
            else:
                c.warn("G420", f"bundle entry {n} is a {res.get('resourceType')!r}; skipped", row=n)
    else:
        c.error("G420", f"resourceType is {kind!r}", value=str(kind))


def _ndjson(first: str, fh: Any, c: Collector) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, line in enumerate([first], start=1):
        yield from _line(n, line, c)
    for n, line in enumerate(fh, start=2):
        yield from _line(n, line, c)


def _line(n: int, line: str, c: Collector) -> Iterator[tuple[int, dict[str, Any]]]:
    if not line.strip():
        return
    res = _json(line)
    if not isinstance(res, dict):
        c.error("G400", "line is not one JSON object", row=n)
    elif res.get("resourceType") != QR:
        c.warn("G420", f"line holds a {res.get('resourceType')!r}; skipped", row=n)
    else:
        yield n, res


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def walk(items: list[dict[str, Any]], path: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(linkId, path, answer) for every answer, depth first, including answers nested under answers."""
    for item in items or []:
        link = str(item.get("linkId", ""))
        here = f"{path} > {link}" if path else link
        for answer in item.get("answer") or []:
            yield link, here, answer
            yield from walk(answer.get("item") or [], here)
        yield from walk(item.get("item") or [], here)


def read(path: Path, mapping: Mapping, instrument: Instrument | None, study_id: str) -> ReadResult:
    c = Collector(path.name, mapping, study_id, instrument)
    plans = {p.column: p for p in c.plans(None)}
    if c.report.errors:
        return c.result()
    seen_unmapped: set[str] = set()
    batch: list[dict[str, Any]] = []
    count = 0
    for n, res in resources(path, c):
        count += 1
        batch.extend(_answers(c, n, res, plans, seen_unmapped))
        if len(batch) >= BATCH:
            _emit(c, batch, plans)
            batch = []
    _emit(c, batch, plans)
    if count == 0 and not c.report.errors:
        c.error("G401", "no QuestionnaireResponse in the file")
    return c.result()


def _emit(c: Collector, batch: list[dict[str, Any]], plans: dict[str, Plan]) -> None:
    if not batch:
        return
    frame = pd.DataFrame(batch)
    c.emit_long(frame, frame["_key"], frame["_cell"], frame["_column"], plans)


def _answers(c: Collector, n: int, res: dict[str, Any], plans: dict[str, Plan],
             seen_unmapped: set[str]) -> list[dict[str, Any]]:
    meta = _meta(c, n, res)
    if meta is None:
        return []
    rows, done = [], set()
    for link, where, answer in walk(res.get("item") or []):
        if link == c.mapping.consent_field:
            continue
        plan = plans.get(link)
        if plan is None:
            if link not in seen_unmapped:
                seen_unmapped.add(link)
                c.warn("G413", "", row=n, column=where)
            continue
        if plan.item_id in done:
            c.error("G415", "repeated answer or repeated group", row=n, column=where, item=plan.item_id)
            continue
        cell = _cell(c, n, where, plan, answer)
        if cell is not None:
            done.add(plan.item_id)
            rows.append({**meta, "_key": link, "_cell": cell, "_column": where})
    if not rows:
        c.warn("G418", "", row=n, value=meta["submission_id"])
    return rows


def _meta(c: Collector, n: int, res: dict[str, Any]) -> dict[str, Any] | None:
    rid = str(res.get("id") or "")
    ident = rid or "sha256-" + hashlib.sha256(canonical_json(res).encode()).hexdigest()[:24]
    sid = f"fhir:{c.mapping.instrument_id}:{ident}"
    if not c.first_time(sid, n):
        return None
    status = str(res.get("status") or "")
    if status == "entered-in-error":
        c.warn("G429", "", row=n, column="status", value=status)
        return None
    if status not in DONE and not c.incomplete(n, "status", status, f"status {status!r}"):
        return None
    authored = str(res.get("authored") or "")
    when = c.time(authored, n, "authored") if authored else c.default_time(n, "authored")
    questionnaire = str(res.get("questionnaire") or "")
    keys = [questionnaire, questionnaire.split("|", maxsplit=1)[0]] if questionnaire else []
    return {"submission_id": sid, "participant_id": _participant(c, n, res),
            "timepoint_id": c.timepoint(keys, n, "questionnaire", questionnaire),
            "submitted_at": when, "source_row": n, "may_quote": _consent(c, res)}


def _participant(c: Collector, n: int, res: dict[str, Any]) -> str:
    ref = str(((res.get("subject") or {}).get("reference")) or "")
    if not ref or c.mapping.anonymous:
        return ""
    short = ref.rstrip("/").split("/")[-1].lstrip("#")
    lookup = c.mapping.participant_lookup
    if lookup and ref in lookup:
        return lookup[ref]
    return c.participant(short, n, "subject.reference")


def _consent(c: Collector, res: dict[str, Any]) -> str:
    field = c.mapping.consent_field
    if not field:
        return "false"
    for link, _, answer in walk(res.get("item") or []):
        if link == field:
            return c.may_quote(_scalar(answer))
    return "false"


def _scalar(answer: dict[str, Any]) -> str:
    for key, value in answer.items():
        if key == "valueBoolean":
            return "true" if value else "false"
        if key == "valueCoding":
            return str(value.get("code", ""))
        if key.startswith("value") and not isinstance(value, dict | list):
            return str(value)
    return ""


def _cell(c: Collector, n: int, where: str, plan: Plan,  # noqa: PLR0911 - one return per FHIR type
          answer: dict[str, Any]) -> str | None:
    kind, value = next(((k, v) for k, v in answer.items() if k.startswith("value")), (None, None))
    if kind is None:
        return None
    if plan.kind == "text":
        if kind in TEXT_TYPES or kind in ("valueInteger", "valueDecimal"):
            return str(value)
        if kind == "valueCoding":
            return str(value.get("display") or value.get("code") or "")
    elif kind == "valueCoding":
        return _coding(value, plan)
    elif kind in ("valueInteger", "valueDecimal", "valueString"):
        return plain_text(value) if kind == "valueString" else repr(value)
    elif kind == "valueBoolean":
        return "1" if value else "0"
    elif kind == "valueQuantity" and isinstance(value, dict) and "value" in value:
        return repr(value["value"])
    c.error("G417", f"{kind} for a {plan.kind} item", row=n, column=where, item=plan.item_id,
            value=json.dumps(value)[:80])
    return None


def _coding(coding: dict[str, Any], plan: Plan) -> str:
    """The first of code, display and ordinalValue that the item accepts; else the code (-> G405)."""
    code = str(coding.get("code", ""))
    candidates = [code, str(coding.get("display", ""))]
    candidates += [str(e.get("valueDecimal", e.get("valueInteger", "")))
                   for e in coding.get("extension") or [] if str(e.get("url", "")).endswith(ORDINAL_URLS)]
    for cand in candidates:
        if cand and convert_value(cand, plan.view, plan.recode).code is None:
            return cand  # converted again (with the recode) when the answer is emitted
    return code


def source_fields(path: Path) -> tuple[list[tuple[str, str]], dict[str, object]]:
    """linkIds answered in the file (first 1,000 resources) with their texts."""
    c = Collector(path.name, Mapping(instrument_id="-", instrument_version="-"), "-")
    fields: dict[str, str] = {}
    for i, (_, res) in enumerate(resources(path, c)):
        if i >= 1000:
            break
        _texts(res.get("item") or [], fields)
    return list(fields.items()), {}


def _texts(items: list[dict[str, Any]], out: dict[str, str]) -> None:
    for item in items:
        if item.get("answer"):
            out.setdefault(str(item.get("linkId", "")), plain_text(item.get("text", "")))
        for answer in item.get("answer") or []:
            _texts(answer.get("item") or [], out)
        _texts(item.get("item") or [], out)


def suggest_recodes(path: Path, fields: dict[str, str],
                    instrument: Instrument) -> dict[str, dict[str, str]]:
    """code -> value for each coding in the file known only through its display or ordinalValue, so
    the saved mapping still works for files that carry the bare code."""
    from engagement.readers.values import item_views

    views = item_views(instrument)
    c = Collector(path.name, Mapping(instrument_id="-", instrument_version="-"), "-")
    out: dict[str, dict[str, str]] = {}
    for i, (_, res) in enumerate(resources(path, c)):
        if i >= 1000:
            break
        for link, _, answer in walk(res.get("item") or []):
            coding = answer.get("valueCoding")
            view = views.get(fields.get(link, ""))
            if not coding or view is None or view.kind != "choice" or not coding.get("code"):
                continue
            code = str(coding["code"])
            plan = Plan(link, view.id, "choice", view)
            if convert_value(code, view, None).code is None:
                continue  # the bare code already works
            chosen = convert_value(_coding(coding, plan), view, None)
            if chosen.code is None and chosen.value is not None:
                out.setdefault(link, {})[code] = chosen.value
    return out
