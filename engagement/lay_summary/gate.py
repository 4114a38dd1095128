"""The plain-language gate: readability figures and checks per section and overall.

Each check returns Findings that say where (section, sentence number and text), what matched, and a
suggestion. The gate passes when there are no findings. Readability figures come from textstat with the
language set explicitly to English; URLs, e-mail addresses and identifiers (tokens mixing digits with
letters, hyphens or slashes, such as NCT01234567 or 2024-512345-12-00) are left out of the figures,
because readers skip them rather than sound them out, and they would otherwise dominate short sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from engagement.errors import Problem, fail
from engagement.lay_summary.annex import sections as content_sections
from engagement.lay_summary.glossary import GLOSSARY, PROMOTIONAL, Term
from engagement.readability_setup import textstat_module


@dataclass(frozen=True)
class Targets:
    max_grade: float = 8.0
    max_sentence_words: int = 25
    min_reading_ease: float | None = None
    max_avg_sentence_words: float | None = None

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> Targets:
        values = {k: v for k, v in (values or {}).items() if v is not None}
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise fail("L714", f"unknown target {sorted(unknown)[0]!r}", item=sorted(unknown)[0])
        for k, v in values.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                raise fail("L714", f"target {k} must be a positive number", item=k, value=str(v))
        return cls(**values)


@dataclass(frozen=True)
class Figures:
    fk_grade: float | None
    reading_ease: float | None
    avg_sentence_words: float | None
    n_sentences: int
    n_words: int


@dataclass(frozen=True)
class Finding:
    code: str
    section: str
    heading: str
    sentence_no: int | None  # 1-based within the section; None for section-wide findings
    sentence: str | None
    match: str | None
    message: str
    suggestion: str

    def as_problem(self) -> Problem:
        where = self.section + (f", sentence {self.sentence_no}" if self.sentence_no else "")
        return Problem(self.code, f"{where}: {self.message}", item=self.section, value=self.match,
                       fix=self.suggestion)


@dataclass(frozen=True)
class SectionReport:
    key: str
    heading: str
    figures: Figures


@dataclass(frozen=True)
class GateReport:
    targets: Targets
    overall: Figures
    sections: list[SectionReport]
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def for_section(self, key: str) -> list[Finding]:
        return [f for f in self.findings if f.section == key]

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, **asdict(self)}


# ----------------------------------------------------------------------------------- text handling

_ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "vs.", "no.", "approx.", "prof."}
_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WORD = re.compile(r"\w+(?:['’.\-/]\w+)*")


def split_sentences(text: str) -> list[str]:
    """Sentences of a section. Blank lines and bullet lines start new sentences; other line breaks
    are spaces, so text wrapped by a PDF or an editor reads the same as unwrapped text."""
    out: list[str] = []
    for block in _blocks(text):
        pending = ""
        for part in _SPLIT.split(block):
            pending = f"{pending} {part}".strip()
            if pending.split()[-1].lower() in _ABBREVIATIONS:
                continue
            out.append(pending)
            pending = ""
        if pending:
            out.append(pending)
    return out


def _blocks(text: str) -> list[str]:
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            blocks.append([])
        elif _BULLET.match(line):
            blocks.append([_BULLET.sub("", line).strip()])
        else:
            blocks[-1].append(line.strip())
    return [" ".join(b) for b in blocks if b]


def words(sentence: str) -> list[str]:
    return _WORD.findall(sentence)


def _is_identifier(token: str) -> bool:
    t = token.strip(".,;:!?()[]\"'“”‘’")
    if "@" in t or t.lower().startswith(("http://", "https://", "www.")):
        return True
    return any(c.isdigit() for c in t) and any(c.isalpha() or c in "-/_" for c in t)


def readable_text(sentences: Sequence[str]) -> str:
    """The sentences as textstat should see them: identifiers dropped, each ending in a full stop."""
    out = []
    for s in sentences:
        kept = " ".join(t for t in s.split() if not _is_identifier(t)).strip()
        if kept and words(kept):
            out.append(kept if kept[-1] in ".!?" else kept + ".")
    return " ".join(out)


def figures(sentences: Sequence[str]) -> Figures:
    counts = [len(words(s)) for s in sentences]
    n_words = sum(counts)
    text = readable_text(sentences)
    if not text:
        return Figures(None, None, None, len(sentences), n_words)
    ts = textstat_module()
    return Figures(float(ts.flesch_kincaid_grade(text)), float(ts.flesch_reading_ease(text)),
                   n_words / len(sentences), len(sentences), n_words)


# ------------------------------------------------------------------------------------------ checks


@dataclass(frozen=True)
class _Sentence:
    section: str
    heading: str
    no: int
    text: str
    before: str  # the previous sentence in the same section ("" for the first)
    after: str   # the next sentence in the same section ("" for the last)


def _finding(s: _Sentence, code: str, match: str | None, message: str, suggestion: str) -> Finding:
    return Finding(code, s.section, s.heading, s.no, s.text, match, message, suggestion)


def check_long_sentences(sents: Iterable[_Sentence], targets: Targets) -> list[Finding]:
    out = []
    for s in sents:
        n = len(words(s.text))
        if n > targets.max_sentence_words:
            out.append(_finding(s, "L751", None,
                                f"{n} words; the limit is {targets.max_sentence_words}",
                                f"Split this sentence into two or three, about 15 words each "
                                f"(it has {n} words)."))
    return out


_PERCENT = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)\s?(?:%|per ?cent\b)", re.I)
_FREQUENCY = re.compile(r"\b\d[\d,]*\s+(?:out\s+of|in|of)\s+(?:every\s+)?\d[\d,]*\b", re.I)


def check_percentages(sents: Iterable[_Sentence]) -> list[Finding]:
    """Every percentage needs a natural frequency ("30 out of 100") in the same sentence."""
    out = []
    for s in sents:
        n_freq = len(_FREQUENCY.findall(s.text))
        for i, m in enumerate(_PERCENT.finditer(s.text)):
            if i < n_freq:
                continue
            k = round(float(m.group(1).replace(",", ".")))
            out.append(_finding(s, "L753", m.group(0), f"'{m.group(0)}' has no 'x out of 100' beside it",
                                f"Write it as \"{k} out of 100 ({m.group(0)})\"."))
    return out


_RELATIVE = [re.compile(p, re.I) for p in (
    r"\b(?:relative risk|risk ratio|hazard ratio|odds ratio|risk reduction|(?:reduced|lowered|lower|"
    r"increased|higher|raised|cut)\s+(?:the\s+)?risk)\b",
    r"\b(?:half|twice|double|triple|\d+(?:\.\d+)?\s?(?:times|-fold|fold))\s+(?:as\s+)?"
    r"(?:likely|many|often|more|less|fewer|higher|lower|high|low)\b",
    r"\b\d+(?:\.\d+)?\s?(?:%|per ?cent)\s+(?:lower|higher|less|more|fewer|reduction|increase|decrease|"
    r"better|worse|drop|rise)\b",
    r"\b(?:reduc|lower|cut|increas|rais|decreas|improv)\w*\b[^.]{0,40}?\bby\s+(?:about\s+|around\s+)?"
    r"\d+(?:\.\d+)?\s?(?:%|per ?cent)",
)]


def check_relative_risk(sents: Iterable[_Sentence]) -> list[Finding]:
    """A relative statement needs absolute numbers ("x out of y") in it or in a neighbouring sentence."""
    out = []
    for s in sents:
        hit = next((m for p in _RELATIVE if (m := p.search(s.text))), None)
        if hit is None:
            continue
        if any(_FREQUENCY.search(t) for t in (s.text, s.before, s.after)):
            continue
        out.append(_finding(s, "L754", hit.group(0),
                            f"'{hit.group(0)}' gives a relative change without absolute numbers",
                            "Say how many people out of how many had it in each group, e.g. \"6 out of 100 "
                            "people on the medicine and 12 out of 100 people on the dummy treatment\"."))
    return out


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def unquoted(text: str) -> str:
    """The text with quoted spans blanked out (same length): an official title or a participant's own
    words are quoted verbatim, so jargon and promotional checks do not apply inside quotation marks."""
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def check_promotional(sents: Iterable[_Sentence]) -> list[Finding]:
    out = []
    for s in sents:
        for _word, pattern, advice in PROMOTIONAL:
            m = pattern.search(unquoted(s.text))
            if m:
                out.append(_finding(s, "L755", m.group(0), f"'{m.group(0)}' is promotional", advice))
    return out


_EXPLAINED_AFTER = [re.compile(p, re.I) for p in (
    r"^[\"'”’]?\s*[(\[]",
    r"^\s*(?:,|:|–|—|-)?\s*(?:which|that)\s+(?:is|are|was|were|means?)\b",
    r"^\s*(?:is|are|was|were|means?|meaning)\s+(?:a|an|the|that|when|where|how|what|who|people|to|"
    r"something|someone|not)\b",
    r"^\s*(?:,|–|—|:)\s*(?:or|meaning|that is|in other words|i\.e\.)",
)]
_EXPLAINED_BEFORE = re.compile(r"\b(?:called|known as|named|termed)\s+(?:an?\s+|the\s+)?[\"'“‘]?$", re.I)
_EXPLAINED_NEXT = re.compile(r"^\s*(?:this|that|it|these|they)\s+(?:means?|is|are|was|were)\b", re.I)


def _explained(s: _Sentence, m: re.Match[str]) -> bool:
    after, before = s.text[m.end():], s.text[:m.start()]
    return (any(p.search(after) for p in _EXPLAINED_AFTER) or bool(_EXPLAINED_BEFORE.search(before))
            or bool(_EXPLAINED_NEXT.search(s.after)))


def check_jargon(sents: Iterable[_Sentence], glossary: Sequence[Term] = GLOSSARY) -> list[Finding]:
    """The first use of each glossary term in the whole summary must be explained there."""
    seen: set[str] = set()
    out = []
    for s in sents:
        for term in glossary:
            if term.name in seen:
                continue
            m = term.pattern.search(unquoted(s.text))
            if m is None:
                continue
            seen.add(term.name)
            if not _explained(s, m):
                out.append(_finding(s, "L752", m.group(0), f"'{m.group(0)}' is not explained at first use",
                                    f"Explain it the first time, e.g. \"{m.group(0)} ({term.explain})\", "
                                    f"or write \"{term.plain}\" instead."))
    return out


def check_readability(key: str, heading: str, fig: Figures, targets: Targets) -> list[Finding]:
    out = []
    if fig.fk_grade is not None and fig.fk_grade > targets.max_grade:
        out.append(Finding("L750", key, heading, None, None, f"{fig.fk_grade:.1f}",
                           f"reading grade {fig.fk_grade:.1f}; the target is {targets.max_grade:g} or below",
                           "Use shorter sentences and everyday words with fewer syllables."))
    if (targets.min_reading_ease is not None and fig.reading_ease is not None
            and fig.reading_ease < targets.min_reading_ease):
        out.append(Finding("L756", key, heading, None, None, f"{fig.reading_ease:.1f}",
                           f"reading ease {fig.reading_ease:.1f}; the target is "
                           f"{targets.min_reading_ease:g} or above",
                           "Use shorter sentences and words with fewer syllables."))
    if (targets.max_avg_sentence_words is not None and fig.avg_sentence_words is not None
            and fig.avg_sentence_words > targets.max_avg_sentence_words):
        out.append(Finding("L757", key, heading, None, None, f"{fig.avg_sentence_words:.1f}",
                           f"{fig.avg_sentence_words:.1f} words per sentence on average; the target is "
                           f"{targets.max_avg_sentence_words:g}", "Aim for about 15 words per sentence."))
    return out


# -------------------------------------------------------------------------------------------- gate


def _sentences(key: str, heading: str, text: str) -> list[_Sentence]:
    split = split_sentences(text)
    return [_Sentence(key, heading, i + 1, t, split[i - 1] if i else "",
                      split[i + 1] if i + 1 < len(split) else "") for i, t in enumerate(split)]


def check_sections(sections: Sequence[tuple[str, str, str]], targets: Targets | None = None,
                   language: str = "en") -> GateReport:
    """Run every check over (key, heading, text) sections, in display order."""
    if language.split("-", maxsplit=1)[0].lower() != "en":
        raise fail("L713", f"language {language!r}", value=language)
    targets = targets or Targets()
    per_section = [(k, h, _sentences(k, h, t)) for k, h, t in sections]
    all_sents = [s for _, _, ss in per_section for s in ss]
    reports, findings = [], []
    for key, heading, sents in per_section:
        fig = figures([s.text for s in sents])
        reports.append(SectionReport(key, heading, fig))
        findings += check_readability(key, heading, fig, targets)
    overall = figures([s.text for s in all_sents])
    findings += check_readability("overall", "Whole summary", overall, targets)
    findings += check_long_sentences(all_sents, targets)
    findings += check_jargon(all_sents)
    findings += check_percentages(all_sents)
    findings += check_relative_risk(all_sents)
    findings += check_promotional(all_sents)
    return GateReport(targets, overall, reports, findings)


def check(content: dict[str, Any], targets: Targets | None = None, language: str = "en") -> GateReport:
    return check_sections([(s["key"], s["heading"], s["text"]) for s in content_sections(content)],
                          targets, language)


def check_text(text: str, targets: Targets | None = None, language: str = "en") -> GateReport:
    """The gate over one loose text (e.g. extracted back from an export), as a single section."""
    return check_sections([("text", "Text", text)], targets, language)
