"""The ten elements of Annex V of EU Regulation 536/2014, as lay questions, and the shape of `content`.

content = {
  "sections": [{"key": str, "heading": str, "text": str}, ...],   # display order
  "adverse_reactions": {"arms": [{"name": str, "n": int}], "rows": [{"term": str, "counts": {arm: int}}]},
  "registry_ids": [str, ...],
  "title": str,                                                    # the study title shown on exports
}
Keys are stable: headings may be reworded and sections reordered without losing which element is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engagement.errors import Problem, fail


@dataclass(frozen=True)
class Element:
    key: str
    heading: str  # the default lay question
    annex: str    # what Annex V asks for, for the editor's guidance
    required: bool = True


ELEMENTS: tuple[Element, ...] = (
    Element("identification", "What is the name of this study?",
            "Trial identification: title, protocol number, EU trial number and other identifiers"),
    Element("sponsor", "Who ran and paid for this study?",
            "Name and contact details of the sponsor"),
    Element("background", "Why, where and when was this study done?",
            "Where and when the trial was done, its main objectives and why it was done"),
    Element("population", "Who took part in this study?",
            "Number of participants, by age group and sex; who could and could not join"),
    Element("medicines", "What medicines were studied?",
            "The medicines (investigational medicinal products) used"),
    Element("adverse_reactions", "What side effects did people have?",
            "Adverse reactions and how often they happened"),
    Element("results", "What were the results?", "Overall results of the trial"),
    Element("meaning", "What do the results mean?", "Comments on the outcome of the trial"),
    Element("follow_up", "Are more studies planned?", "Whether follow-up trials are foreseen"),
    Element("more_information", "Where can I find more information?",
            "Where more information can be found"),
)
OPTIONAL: tuple[Element, ...] = (
    Element("participants_told_us", "What did participants tell us?",
            "Optional: what participants said about taking part (aggregated, consented quotes only)",
            required=False),
)
BY_KEY: dict[str, Element] = {e.key: e for e in (*ELEMENTS, *OPTIONAL)}
REQUIRED_KEYS: tuple[str, ...] = tuple(e.key for e in ELEMENTS)


def empty_content(title: str = "") -> dict[str, Any]:
    return {
        "title": title,
        "sections": [{"key": e.key, "heading": e.heading, "text": ""} for e in ELEMENTS],
        "adverse_reactions": {"arms": [], "rows": []},
        "registry_ids": [],
    }


def sections(content: dict[str, Any]) -> list[dict[str, str]]:
    """The sections in display order, checked for shape (L709) and known, unique keys (L702)."""
    raw = content.get("sections") if isinstance(content, dict) else None
    if not isinstance(raw, list):
        raise fail("L709", "content has no list under 'sections'", item="sections")
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for i, s in enumerate(raw, start=1):
        if not isinstance(s, dict) or not isinstance(s.get("key"), str):
            raise fail("L709", f"section {i} is not an object with a 'key'", item=f"sections[{i}]")
        key = s["key"]
        if key not in BY_KEY:
            raise fail("L702", f"section {i} has key {key!r}; known keys: {', '.join(BY_KEY)}", item=key)
        if key in seen:
            raise fail("L709", f"section key {key!r} appears twice", item=key)
        seen.add(key)
        out.append({"key": key, "heading": str(s.get("heading") or BY_KEY[key].heading),
                    "text": str(s.get("text") or "")})
    return out


def missing_elements(content: dict[str, Any]) -> list[Problem]:
    """One L701 problem per Annex V element that is absent or has no text (the table alone is not enough)."""
    present = {s["key"]: s for s in sections(content)}
    problems = []
    for e in ELEMENTS:
        s = present.get(e.key)
        if s is None or not s["text"].strip():
            state = "missing" if s is None else "empty"
            problems.append(Problem("L701", f"Annex V element '{e.heading}' ({e.annex}) is {state}",
                                    item=e.key))
    return problems


def section_text(content: dict[str, Any], key: str) -> str:
    for s in sections(content):
        if s["key"] == key:
            return s["text"]
    raise fail("L702", f"no section {key!r} in this summary", item=key)


def adverse_reactions(content: dict[str, Any]) -> dict[str, Any]:
    """The adverse-reactions table, validated (L706): unique arms with n > 0, counts 0..n per arm."""
    table = content.get("adverse_reactions") or {"arms": [], "rows": []}
    arms, rows = table.get("arms", []), table.get("rows", [])
    if not isinstance(arms, list) or not isinstance(rows, list):
        raise fail("L706", "'arms' and 'rows' must be lists", item="adverse_reactions")
    sizes: dict[str, int] = {}
    for i, arm in enumerate(arms, start=1):
        name, n = str(arm.get("name", "")).strip(), arm.get("n")
        if not name or name in sizes:
            raise fail("L706", f"arm {i} has a blank or repeated name {name!r}", item=f"arms[{i}]")
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise fail("L706", f"arm {name!r} needs a whole number of participants above 0", item=name,
                       value=str(n))
        sizes[name] = n
    clean_rows = []
    for i, row in enumerate(rows, start=1):
        term = str(row.get("term", "")).strip()
        counts = row.get("counts") or {}
        if not term:
            raise fail("L706", f"row {i} has no side-effect term", item=f"rows[{i}]")
        unknown = set(counts) - set(sizes)
        if unknown:
            raise fail("L706", f"row {term!r} counts an unknown arm {sorted(unknown)[0]!r}", item=term)
        for arm, n in sizes.items():
            k = counts.get(arm, 0)
            if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
                raise fail("L706", f"row {term!r}, arm {arm!r}: count must be a whole number from 0 to {n}",
                           item=term, value=str(k))
        clean_rows.append({"term": term, "counts": {arm: counts.get(arm, 0) for arm in sizes}})
    return {"arms": [{"name": a, "n": n} for a, n in sizes.items()], "rows": clean_rows}


def table_lines(table: dict[str, Any]) -> list[list[str]]:
    """The table as text cells: header, then one line per term with 'k out of n' per arm."""
    arms = table["arms"]
    header = ["Side effect", *[f"{a['name']} ({a['n']} people)" for a in arms]]
    body = [[r["term"], *[f"{r['counts'].get(a['name'], 0)} out of {a['n']}" for a in arms]]
            for r in table["rows"]]
    return [header, *body] if arms else []
