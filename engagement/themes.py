"""Themes and sentiment of free-text comments: TF-IDF with NMF, and the VADER lexicon (both offline).

Only scrubbed text is ever read (Comment.text_scrubbed); raw text never leaves the database here.
The model is fitted on the distinct texts (at most MAX_FIT of them, a fixed random sample beyond that)
and every comment is then assigned to its strongest component; a theme's label is its top three terms.
fit() also returns the model as a ThemeModel (words and numbers), which engagement/theme_store.py stores
so that comments written later are labelled exactly as the ones it was fitted on.
Sentiment is the VADER compound score (-1..1); a stored Comment.sentiment wins over a fresh one.
VADER and the stop-word list are English: other languages get themes from their own words and
sentiments near 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.decomposition import NMF, non_negative_factorization
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_FIT = 3000
MAX_ITER = 400
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
    _, by_text = fit(texts, seed, exclude)
    return texts.map(by_text).fillna(OTHER)


@dataclass(frozen=True)
class ThemeModel:
    """A fitted model as plain words and numbers, so it can be stored (engagement/theme_store.py) and
    label texts written later exactly as the texts it was fitted on were labelled."""

    terms: tuple[str, ...]     # the TF-IDF vocabulary, in column order
    idf: np.ndarray            # its inverse document frequencies
    components: np.ndarray     # NMF's themes x terms matrix
    labels: tuple[str, ...]    # one per theme
    seed: int = 0

    def label(self, texts: pd.Series) -> pd.Series:
        """The label of each text; OTHER for a text with none of the model's words."""
        if texts.empty:
            return pd.Series([], index=texts.index, dtype=object)
        vectoriser = TfidfVectorizer(vocabulary=list(self.terms), token_pattern=TOKEN_PATTERN,
                                     sublinear_tf=True)
        vectoriser.idf_ = self.idf
        weights, _, _ = non_negative_factorization(
            vectoriser.transform(texts.fillna("")), H=self.components, n_components=len(self.labels),
            update_H=False, max_iter=MAX_ITER, random_state=self.seed)  # what NMF.transform runs
        return pd.Series(_best(weights, self.labels), index=texts.index, dtype=object)

    def as_json(self) -> dict:
        return {"terms": list(self.terms), "idf": self.idf.tolist(), "components": self.components.tolist(),
                "labels": list(self.labels), "seed": self.seed}

    @classmethod
    def from_json(cls, data: dict) -> ThemeModel:
        return cls(tuple(data["terms"]), np.asarray(data["idf"], dtype=np.float64),
                   np.asarray(data["components"], dtype=np.float64), tuple(data["labels"]), int(data["seed"]))


def fit(texts: pd.Series, seed: int = 0,
        exclude: frozenset[str] = frozenset()) -> tuple[ThemeModel | None, dict[str, str]]:
    """The model learnt from these texts and the label of each distinct one; (None, {}) when there is too
    little to learn from (every text then counts as OTHER)."""
    unique = pd.Series(pd.unique(texts.fillna("")))
    unique = unique[unique.str.strip() != ""]
    if len(unique) < MIN_DOCS:
        return None, {}
    fit_on = unique.sample(MAX_FIT, random_state=seed) if len(unique) > MAX_FIT else unique
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vectoriser = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | OTHER_STOP_WORDS | exclude),
                                 token_pattern=TOKEN_PATTERN, min_df=2 if len(fit_on) >= 50 else 1,
                                 max_features=3000, sublinear_tf=True)
    try:
        x_fit = vectoriser.fit_transform(fit_on)
    except ValueError:  # only stop words: nothing to learn from
        return None, {}
    k = int(min(MAX_THEMES, max(2, len(fit_on) // 8), x_fit.shape[1]))
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=MAX_ITER)
    with np.errstate(invalid="ignore"):  # tiny corpora: NMF's own error estimate divides by zero
        nmf.fit(x_fit)
    terms = vectoriser.get_feature_names_out()
    model = ThemeModel(tuple(terms), vectoriser.idf_, nmf.components_, tuple(_labels(nmf.components_, terms)),
                       seed)
    weights = nmf.transform(_vectorised(unique, fit_on, x_fit, vectoriser))
    return model, dict(zip(unique, _best(weights, model.labels), strict=True))


def _best(weights: np.ndarray, labels: tuple[str, ...]) -> list[str]:
    """The strongest theme of each row of NMF weights; OTHER for a row of zeros (no known words)."""
    best = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    return [labels[i] if i >= 0 else OTHER for i in best]


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
