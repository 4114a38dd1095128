"""XLSForm (survey, choices, settings sheets) -> instrument mapping.

Sheet names, headers and types are read case-insensitively with pyxform's aliases; `label::lang`,
`label::Name (code)` and `label:Name` give translations; groups are flattened; select_multiple becomes
one 0/1 item per choice; repeats, loops, includes and external choice lists are refused (I362) because
an instrument item holds one answer per submission.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engagement.converters._build import Choice, InstrumentBuilder, ItemText, Value
from engagement.converters._text import as_number, language_code, plain_text, slug, version_text
from engagement.converters.xlsform_sheets import Sheet, read_sheets

ALIASES = {
    "list name": "list_name",
    "relevance": "relevant",
    "bind:relevant": "relevant",
    "bind:constraint": "constraint",
    "bind:jr:constraintmsg": "constraint_message",
    "bind:required": "required",
    "bind:jr:requiredmsg": "required_message",
    "requiredmsg": "required_message",
    "bind:readonly": "read_only",
    "readonly": "read_only",
    "control:appearance": "appearance",
    "calculate": "calculation",
    "bind:calculate": "calculation",
    "jr:count": "repeat_count",
    "control:jr:count": "repeat_count",
    "caption": "label",
}
TRANSLATABLE = {"label", "hint", "constraint_message", "required_message", "guidance_hint"}
# The instrument format has choice, text and number items: dates and times are kept as text.
TEXT = {"text", "string", "phone number", "date", "datetime", "time"}
NUMBER = {"integer", "int", "decimal", "range"}
NOT_ANSWERS = {
    "note": "note",
    "trigger": "acknowledge",
    "acknowledge": "acknowledge",
    "calculate": "calculation",
    "hidden": "hidden value",
}
METADATA = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "imei",
    "uri:deviceid",
    "uri:email",
    "uri:phonenumber",
    "uri:simserial",
    "uri:subscriberid",
    "uri:username",
}
SELECT = re.compile(
    r"^(?P<kind>select_one|select1|select one from|select one|select_multiple|select all that apply from|"
    r"select all that apply|select multiple from|select_one_external|select_multiple_external|"
    r"select_one_from_file|select_multiple_from_file|begin loop over|begin_loop over|begin_loop|rank|osm)"
    r"\s+(?P<list>\S+?)(?P<other>\s+(or_other|or specify other))?$",
    re.I,
)
SINGLE = {"select_one", "select1", "select one from", "select one"}
MULTI = {"select_multiple", "select all that apply from", "select all that apply", "select multiple from"}
YES = {"yes", "true", "true()", "1"}

Record = tuple[int, dict[tuple[str, str | None], str]]


@dataclass
class Table:
    sheet: Sheet
    records: list[Record]


def convert_xlsform(
    path: Path,
    *,
    instrument_id: str | None = None,
    version: str | None = None,
    missing: Iterable[Value] = (),
) -> InstrumentBuilder:
    b = InstrumentBuilder(path.name, missing)
    sheets = read_sheets(path, b)
    if sheets is None:
        return b
    if "survey" not in sheets:
        b.error("I360", f"sheets found: {[s.name for s in sheets.values()]}")
        return b
    tables = {k: _table(b, s) for k, s in sheets.items() if k in ("survey", "choices", "settings")}
    if b.errors:
        return b
    settings = tables["settings"].records[0][1] if "settings" in tables and tables["settings"].records else {}
    langs = Languages(b, tables, settings.get(("default_language", None), ""))
    b.id = slug(instrument_id or settings.get(("form_id", None)) or path.stem)
    b.title = settings.get(("form_title", None)) or path.stem.replace("_", " ").capitalize()
    b.version = version or version_text(settings.get(("version", None), ""))
    b.language = langs.main or ""
    b.description = f"Converted from the XLSForm {path.name}."
    Survey(b, tables["survey"], ChoiceLists(b, tables.get("choices"), langs), langs).run()
    return b


# --------------------------------------------------------------------------------- sheets -> tables
def _column_key(header: str) -> tuple[str, str | None]:
    h = " ".join(header.split())
    low = h.lower()
    if low in ALIASES:
        return ALIASES[low], None
    for sep in ("::", ":"):
        if sep in h:
            base, lang = h.split(sep, 1)
            base = ALIASES.get(base.strip().lower(), base.strip().lower())
            if base in TRANSLATABLE:
                return base, lang.strip()
            return low, None
    return low, None


def _table(b: InstrumentBuilder, sheet: Sheet) -> Table:
    if not sheet.rows:
        return Table(sheet, [])
    header_row, header = sheet.rows[0]
    keys: dict[int, tuple[str, str | None]] = {}
    seen: dict[tuple[str, str | None], int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        base, lang = _column_key(name)
        key = (base, language_code(lang)[0] if lang else None)
        if key in seen:
            b.error(
                "I361",
                f"sheet {sheet.name!r}: header {name!r} in columns {_letter(seen[key])} and {_letter(i)}",
                row=header_row,
                column=name,
            )
        seen[key] = i
        keys[i] = key
    records = [
        (n, {keys[i]: v for i, v in enumerate(cells) if i in keys and v}) for n, cells in sheet.rows[1:]
    ]
    return Table(sheet, [r for r in records if r[1]])


def _letter(index: int) -> str:
    s, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


# --------------------------------------------------------------------------------- languages
class Languages:
    """Which label column is the main text and which are translations (by language code)."""

    def __init__(self, b: InstrumentBuilder, tables: dict[str, Table], default: str) -> None:
        names: dict[str, str] = {}
        plain_in_survey = False
        for key, table in tables.items():
            if not table.sheet.rows:
                continue
            for header in table.sheet.rows[0][1]:
                base, lang = _column_key(header) if header else ("", None)
                if base == "label" and lang is None:
                    plain_in_survey = plain_in_survey or key == "survey"
                elif base in TRANSLATABLE and lang:
                    names.setdefault(language_code(lang)[0], lang)
        for code, name in names.items():
            if language_code(name)[1]:
                b.warn("I378", f"{name!r} -> {code!r}", column=f"label::{name}")
        self.codes = list(names)
        default_code = language_code(default)[0] if default else None
        # The main text is the default language's column, else the plain label column, else English.
        self.main: str | None
        if default_code in self.codes:
            self.main = default_code
        elif plain_in_survey or not self.codes:
            self.main = None
        else:
            self.main = "en" if "en" in self.codes else self.codes[0]

    def texts(self, record: dict[tuple[str, str | None], str], base: str) -> tuple[str, dict[str, str]]:
        main = record.get((base, self.main), "") or record.get((base, None), "")
        others = {
            c: plain_text(record[(base, c)]) for c in self.codes if c != self.main and record.get((base, c))
        }
        if not main and base == "label" and others:
            main = next(iter(others.values()))
        return plain_text(main), others


# --------------------------------------------------------------------------------- choices
class ChoiceLists:
    def __init__(self, b: InstrumentBuilder, table: Table | None, langs: Languages) -> None:
        self.b, self.langs = b, langs
        self.sheet = table.sheet.name if table else "choices"
        self.rows: dict[str, list[Record]] = {}
        for record in table.records if table else []:
            name = record[1].get(("list_name", None), "")
            if name:
                self.rows.setdefault(name, []).append(record)
        self._done: dict[str, list[Choice]] = {}

    def find(self, name: str) -> str | None:
        if name in self.rows:
            return name
        return next((n for n in self.rows if n.lower() == name.lower()), None)

    def choices(self, name: str) -> list[Choice]:
        if name not in self._done:
            self._done[name] = self._build(name)
        return self._done[name]

    def _build(self, name: str) -> list[Choice]:
        out: list[Choice] = []
        for row_no, rec in self.rows[name]:
            code = rec.get(("name", None)) or rec.get(("value", None), "")
            label, labels = self.langs.texts(rec, "label")
            where = {"row": row_no, "column": "name", "item": f"{self.sheet}:{name}"}
            if not label:
                self.b.warn("I375", f"choice {code!r} in list {name!r}", **where)
                label = code
            same = next((c for c in out if c.code == code), None)
            if same is not None and same.label == label:
                self.b.warn("I376", f"choice {code!r} repeated in list {name!r}", **where)
                continue
            out.append(Choice(code, label, labels))
        return out


# --------------------------------------------------------------------------------- survey rows
class Survey:
    def __init__(self, b: InstrumentBuilder, table: Table, lists: ChoiceLists, langs: Languages) -> None:
        self.b, self.table, self.lists, self.langs = b, table, lists, langs
        self.depth = 0
        self.conditional: list[str] = []

    def run(self) -> None:
        for row_no, rec in self.table.records:
            self.row(row_no, rec)
        if self.depth:
            self.b.warn("I365", f"{self.depth} begin group without end group", item=self.table.sheet.name)
        if self.conditional:
            self.b.warn(
                "I370", f"relevant on {len(self.conditional)} questions: {', '.join(self.conditional)}"
            )

    def where(self, row_no: int, name: str = "") -> dict[str, Any]:
        return {"row": row_no, "column": "type", "item": name or None, "value": None}

    def row(self, row_no: int, rec: dict[tuple[str, str | None], str]) -> None:
        raw_type = " ".join(rec.get(("type", None), "").split())
        kind = raw_type.lower()
        name = rec.get(("name", None), "")
        where = {"row": row_no, "item": name or None}
        if not kind or kind in ("end group", "end_group", "end repeat", "end_repeat", "end loop", "end_loop"):
            self.depth -= kind in ("end group", "end_group")
            if self.depth < 0:
                self.b.warn(
                    "I365", f"sheet {self.table.sheet.name!r}: end group without begin group", **where
                )
                self.depth = 0
            return
        if kind in ("begin group", "begin_group"):
            self.depth += 1
            return
        if kind in ("begin repeat", "begin_repeat", "include"):
            self._refuse(raw_type, where)
            return
        if kind in NOT_ANSWERS or kind in METADATA:
            self.b.warn("I355", f"sheet {self.table.sheet.name!r}: type {raw_type!r}", **where)
            return
        if rec.get(("read_only", None), "").lower() in YES:
            self.b.warn("I355", f"sheet {self.table.sheet.name!r}: read-only {raw_type!r} question", **where)
            return
        if not name:
            self.b.error(
                "I364", f"sheet {self.table.sheet.name!r}: type {raw_type!r}", row=row_no, column="name"
            )
            return
        if self.question(raw_type, kind, name, rec, where) and rec.get(("relevant", None)):
            self.conditional.append(name)

    def _refuse(self, raw_type: str, where: dict[str, Any]) -> None:
        self.b.error("I362", f"sheet {self.table.sheet.name!r}: type {raw_type!r}", column="type", **where)

    def question(
        self,
        raw_type: str,
        kind: str,
        name: str,
        rec: dict[tuple[str, str | None], str],
        where: dict[str, Any],
    ) -> bool:
        label, labels = self.langs.texts(rec, "label")
        hint, hints = self.langs.texts(rec, "hint")
        if not label:
            self.b.warn("I372", "empty label; the name is used", **where)
            label = name
        text = ItemText(label, hint, labels, hints)
        required = rec.get(("required", None), "").lower() in YES
        m = SELECT.match(raw_type)
        if m:
            return self.select(m, name, text, required, where)
        if kind in TEXT | NUMBER:
            scale = self.range_scale(name, rec) if kind == "range" else None
            self.b.item(
                name, text, "text" if kind in TEXT else "number", scale=scale, required=required, where=where
            )
            return True
        self.b.warn("I359", f"sheet {self.table.sheet.name!r}: type {raw_type!r}", **where)
        return False

    def range_scale(self, name: str, rec: dict[tuple[str, str | None], str]) -> str | None:
        """XLSForm range questions: parameters 'start=1 end=10 step=1' (defaults 1, 10, 1)."""
        params = dict(
            p.split("=", 1) for p in rec.get(("parameters", None), "").replace(";", " ").split() if "=" in p
        )
        low, high, step = (as_number(params.get(k, d)) for k, d in (("start", 1), ("end", 10), ("step", 1)))
        if low is None or high is None or step is None or low >= high or step <= 0:
            return None
        return self.b.range_scale(f"{name}_range", low, high, step)

    def select(
        self, m: re.Match[str], name: str, text: ItemText, required: bool, where: dict[str, Any]
    ) -> bool:
        kind = " ".join(m["kind"].lower().split())
        if kind not in SINGLE | MULTI:
            if kind in ("rank", "osm"):
                self.b.warn("I359", f"type {m.string!r}", **where)
            else:
                self._refuse(m.string, where)
            return False
        list_name = self.lists.find(m["list"])
        if list_name is None:
            self.b.error(
                "I363",
                f"list {m['list']!r} (sheet {self.lists.sheet!r} has {sorted(self.lists.rows)})",
                column="type",
                **where,
            )
            return False
        choices = list(self.lists.choices(list_name))
        if m["other"]:
            choices.append(Choice("other", "Other"))
        if kind in MULTI:
            self.b.multi_select(name, text, choices, required=required, where=where)
        else:
            scale = self.b.scale(list_name, choices, where)
            if scale is None:
                return False
            self.b.item(name, text, "choice", scale=scale, required=required, where=where)
        if m["other"]:
            self.b.item(f"{name}_other", ItemText(f"{text.text}: other, please specify"), "text", where=where)
            self.b.warn("I373", f"{name!r}: text item {name}_other", **where)
        return True
