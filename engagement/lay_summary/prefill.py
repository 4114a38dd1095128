"""Prefill a new summary from what the database knows about the study.

The facts (title, registry ids, sponsor and contact, dates, countries and sites, participants by sex and
age band) become plain sentences the editor then completes. Participant counts below the suppression
threshold are written as "fewer than N", because a lay summary is public.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.lay_summary.annex import empty_content
from engagement.models import Comment, LifecycleStage, Participant, Site, Study, Submission

MIN_CELL = 5
COUNTRIES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus", "CZ": "Czechia",
    "DK": "Denmark", "EE": "Estonia", "FI": "Finland", "FR": "France", "DE": "Germany", "GR": "Greece",
    "HU": "Hungary", "IE": "Ireland", "IT": "Italy", "LV": "Latvia", "LT": "Lithuania", "LU": "Luxembourg",
    "MT": "Malta", "NL": "the Netherlands", "PL": "Poland", "PT": "Portugal", "RO": "Romania",
    "SK": "Slovakia", "SI": "Slovenia", "ES": "Spain", "SE": "Sweden", "NO": "Norway", "IS": "Iceland",
    "CH": "Switzerland", "GB": "the United Kingdom", "UK": "the United Kingdom", "US": "the United States",
    "CA": "Canada", "AU": "Australia",
}
_DISSEMINATION = re.compile(r"dissemination|results", re.I)
SEX_WORDS = {"f": "women", "female": "women", "m": "men", "male": "men"}


def registry_ids(study: Study) -> list[str]:
    return [p.strip() for p in re.split(r"[;,|\n]+", study.registry_id or "") if p.strip()]


def _month(d: dt.date | None) -> str | None:
    return d.strftime("%B %Y") if d else None


def _list(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, min_cell: int) -> str:
    return str(n) if n >= min_cell else f"fewer than {min_cell}"


def _breakdown(counts: dict[str, int], min_cell: int) -> dict[str, str]:
    """Counts as words, small cells as "fewer than N". When exactly one cell is small, the next
    smallest is written "N or more" too, so the small one cannot be worked out from the total."""
    words = {k: _count(n, min_cell) for k, n in counts.items()}
    small = [k for k, n in counts.items() if n < min_cell]
    if len(small) == 1 and len(counts) > 1:
        partner = min((k for k in counts if k not in small), key=lambda k: (counts[k], k))
        words[partner] = f"{min_cell} or more"
    return words


def identification_text(study: Study) -> str:
    ids = registry_ids(study)
    text = f"The full title of this study is “{study.title}”."
    if ids:
        text += f" The study is registered under {_list(ids)}."
    return text


def sponsor_text(study: Study) -> str:
    if not study.sponsor:
        return ""
    text = f"{study.sponsor} ran and paid for this study."
    if study.sponsor_contact:
        text += f" You can contact them at {study.sponsor_contact}."
    return text


def where_when_text(session: Session, study: Study) -> str:
    sites = session.scalars(select(Site).where(Site.study_id == study.id)).all()
    stages = session.scalars(select(LifecycleStage).where(LifecycleStage.study_id == study.id)).all()
    parts = []
    if sites:
        names = sorted({COUNTRIES.get(s.country.upper(), s.country.upper()) for s in sites})
        n = len(sites)
        parts.append(f"The study took place at {n} {'site' if n == 1 else 'sites'} in {_list(names)}.")
    starts = [d for s in stages if (d := s.actual_start or s.planned_start)]
    if starts:
        parts.append(f"It started in {_month(min(starts))}.")
    # The trial ends before its results are shared, so a dissemination stage does not count.
    trial = [s for s in stages if not _DISSEMINATION.search(s.name)]
    ends = [d for s in trial if (d := s.actual_end or s.planned_end)]
    if ends and all(s.actual_end for s in trial):
        parts.append(f"It ended in {_month(max(ends))}.")
    elif ends:
        parts.append(f"It is planned to end in {_month(max(ends))}.")
    return " ".join(parts)


def population_text(session: Session, study_id: str, min_cell: int = MIN_CELL) -> str:
    rows = session.execute(select(Participant.sex, Participant.age_band)
                           .where(Participant.study_id == study_id, Participant.role == "patient")).all()
    if not rows:
        return ""
    parts = [f"{_count(len(rows), min_cell)} people took part in this study."]
    sexes = Counter(w for r in rows if (w := SEX_WORDS.get((r.sex or "").lower())))
    if sexes:
        said = _breakdown(dict(sexes), min_cell)
        parts.append(f"Of these, {_list([f'{said[w]} were {w}' for w in ('women', 'men') if w in said])}.")
    bands = Counter(r.age_band for r in rows if r.age_band)
    if bands:
        said = _breakdown(dict(bands), min_cell)
        parts.append(f"By age, {_list([f'{said[b]} were aged {b}' for b in sorted(said)])}.")
    return " ".join(parts)


def prefill(session: Session, study: Study, min_cell: int = MIN_CELL) -> dict[str, Any]:
    content = empty_content(study.title)
    content["registry_ids"] = registry_ids(study)
    texts = {
        "identification": identification_text(study),
        "sponsor": sponsor_text(study),
        "background": where_when_text(session, study),
        "population": population_text(session, study.id, min_cell),
    }
    for s in content["sections"]:
        s["text"] = texts.get(s["key"], "")
    return content


# ----------------------------------------------------------------------- "What participants told us"


def consented_quotes(session: Session, study_id: str, limit: int = 3) -> list[str]:
    """Distinct scrubbed comments whose authors agreed to be quoted, shortest first (short quotes
    read best)."""
    text = func.trim(Comment.text_scrubbed)
    q = (select(text).join(Submission, Submission.id == Comment.submission_id)
         .where(Submission.study_id == study_id, Comment.may_quote.is_(True), func.length(text) > 0)
         .group_by(text).order_by(func.length(text), text).limit(limit))
    return list(session.scalars(q))


def _row_value(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)


def participants_told_us_text(rows: Sequence[Any], quotes: Sequence[str]) -> str:
    """Plain sentences from already-suppressed aggregate rows and consented, scrubbed quotes.

    Each row is a mapping or object with `label` (what was asked, in plain words), `n` (people who
    answered), `value` (None when suppressed) and `unit`: "share" (a fraction 0-1 of people choosing
    the best answer), "percent" (the same, 0-100), both written as "x out of every 100"; or "score"
    (0-100). Suppressed rows are not
    described, only counted, so no small group can be worked out from the text.
    """
    numbers, hidden = [], 0
    for row in rows:
        value, label, n = _row_value(row, "value"), _row_value(row, "label"), _row_value(row, "n")
        if value is None or _row_value(row, "suppressed") or not label:
            hidden += 1
            continue
        unit = _row_value(row, "unit")
        if unit in ("share", "percent"):
            k = round(value * 100 if unit == "share" else value)
            numbers.append(f"About {k} out of every 100 people who answered said {label}.")
        else:
            numbers.append(f"The average score for {label} was {round(value)} on a scale from 0 to 100"
                         + (f", from {n} people." if n else "."))
    if hidden:
        numbers.append("Some groups were too small to report, to protect people's privacy.")
    paragraphs = [" ".join(numbers)] if numbers else []
    if quotes:
        paragraphs.append("\n".join(["Here is what some people said, with their permission:",
                                     *(f"- “{q}”" for q in quotes)]))
    return "\n\n".join(paragraphs)


INDICATOR_LABELS = {
    "burden": "how hard taking part was (higher means harder)",
    "trust": "trust in the study team",
    "engagement": "feeling involved and valued",
    "experience": "their overall experience",
}


def rows_from_indicator_table(table: Any) -> list[dict[str, Any]]:
    """Rows of engagement.indicators.indicator_table(..., by=["study"]) as seen by a sponsor
    (already suppressed), in the shape participants_told_us_text reads. Unknown indicators are left out."""
    rows = []
    for rec in table.to_dict("records"):
        label = INDICATOR_LABELS.get(rec.get("indicator"))
        if label is None:
            continue
        mean = rec.get("mean")
        hidden = bool(rec.get("suppressed")) or mean is None or math.isnan(mean)
        rows.append({"label": label, "n": None if hidden else int(rec["n"]),
                     "value": None if hidden else float(rec["mean"]), "unit": "score",
                     "suppressed": hidden})
    return rows
