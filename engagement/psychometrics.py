"""Reliability of subscales: Cronbach's alpha (listwise and pairwise), alpha if item deleted,
corrected item-total correlations and n.

Answers are prepared as scoring prepares them — missing codes and values off the scale become
missing, reverse-keyed items become min + max - x — so a negatively worded item pulls alpha up, not down.
Alpha needs at least two items and two complete respondents; otherwise it is None (never 0).
Pairwise alpha uses the pairwise-complete covariance matrix (as psych::alpha(use="pairwise") and
pingouin.cronbach_alpha do); listwise alpha, item statistics and n use complete respondents only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.instruments import Instrument, Subscale
from engagement.instruments import registry as instrument_registry
from engagement.models import Answer, InstrumentVersion, Submission
from engagement.permissions import Action, Viewer


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def alpha_from_cov(cov: np.ndarray) -> float | None:
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or not np.isfinite(total) or total <= 0:
        return None
    return k / (k - 1) * (1 - np.trace(cov) / total)


def cronbach_alpha(items: pd.DataFrame, *, pairwise: bool = False) -> float | None:
    data = items if pairwise else items.dropna()
    if data.shape[1] < 2 or len(data) < 2:
        return None
    return _clean(alpha_from_cov(data.cov().to_numpy()))  # pandas cov is pairwise-complete


def item_total_r(complete: pd.DataFrame, item: str) -> float | None:
    """Correlation of the item with the sum of the other items (corrected item-total)."""
    rest = complete.drop(columns=[item]).sum(axis=1)
    if len(complete) < 3 or complete[item].std() == 0 or rest.std() == 0:
        return None
    return _clean(float(np.corrcoef(complete[item], rest)[0, 1]))


def keyed_items(instrument: Instrument, subscale: Subscale, wide: pd.DataFrame) -> pd.DataFrame:
    """The subscale's item columns, numeric, missing codes out, reverse-keyed; absent items left out."""
    cols = {}
    for item_id in subscale.items:
        if item_id not in wide.columns:
            continue
        sc = instrument.scale_of(item_id)
        assert sc is not None  # checks guarantee subscale items have a scale
        x = pd.to_numeric(wide[item_id], errors="coerce").astype(float)
        x = x.where((x >= sc.min) & (x <= sc.max) & ~x.isin(sc.missing_codes))
        cols[item_id] = sc.min + sc.max - x if item_id in subscale.reverse else x
    return pd.DataFrame(cols, index=wide.index)


def subscale_report(instrument: Instrument, subscale: Subscale, wide: pd.DataFrame) -> dict[str, Any]:
    data = keyed_items(instrument, subscale, wide)
    complete = data.dropna()
    items = {}
    for item_id in data.columns:
        rest = complete.drop(columns=[item_id])
        items[item_id] = {
            "alpha_if_deleted": cronbach_alpha(rest) if rest.shape[1] >= 2 else None,
            "item_total_r": item_total_r(complete, item_id) if data.shape[1] >= 2 else None,
            "n_answered": int(data[item_id].notna().sum()),
        }
    return {"title": subscale.title, "indicator": subscale.indicator, "n_items": len(subscale.items),
            "alpha": cronbach_alpha(data), "alpha_pairwise": cronbach_alpha(data, pairwise=True),
            "n": len(complete), "n_any": int(data.notna().any(axis=1).sum()), "items": items}


def psychometrics_from_wide(instrument: Instrument, wide: pd.DataFrame) -> dict[str, Any]:
    """{"subscales": {id: {alpha, alpha_pairwise, n, items: {item: {alpha_if_deleted, item_total_r}}}}}."""
    scored = {it.id for it in instrument.scored_items()}
    if not scored & set(wide.columns):
        raise fail("I330", f"none of the columns {', '.join(map(str, wide.columns[:8]))} is a scored item "
                   f"of {instrument.id} {instrument.version}", item=instrument.id)
    return {"instrument_id": instrument.id, "version": instrument.version, "respondents": len(wide),
            "subscales": {s.id: subscale_report(instrument, s, wide) for s in instrument.subscales}}


def read_wide_csv(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise fail("I330", f"cannot read {path}: {exc}", file=str(path)) from exc


# ------------------------------------------------------------------------------- from the database


def _wide_answers(session: Session, study_id: str, version_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(Answer.submission_id, Answer.item_id, Answer.value_num)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Submission.study_id == study_id, Submission.instrument_version_id == version_id,
               Answer.value_num.is_not(None))).all()
    long = pd.DataFrame(rows, columns=["submission_id", "item_id", "value_num"])
    if long.empty:
        return pd.DataFrame()
    return long.pivot_table(index="submission_id", columns="item_id", values="value_num", aggfunc="last")


def quality_report(session: Session, viewer: Viewer, study_id: str) -> dict[str, Any]:
    """Psychometrics per instrument version answered in the study (the admin page "Instrument quality")."""
    viewer.require(Action.view_instrument_quality, study_id)
    versions = session.execute(
        select(InstrumentVersion.id, InstrumentVersion.instrument_id, InstrumentVersion.version)
        .where(InstrumentVersion.id.in_(select(Submission.instrument_version_id)
                                        .where(Submission.study_id == study_id).distinct()))
        .order_by(InstrumentVersion.instrument_id, InstrumentVersion.id)).all()
    out = []
    for version_id, instrument_id, version in versions:
        _, instrument = instrument_registry.by_id(session, version_id)
        wide = _wide_answers(session, study_id, version_id)
        scored = {it.id for it in instrument.scored_items()}
        report: dict[str, Any] = {"instrument_id": instrument_id, "version": version,
                                  "respondents": len(wide), "subscales": {}}
        if scored & set(wide.columns):
            report = psychometrics_from_wide(instrument, wide)
        out.append({"title": instrument.title, **report})
    return {"study_id": study_id, "instruments": out}
