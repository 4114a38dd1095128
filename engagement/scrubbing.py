"""Free-text scrubbing (first version by the lead; the privacy helper owns and extends this module).

Replaces e-mail addresses, URLs, phone numbers, dates, postcodes, record numbers and roster names with
[REDACTED:<type>]. Offline: rules only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class ScrubResult:
    text: str
    found: tuple[Finding, ...]


@dataclass(frozen=True)
class Roster:
    pattern: re.Pattern[str] | None


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def build_roster(names: Iterable[str], codes: Iterable[str]) -> Roster:
    terms = {t.strip() for t in [*names, *codes] if t and len(t.strip()) >= 2}
    parts = set()
    for t in terms:
        parts.add(re.escape(_fold(t)))
        parts.update(re.escape(_fold(w)) for w in t.split() if len(w) >= 3 and w[0].isupper())
    if not parts:
        return Roster(None)
    alternation = "|".join(sorted(parts, key=len, reverse=True))
    return Roster(re.compile(rf"(?<!\w)(?:{alternation})(?:'s)?(?!\w)", re.IGNORECASE))


PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>\"]+|\b[\w-]+\.(?:com|org|net|nhs\.uk|co\.uk|fr|de|es|it|nl)"
                       r"(?:/[^\s<>\"]*)?\b", re.IGNORECASE)),
    ("record_number", re.compile(r"\b(?:MRN|NHS(?:\s+(?:no|number))?|hospital\s+(?:no|number)|record\s+(?:no|number)"
                                 r"|patient\s+(?:id|no|number))\.?\s*[:#]?\s*[A-Z0-9][A-Z0-9 -]{3,}\d\b",
                                 re.IGNORECASE)),
    ("date", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+"
                        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?\b",
                        re.IGNORECASE)),
    ("phone", re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s().-]{7,}\d(?!\w)")),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b\d{5}(?:-\d{4})?\b|\b\d{4}\s?[A-Z]{2}\b")),
]


def scrub(text: str, roster: Roster | None = None) -> ScrubResult:
    spans: list[Finding] = []
    taken = [False] * len(text)
    folded = _fold(text) if len(_fold(text)) == len(text) else text
    sources = [("name", roster.pattern)] if roster and roster.pattern else []
    for kind, pattern in [*PATTERNS, *sources]:
        target = folded if kind == "name" else text
        for m in pattern.finditer(target):
            if any(taken[m.start():m.end()]):
                continue
            spans.append(Finding(kind, m.start(), m.end()))
            for i in range(m.start(), m.end()):
                taken[i] = True
    out, last = [], 0
    for f in sorted(spans, key=lambda f: f.start):
        out.append(text[last:f.start])
        out.append(f"[REDACTED:{f.type}]")
        last = f.end
    out.append(text[last:])
    return ScrubResult("".join(out), tuple(sorted(spans, key=lambda f: f.start)))
