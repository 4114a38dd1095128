"""Themes, sentiment and quotes for the dashboard, from scrubbed comment text only.

Counts per theme are a protected lattice over stage, site and role (one table per theme), so a
theme mentioned by fewer than N people is not shown to aggregate-only viewers, and neither are its
quotes. A quote is shown only when its author consented (may_quote), only in its scrubbed form, and
only from a theme shown in the current view.
"""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy.orm import Session

from engagement import indicators_data, themes
from engagement.indicators import Prepared
from engagement.indicators_privacy import lattice, protect, view

DIMS = ["stage", "site", "role"]
QUOTES_PER_THEME = 2
MAX_QUOTES = 6


def comments_frame(session: Session, prepared: Prepared) -> pd.DataFrame:
    """One row per comment in the viewer's scope: labels, scrubbed text, consent, theme, sentiment."""
    frames = prepared.frames

    def build() -> pd.DataFrame:
        rows = indicators_data.raw_rows(
            session, "SELECT c.id, c.submission_id, c.text_scrubbed, c.may_quote, c.sentiment "
            "FROM comments c JOIN submissions sb ON sb.id = c.submission_id WHERE sb.study_id = :s",
            frames.study_id)
        c = pd.DataFrame(rows, columns=["comment_id", "submission_id", "text", "may_quote",
                                        "stored_sentiment"])
        subs = frames.submissions[["submission_id", "participant_id", "submitted_at", "site", "role",
                                   "stage", "timepoint"]]
        c = c.merge(subs, on="submission_id", how="inner")  # drops comments outside the viewer's sites
        c["person"] = c["participant_id"].fillna(-c["submission_id"])
        c["theme"] = themes.assign_themes(c["text"].fillna(""), exclude=frozenset(
            code for code in study_codes(session, frames.study_id) if code.isalpha()))
        fresh = themes.sentiment(c["text"].fillna("")) if len(c) else pd.Series(dtype=float)
        c["sentiment"] = pd.to_numeric(c["stored_sentiment"], errors="coerce").fillna(fresh)
        c["may_quote"] = c["may_quote"].astype(bool)
        c["negative"] = (c["sentiment"] < themes.NEGATIVE_BELOW).astype(float)
        return c.dropna(subset=["stage"])

    return indicators_data.cached(session, "comments", frames.study_id, prepared.access.scope, build)


def _codes(session: Session, study_id: str) -> list[str]:
    """The study's participant codes, used only to keep them out of quotes and theme words."""
    return [r[0] for r in indicators_data.raw_rows(
        session, "SELECT code FROM participants WHERE study_id = :s", study_id)]


_TOKEN = re.compile(r"[\w-]+")


def study_codes(session: Session, study_id: str) -> frozenset[str]:
    """Lower-case participant codes of the study, read once per data version."""
    return indicators_data.cached(session, "codes", study_id, None,
                                  lambda: frozenset(c.lower() for c in _codes(session, study_id)))


def _names_nobody(quote: str, codes: frozenset[str]) -> bool:
    """No word of the quote (letters, digits, _ and - runs, or their -separated parts) is a code."""
    for token in _TOKEN.findall(quote.lower()):
        if token in codes or any(part in codes for part in token.split("-")):
            return False
    return True


def _coded(c: pd.DataFrame) -> pd.DataFrame:
    """The columns the theme lattice groups by, as categories: eight groupings then read codes, not
    strings (_counts turns them back into plain values)."""
    keys = [*DIMS, "theme"]
    return c[[*keys, "person", "comment_id", "sentiment", "negative"]].astype(dict.fromkeys(keys, "category"))


def _counts(rows: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    keys = [*dims, "theme"]
    g = rows.groupby(keys, sort=False, observed=True)
    out = g.agg(comments=("comment_id", "size"), sentiment=("sentiment", "mean"),
                negative_share=("negative", "mean"))
    # People per group: the size of the group's distinct (group, person) pairs; nunique was slower.
    people = rows.drop_duplicates([*keys, "person"]).groupby(keys, sort=False, observed=True).size()
    out.insert(0, "n", people.reindex(out.index).to_numpy())
    out = out.reset_index()
    return out.astype({k: object for k in keys if isinstance(out[k].dtype, pd.CategoricalDtype)})


def theme_view(session: Session, prepared: Prepared,
               slices: dict[str, str | None]) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    c = comments_frame(session, prepared)
    f = prepared.filters
    if f.date_from is not None:
        c = c[c["submitted_at"] >= pd.Timestamp(f.date_from, tz="UTC")]
    if f.date_to is not None:
        c = c[c["submitted_at"] < pd.Timestamp(f.date_to, tz="UTC") + pd.Timedelta(days=1)]
    key = f"themes|{prepared.access.key}|{f.date_from}|{f.date_to}"
    protected = indicators_data.cached(
        session, key, prepared.frames.study_id, prepared.access.scope,
        lambda: protect(lattice(_coded(c), DIMS, _counts), DIMS, prepared.access,
                        ["comments", "sentiment", "negative_share"], separate_by=["theme"]))
    table = view(protected, DIMS, [], slices) if len(protected) else protected
    if table.empty:
        return pd.DataFrame(columns=["theme", "n", "comments", "sentiment", "negative_share", "tone",
                                     "suppressed", "n_label"]), []
    table = table.assign(tone=table["sentiment"].map(themes.tone))
    table = table.sort_values(["suppressed", "comments"], ascending=[True, False]).reset_index(drop=True)
    shown = table.loc[~table["suppressed"].astype(bool), "theme"].tolist()
    codes = study_codes(session, prepared.frames.study_id)
    return table[["theme", "n", "comments", "sentiment", "negative_share", "tone", "suppressed",
                  "n_label"]], _quotes(c, shown, slices, codes)


def _quotes(c: pd.DataFrame, shown: list[str], slices: dict[str, str | None],
            codes: frozenset[str]) -> list[tuple[str, str]]:
    pool = c[c["may_quote"] & c["theme"].isin(shown)]
    for dim, value in slices.items():
        if value is not None:
            pool = pool[pool[dim] == value]
    quotes: list[tuple[str, str]] = []
    for theme in shown:
        picked = pool[pool["theme"] == theme].drop_duplicates("text").sort_values("comment_id")
        # Scrubbing should already have removed codes; a quote that still names one is never shown.
        ok = [t for t in picked["text"].head(50) if _names_nobody(t, codes)]
        quotes += [(theme, t) for t in ok[:QUOTES_PER_THEME]]
    return quotes[:MAX_QUOTES]
