"""What `python -m engagement risk ...` prints; engagement/cli_more.py parses arguments, opens sessions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.models import RiskModel, Study
from engagement.permissions import Action, Viewer
from engagement.risk.definition import DEFAULT_HORIZON_DAYS
from engagement.risk.evaluate import evaluate
from engagement.risk.flags import score, write_flags_csv
from engagement.risk.model import train, train_across


def pick_study(session: Session, study_id: str | None) -> str:
    """--study, or the only study in the database."""
    studies = list(session.scalars(select(Study.id).order_by(Study.id)))
    if study_id is None:
        if len(studies) == 1:
            return studies[0]
        raise fail(
            "E003",
            f"{len(studies)} studies in the database: {', '.join(studies) or 'none'}",
            item="--study",
            fix="pass --study with one of the listed study ids",
        )
    if study_id not in studies:
        raise fail("E002", f"no study {study_id!r}; studies: {', '.join(studies) or 'none'}", item=study_id)
    return study_id


def evaluate_json(
    session: Session,
    viewer: Viewer,
    study_id: str | None,
    cutoff: dt.date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> str:
    study = pick_study(session, study_id)
    viewer.require(Action.view_participants, study)
    return json.dumps(evaluate(session, study, cutoff, horizon_days), indent=2)


def train_command(session: Session, viewer: Viewer, study_id: str | None, as_of: dt.date | None) -> str:
    return _describe(train(session, viewer, pick_study(session, study_id), as_of))


def train_across_command(
    session: Session, viewer: Viewer, study_ids: list[str] | None, as_of: dt.date | None
) -> str:
    """One model over several studies (every study in the database by default)."""
    ids = study_ids or list(session.scalars(select(Study.id).order_by(Study.id)))
    return _describe(train_across(session, viewer, ids, as_of))


def _describe(row: RiskModel) -> str:
    card = row.card
    owner = row.study_id or "studies " + ", ".join(card.get("studies", []))
    lines = [
        f"saved risk model {row.id} for {owner} as of {row.as_of}: {row.kind}",
        f"training window {card['data_window'].get('first_snapshot', '-')} to "
        f"{card['data_window'].get('last_snapshot', '-')}: {card['n_participants']} participants, "
        f"{card['n_events']} disengagement events",
    ]
    if card.get("fallback"):
        lines.append(f"note: {card['fallback']}")
    for kind, v in (card.get("validation") or {}).items():
        lines.append(f"temporal validation {kind}: ROC-AUC {v['roc_auc']}, Brier {v['brier']}")
    return "\n".join(lines)


def score_command(session: Session, viewer: Viewer, study_id: str | None, as_of: dt.date, out: Path) -> str:
    flags = score(session, viewer, pick_study(session, study_id), as_of)
    write_flags_csv(flags, out)
    a = flags.attrs
    used = (
        f"model {a['model_id']} ({a['method']}, trained as of {a.get('model_as_of')})"
        if a.get("model_id")
        else a["method"]
    )
    counts = flags["band"].value_counts()
    lines = [
        f"scored {len(flags)} active participants as of {a['as_of']} with {used}",
        f"high {counts.get('high', 0)}, elevated {counts.get('elevated', 0)}, low {counts.get('low', 0)}",
        f"wrote {out}",
    ]
    if a.get("fallback"):
        lines.insert(1, f"note: {a['fallback']}")
    return "\n".join(lines)
