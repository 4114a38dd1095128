"""REDCap data dictionary -> instrument mapping.

Reads both column dialects (UI download 'Variable / Field Name', ... and API metadata field_name, ...),
as CSV or as API JSON. Decisions (docs/converters.md):
- all forms become one instrument unless `form` picks one;
- checkbox fields become one 0/1 item per choice named like REDCap's export columns (field___code);
- non-numeric choice codes become values 1..n in listed order and keep their code;
- descriptive, calc, sql, file/signature, the record-id field and identifier fields are skipped with I355.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engagement.converters._build import Choice, InstrumentBuilder, ItemText, Value
from engagement.converters._sources import read_text
from engagement.converters._text import as_number, plain_text, slug

UI_COLUMNS = {
    "variable / field name": "field_name",
    "form name": "form_name",
    "section header": "section_header",
    "field type": "field_type",
    "field label": "field_label",
    "choices, calculations, or slider labels": "select_choices_or_calculations",
    "field note": "field_note",
    "text validation type or show slider number": "text_validation_type_or_show_slider_number",
    "text validation min": "text_validation_min",
    "text validation max": "text_validation_max",
    "identifier?": "identifier",
    "branching logic (show field only if...)": "branching_logic",
    "required field?": "required_field",
    "custom alignment": "custom_alignment",
    "question number (surveys only)": "question_number",
    "matrix group name": "matrix_group_name",
    "matrix ranking?": "matrix_ranking",
    "field annotation": "field_annotation",
}
REQUIRED = ("field_name", "form_name", "field_type", "field_label")
NOT_ANSWERS = {
    "descriptive": "descriptive text",
    "calc": "calculated field",
    "sql": "dynamic SQL field",
    "file": "file upload",
}
NUMBER_VALIDATIONS = ("integer", "number", "float")


def convert_redcap(
    path: Path,
    *,
    form: str | None = None,
    instrument_id: str | None = None,
    include_identifiers: bool = False,
    version: str | None = None,
    missing: Iterable[Value] = (),
) -> InstrumentBuilder:
    b = InstrumentBuilder(path.name, missing)
    rows = _read_rows(path, b)
    forms = list(dict.fromkeys(r["form_name"] for _, r in rows))
    if form is not None and form not in forms:
        b.error("I353", f"form {form!r} not in {forms}", value=form)
        return b
    name = form or _project_name(path)
    b.id, b.title = slug(instrument_id or name), _title(name)
    b.version = version or "1.0.0"
    b.description = (
        f"Converted from the REDCap data dictionary {path.name} "
        f"(form{'s' if form is None and len(forms) > 1 else ''}: {form or ', '.join(forms)})."
    )
    record_id = rows[0][1]["field_name"] if rows else ""
    conditional = []
    for row_no, row in rows:
        if form is not None and row["form_name"] != form:
            continue
        where = {"row": row_no, "item": row["field_name"]}
        if row["field_name"] == record_id:
            b.warn("I355", "record-id field (the first field of the dictionary)", **where)
            continue
        if row.get("identifier", "").lower() == "y" and not include_identifiers:
            b.warn("I355", "identifier field: the pipeline keeps no personal details in answers", **where)
            continue
        if _field(b, row, where) and row.get("branching_logic"):
            conditional.append(row["field_name"])
    if conditional:
        b.warn("I370", f"branching logic on {len(conditional)} fields: {', '.join(conditional)}")
    return b


def _project_name(path: Path) -> str:
    generic = {"dictionary", "dictionay", "metadata", "datadictionary", "data_dictionary"}
    return path.parent.name if path.stem.lower() in generic and path.parent.name else path.stem


def _title(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


def _read_rows(path: Path, b: InstrumentBuilder) -> list[tuple[int, dict[str, str]]]:
    text = read_text(path, b)
    if text is None:
        return []
    records = _json_records(text, b) if text.lstrip().startswith("[") else _csv_records(text)
    if records is None:
        return []
    rows = [(n, {_column(k): _cell(v) for k, v in r.items() if k is not None}) for n, r in records]
    columns = set(rows[0][1]) if rows else set()
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        b.error("I352", f"missing columns {missing}; found {sorted(columns) or 'no rows'}", column=missing[0])
        return []
    return [(n, r) for n, r in rows if r["field_name"]]


def _json_records(text: str, b: InstrumentBuilder) -> list[tuple[int, dict[str, Any]]] | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        b.error("I350", f"not valid JSON: {exc}")
        return None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        b.error("I352", "API JSON metadata is a list of objects, one per field")
        return None
    return [(i + 1, r) for i, r in enumerate(data)]  # row = position in the JSON list


def _csv_records(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    return [(i + 2, r) for i, r in enumerate(reader)]  # header is row 1


def _column(name: str) -> str:
    key = " ".join(name.strip().lower().split())
    return UI_COLUMNS.get(key, key)


def _cell(value: Any) -> str:
    s = "" if value is None else str(value).strip()
    return "" if s == "NA" else s  # R writes missing metadata as the literal NA


def _field(b: InstrumentBuilder, row: dict[str, str], where: dict[str, Any]) -> bool:
    kind = row["field_type"].lower()
    validation = row.get("text_validation_type_or_show_slider_number", "").lower()
    if kind in NOT_ANSWERS or validation == "signature":
        b.warn("I355", NOT_ANSWERS.get(kind, "signature"), **where)
        return False
    text = ItemText(
        plain_text(row["field_label"]) or _fallback(b, row, where), plain_text(row.get("field_note", ""))
    )
    required = row.get("required_field", "").lower() == "y"
    name = row["field_name"]
    if kind in ("radio", "dropdown"):
        choices = _choices(b, row, where)
        scale = b.scale(name, choices, where) if choices else None
        if scale:
            b.item(name, text, "choice", scale=scale, required=required, where=where)
    elif kind == "checkbox":
        choices = _choices(b, row, where)
        if choices:
            b.multi_select(name, text, choices, required=required, where=where)
    elif kind in ("yesno", "truefalse"):
        b.item(name, text, "choice", scale=b.binary_scale(kind), required=required, where=where)
    elif kind == "slider":
        low, high = _bound(row, "min", 0), _bound(row, "max", 100)
        scale = b.range_scale(f"{name}_slider", low, high) if low < high else None
        b.item(
            name, _slider_text(text, row, low, high), "number", scale=scale, required=required, where=where
        )
    elif kind in ("text", "notes"):
        item_type = _text_type(kind, validation)
        low, high = _bound(row, "min", None), _bound(row, "max", None)
        scale = (
            b.range_scale(f"{name}_range", low, high, _step(validation))
            if item_type == "number" and low is not None and high is not None and low < high
            else None
        )
        b.item(name, text, item_type, scale=scale, required=required, where=where)
    else:
        b.warn("I359", f"field type {kind!r}", **where)
        return False
    return True


def _fallback(b: InstrumentBuilder, row: dict[str, str], where: dict[str, Any]) -> str:
    b.warn("I372", "empty field label; the field name is used", **where)
    return row["field_name"]


def _text_type(kind: str, validation: str) -> str:
    """Numbers stay numbers; dates, e-mails, phones ... are text (the format has no date type)."""
    return "number" if kind == "text" and validation.startswith(NUMBER_VALIDATIONS) else "text"


def _step(validation: str) -> Value:
    """integer -> 1, number_2dp -> 0.01, other numbers -> 0.01 (validation only checks min and max)."""
    if validation == "integer":
        return 1
    digits = next((int(ch) for ch in validation if ch.isdigit()), 2)
    return round(10**-digits, digits)


def _bound(row: dict[str, str], which: str, default: Value | None) -> Any:
    value = as_number(row.get(f"text_validation_{which}", ""))
    return default if value is None else value


def _slider_text(text: ItemText, row: dict[str, str], low: Value, high: Value) -> ItemText:
    """Sliders hold a number (0-100 unless min/max say otherwise); their 1-3 labels are anchors."""
    anchors = [plain_text(a) for a in row.get("select_choices_or_calculations", "").split("|")]
    if len(anchors) == 3:
        marks = [f"{low} = {anchors[0]}", f"middle = {anchors[1]}", f"{high} = {anchors[2]}"]
    elif len(anchors) == 2:
        marks = [f"{low} = {anchors[0]}", f"{high} = {anchors[1]}"]
    else:
        marks = [f"{low} to {high}"]
    help_text = "Slider: " + "; ".join(m for m in marks if not m.endswith("= "))
    return ItemText(text.text, " ".join(p for p in (text.help, help_text) if p))


def _choices(b: InstrumentBuilder, row: dict[str, str], where: dict[str, Any]) -> list[Choice]:
    """'code, label | code, label': split on '|', then on the FIRST comma (labels may hold commas)."""
    raw = row.get("select_choices_or_calculations", "")
    choices = []
    for part in (p.strip() for p in raw.split("|")):
        if not part:
            continue
        code, sep, label = part.partition(",")
        if not sep or not code.strip():
            b.error(
                "I356", f"choice {part!r} has no 'code, label' form", column="choices", value=raw, **where
            )
            return []
        label = plain_text(label)
        if not label:
            b.warn("I375", f"choice {code.strip()!r}", **where)
        choices.append(Choice(code.strip(), label or code.strip()))
    if not choices:
        b.error("I356", "no choices listed", column="choices", **where)
    return choices
