"""Themes, sentiment and quotes for the dashboard, from scrubbed comment text only.

Counts per theme are a protected lattice over stage, site and role (one table per theme), so a
theme mentioned by fewer than N people is not shown to aggregate-only viewers, and neither are its
quotes. A quote is shown only when its author consented (may_quote), only in its scrubbed form, and
only from a theme shown in the current view.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engagement import indicators_data, themes
from engagement.indicators import Prepared, first_seen_groups
from engagement.indicators_privacy import lattice, protect, view

DIMS = ["stage", "site", "role"]
QUOTES_PER_THEME = 2
MAX_QUOTES = 6


def comments_frame(session: Session, prepared: Prepared) -> pd.DataFrame:
    """One row per comment in the viewer's scope: labels, scrubbed text, consent, theme, sentiment."""
    frames = prepared.frames

    def build() -> pd.DataFrame:
        c = _in_scope(indicators_data.comment_rows(session, frames.study_id), frames.submissions)
        c["person"] = c["participant_id"].fillna(-c["submission_id"])
        c["theme"] = _themes(c, study_codes(session, frames.study_id))
        stored = pd.to_numeric(c["stored_sentiment"], errors="coerce").astype(float)
        missing = stored.isna().to_numpy()
        if missing.any():  # comments written before sentiment was stored with them
            stored[missing] = themes.sentiment(c.loc[missing, "text"].fillna("")).to_numpy()
        c["sentiment"] = stored
        c["may_quote"] = c["may_quote"].astype(bool)
        c["negative"] = (c["sentiment"] < themes.NEGATIVE_BELOW).astype(float)
        return c.dropna(subset=["stage"])

    return indicators_data.cached(session, "comments", frames.study_id, prepared.access.scope, build)


def _themes(c: pd.DataFrame, codes: frozenset[str]) -> pd.Series:
    """The labels the writers stored (engagement/theme_store.py); fitted here, on the viewer's comments,
    only when one is missing (stored before themes were kept) or names a participant code (a code
    registered after the last fit)."""
    stored = c["stored_theme"]
    words = {w for label in stored.dropna().unique() for w in _LABEL_WORD.findall(label.lower())}
    if stored.notna().all() and not words & codes:
        return stored.astype(object)
    return themes.assign_themes(c["text"].fillna(""), exclude=frozenset(code for code in codes if code.isalpha()))


_LABEL_WORD = re.compile(themes.TOKEN_PATTERN)


def _in_scope(rows: list[tuple], submissions: pd.DataFrame) -> pd.DataFrame:
    """The comments of the viewer's submissions with their labels, by person, then submission and item
    (anonymous first): which comment of a repeated text is quoted, and the order themes are learnt in,
    must not depend on how the rows were read. (Rows come in submission and item order.)"""
    columns = ["comment_id", "submission_id", "text", "may_quote", "stored_sentiment", "stored_theme"]
    c = pd.DataFrame(rows, columns=columns)
    at = pd.Index(submissions["submission_id"]).get_indexer(c["submission_id"])
    mine = np.flatnonzero(at >= 0)  # drops comments outside the viewer's sites
    person = submissions["participant_id"].to_numpy(dtype=float, na_value=-np.inf)[at[mine]]
    keep = mine[np.lexsort((c["submission_id"].to_numpy()[mine], person))]
    labels = submissions.iloc[at[keep]][["participant_id", "submitted_at", "site", "role", "stage", "timepoint"]]
    return pd.concat([c.iloc[keep].reset_index(drop=True), labels.reset_index(drop=True)], axis=1)


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
    """People, comments, mean sentiment and negative share per group of dims and theme, groups in order
    of first appearance (as groupby(sort=False) gives them). Grouped by one integer code: eight
    groupings per view by four columns each made pandas' per-call cost most of the theme lattice."""
    keys = [*dims, "theme"]
    kept, group, first = first_seen_groups(rows, keys)
    person, people = pd.factorize(rows["person"].to_numpy()[kept])
    pairs = pd.unique(group * max(len(people), 1) + person)  # (group, person) once each; order unused
    comments = np.bincount(group, minlength=len(first))

    def mean(column: str) -> np.ndarray:
        return np.bincount(group, rows[column].to_numpy(dtype=float)[kept], len(first)) / comments

    out = {k: rows[k].iloc[first].to_numpy(dtype=object) for k in keys}
    return pd.DataFrame({**out, "n": np.bincount(pairs // max(len(people), 1), minlength=len(first)),
                         "comments": comments, "sentiment": mean("sentiment"), "negative_share": mean("negative")})


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
        ok = (t for t in picked["text"].head(50) if _names_nobody(t, codes))
        quotes += [(theme, t) for t in itertools.islice(ok, QUOTES_PER_THEME)]
    return quotes[:MAX_QUOTES]
