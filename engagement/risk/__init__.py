"""Disengagement risk: who is likely to stop taking part in the next weeks, and why.

definition.py  events and labels (what "disengaged" means, as known at a date)
frames.py      the one loader from the database into plain pandas frames
features.py    as-of features, vectorised
rules.py       explainable rules that work with no training data
model.py       train, calibrate, select, save (skops) with a model card
evaluate.py    honest temporal evaluation with baselines
flags.py       scoring, bands and plain-language reasons
monitor.py     the trial-manager monitor service and outreach logging
"""


def elevated_share(session, viewer, study_id, as_of=None):  # type: ignore[no-untyped-def]
    """The dashboard's KPI tile: (people scored, share at elevated or high risk), or None."""
    from engagement.risk.flags import elevated_share as compute

    return compute(session, viewer, study_id, as_of)
