"""Themes and sentiment of free-text comments: TF-IDF with NMF, and the VADER lexicon (both offline).

Only scrubbed text is ever read (Comment.text_scrubbed); raw text never leaves the database here.
The model is fitted on the distinct texts (at most MAX_FIT of them, a fixed random sample beyond that)
and every comment is then assigned to its strongest component; a theme's label is its top three terms.
Sentiment is the VADER compound score (-1..1); a stored Comment.sentiment wins over a fresh one.
VADER and the stop-word list are English: other languages get themes from their own words and
sentiments near 0.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_FIT = 3000
MAX_THEMES = 6
MIN_DOCS = 5
NEGATIVE_BELOW = -0.05  # VADER's own convention for a negative text
POSITIVE_ABOVE = 0.05
OTHER = "other"

# Function words of the other languages comments arrive in, so theme labels name topics, not grammar.
_OTHER_LANGUAGES = """
le la les un une des du de et est en au aux pour pas que qui dans sur avec mon ma mes je il elle nous
vous ils ce cette son sa ses plus tres très ne se sont ai été être fait faire
der die das ein eine und ist nicht ich mit zu den dem des im auf für von es sie wir mein meine sehr
war sind auch bei nach wie aber noch nur
el los las una uno y es en que por para con mi mis muy lo se al del pero más como fue son
il lo gli uno una e di da che per con non sono mio mia molto ho
het een en van ik niet met voor op zijn maar ook zeer mijn dat die er
"""
OTHER_STOP_WORDS = frozenset(_OTHER_LANGUAGES.split())


@cache
def _analyser():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=200_000)  # comment banks repeat sentences; VADER takes ~50 us a text
def compound(text: str) -> float:
    """VADER's compound score of one text, -1..1 (0 for an empty text)."""
    return float(_analyser().polarity_scores(text)["compound"])


def sentiment(texts: pd.Series) -> pd.Series:
    """VADER compound score per text."""
    return texts.map(compound).astype(float)


def stored_sentiment(scrubbed: str) -> float | None:
    """What a comment stores when it is written: the compound score of its scrubbed text, so no reader
    runs VADER on a cold view; None for a blank text (readers keep their own rule for those)."""
    return compound(scrubbed) if scrubbed and scrubbed.strip() else None


# Letters only: numbers, dates and anything code-like (P-0042, AB12) never become theme words.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"  # noqa: S105 (a regular expression, not a password)


def assign_themes(texts: pd.Series, seed: int = 0, exclude: frozenset[str] = frozenset()) -> pd.Series:
    """A readable theme label per text ("travel, parking, hours"); OTHER when a text has no known words.

    exclude: lower-case words never to use (participant codes made only of letters, for instance).
    """
    unique = pd.Series(pd.unique(texts.fillna("")))
    unique = unique[unique.str.strip() != ""]
    if len(unique) < MIN_DOCS:
        return pd.Series(OTHER, index=texts.index)
    fit_on = unique.sample(MAX_FIT, random_state=seed) if len(unique) > MAX_FIT else unique
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vectoriser = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | OTHER_STOP_WORDS | exclude),
                                 token_pattern=TOKEN_PATTERN, min_df=2 if len(fit_on) >= 50 else 1,
                                 max_features=3000, sublinear_tf=True)
    try:
        x_fit = vectoriser.fit_transform(fit_on)
    except ValueError:  # only stop words: nothing to learn from
        return pd.Series(OTHER, index=texts.index)
    k = int(min(MAX_THEMES, max(2, len(fit_on) // 8), x_fit.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    with np.errstate(invalid="ignore"):  # tiny corpora: NMF's own error estimate divides by zero
        model.fit(x_fit)
    labels = _labels(model.components_, vectoriser.get_feature_names_out())
    weights = model.transform(_vectorised(unique, fit_on, x_fit, vectoriser))
    best = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    by_text = dict(zip(unique, [labels[i] if i >= 0 else OTHER for i in best], strict=True))
    return texts.map(by_text).fillna(OTHER)


def _vectorised(unique: pd.Series, fit_on: pd.Series, x_fit: sparse.csr_matrix,
                vectoriser: TfidfVectorizer) -> sparse.csr_matrix:
    """vectoriser.transform(unique), reusing the rows already computed for the texts fitted on: each
    row depends on its own text only, and tokenising is most of the cost of themes on a cold view."""
    if fit_on is unique:  # every text was fitted on (assign_themes samples only beyond MAX_FIT)
        return x_fit
    pos = pd.Index(fit_on.to_numpy()).get_indexer(unique.to_numpy())
    new = pos < 0
    rows = sparse.vstack([x_fit, vectoriser.transform(unique[new])]).tocsr()
    return rows[np.where(new, len(fit_on) + np.cumsum(new) - 1, pos)]


def _labels(components: np.ndarray, terms: np.ndarray) -> list[str]:
    labels = []
    for row in components:
        top = [terms[i] for i in np.argsort(row)[::-1][:3] if row[i] > 0]
        label = ", ".join(top) or OTHER
        while label in labels:  # two components with the same top terms stay distinguishable
            label += " (2)"
        labels.append(label)
    return labels


def tone(score: float) -> str:
    if math.isnan(score):
        return "unknown"
    return "negative" if score < NEGATIVE_BELOW else "positive" if score > POSITIVE_ABOVE else "neutral"
