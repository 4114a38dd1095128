"""The fast risk path (plain rows, shared per-submission score pass, numpy features) gives, person by
person, exactly the risks, bands and features the first implementation gave (ORM rows, pandas groupbys).

The expected figures were captured from that implementation (commit 5d58caf) on the study _build()
makes: a simulated study plus the awkward cases the loader must get right (sentiment computed from
text, a comment with no text, two comments on one submission, a submission outside the schedule, one
at 23:59:59.7 UTC, another study's data in the same database).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from engagement.models import Comment, Submission
from engagement.permissions import Viewer
from engagement.risk.features import FEATURES, features_as_of
from engagement.risk.flags import elevated_share, score_frames
from engagement.risk.frames import load_frames, to_date
from engagement.risk.rules import RulesScorer
from engagement.risk.simulate import START_DAY, simulate

from .conftest import store_frames

STUDY = "FAST"
TEXTS = ("I am exhausted and angry about the parking", "Lovely staff, thank you", "", "so-so")


def _build(session: Session, others: int = 15) -> None:
    """others: people in the second study; with more than this one's, the shared reads look this study's
    rows up instead of scanning whole tables (engagement.indicators_data.holds_most)."""
    store_frames(session, simulate(40, seed=21, n_sites=3, n_timepoints=6, enrol_span=120), STUDY)
    store_frames(session, simulate(others, seed=4, n_sites=2, n_timepoints=6, enrol_span=120), "OTHER")
    c = session.connection()
    comments = c.execute(text("SELECT c.id FROM comments c JOIN submissions sb ON sb.id = c.submission_id "
                              "WHERE sb.study_id = :s ORDER BY c.id"), {"s": STUDY}).scalars().all()
    for k, cid in enumerate(comments[::3]):  # stored without sentiment: VADER reads the scrubbed text
        c.execute(text("UPDATE comments SET sentiment = NULL, text_scrubbed = :t WHERE id = :i"),
                  {"t": TEXTS[k % len(TEXTS)], "i": cid})
    subs = c.execute(text("SELECT id FROM submissions WHERE study_id = :s ORDER BY id"),
                     {"s": STUDY}).scalars().all()
    for sid in subs[::23]:
        c.execute(text("UPDATE submissions SET timepoint_id = NULL WHERE id = :i"), {"i": sid})
    for sid in subs[5::17]:  # late in the UTC day: still that day
        sub = session.get(Submission, sid)
        sub.submitted_at = dt.datetime.combine(sub.submitted_at.date(), dt.time(23, 59, 59, 700000), dt.UTC)
    for sid in subs[3::11]:  # a second comment on the same submission, after the first or before it
        session.add(Comment(submission_id=sid, item_id="zz_more", text_raw="x", text_scrubbed="x", sentiment=-0.6))
    for sid in subs[7::13]:
        session.add(Comment(submission_id=sid, item_id="aa_first", text_raw="x", text_scrubbed="x", sentiment=0.5))
    session.flush()


@pytest.fixture(params=[15, 90], ids=["most", "fewer"])
def frames(session, request):
    _build(session, request.param)
    return load_frames(session, STUDY)


@pytest.mark.parametrize("t", [START_DAY + 60, START_DAY + 150, START_DAY + 240])
def test_risk_per_person_as_before(frames, t):
    flags = score_frames(frames, RulesScorer(), t).sort_values("participant_id")
    got = [(r.participant_id, round(float(r.risk), 4), r.band, int(r.missed_count))
           for r in flags.itertuples(index=False)]
    assert got == EXPECTED_FLAGS[t]


@pytest.mark.parametrize("t", [START_DAY + 60, START_DAY + 150, START_DAY + 240])
def test_features_as_before(frames, t):
    feats = features_as_of(frames, t)
    summary = {f: (int(feats[f].isna().sum()), round(float(np.nansum(feats[f])), 6)) for f in FEATURES}
    assert summary == EXPECTED_FEATURE_SUMS[t]


@pytest.mark.parametrize("others", [15, 90])
def test_dashboard_share_as_before(session, others):
    _build(session, others)
    viewer = Viewer.system_actor("test")
    got = {t: elevated_share(session, viewer, STUDY, to_date(t)) for t in EXPECTED_SHARE}
    assert got == EXPECTED_SHARE


# Captured from the first implementation (see the module docstring): person code, risk, band, misses;
# per feature (people with no value, sum over people); (people scored, share elevated or high).
EXPECTED_FLAGS = {
    START_DAY + 60: [("P000002", 0.03, "low", 0), ("P000003", 0.03, "low", 0), ("P000006", 0.03, "low", 0),
         ("P000008", 0.03, "low", 1), ("P000010", 0.03, "low", 0), ("P000012", 0.03, "low", 0),
         ("P000018", 0.03, "low", 0), ("P000019", 0.03, "low", 0), ("P000020", 0.321, "elevated", 1),
         ("P000021", 0.127, "low", 0), ("P000023", 0.03, "low", 0), ("P000024", 0.321, "elevated", 1),
         ("P000025", 0.03, "low", 0), ("P000027", 0.03, "low", 0), ("P000028", 0.03, "low", 0),
         ("P000031", 0.03, "low", 0), ("P000032", 0.03, "low", 0), ("P000034", 0.321, "elevated", 1),
         ("P000036", 0.03, "low", 0), ("P000037", 0.03, "low", 0), ("P000039", 0.321, "elevated", 1),
         ("P000040", 0.03, "low", 0)],
    START_DAY + 150: [("P000001", 0.321, "elevated", 1), ("P000002", 0.03, "low", 0), ("P000003", 0.5111, "high", 1),
         ("P000005", 0.03, "low", 0), ("P000006", 0.321, "elevated", 1), ("P000007", 0.03, "low", 0),
         ("P000008", 0.3889, "elevated", 2), ("P000009", 0.03, "low", 0), ("P000010", 0.03, "low", 1),
         ("P000011", 0.3889, "elevated", 1), ("P000012", 0.03, "low", 0), ("P000013", 0.127, "low", 0),
         ("P000014", 0.127, "low", 0), ("P000015", 0.321, "elevated", 1), ("P000016", 0.03, "low", 0),
         ("P000017", 0.03, "low", 0), ("P000018", 0.03, "low", 1), ("P000019", 0.321, "elevated", 1),
         ("P000020", 0.321, "elevated", 3), ("P000021", 0.03, "low", 0), ("P000022", 0.03, "low", 0),
         ("P000023", 0.1755, "low", 1), ("P000024", 0.03, "low", 4), ("P000025", 0.03, "low", 0),
         ("P000026", 0.03, "low", 0), ("P000027", 0.3889, "elevated", 1), ("P000028", 0.03, "low", 1),
         ("P000029", 0.03, "low", 0), ("P000030", 0.03, "low", 1), ("P000031", 0.321, "elevated", 1),
         ("P000032", 0.127, "low", 0), ("P000033", 0.03, "low", 0), ("P000034", 0.321, "elevated", 2),
         ("P000035", 0.03, "low", 0), ("P000036", 0.1755, "low", 1), ("P000038", 0.03, "low", 0),
         ("P000039", 0.3889, "elevated", 3), ("P000040", 0.6089, "high", 3)],
    START_DAY + 240: [("P000001", 0.03, "low", 1), ("P000005", 0.1755, "low", 0), ("P000007", 0.03, "low", 1),
         ("P000009", 0.03, "low", 0), ("P000011", 0.03, "low", 2), ("P000014", 0.03, "low", 1),
         ("P000015", 0.1755, "low", 2), ("P000026", 0.03, "low", 0), ("P000033", 0.03, "low", 1),
         ("P000035", 0.03, "low", 0)],
}
EXPECTED_FEATURE_SUMS = {
    START_DAY + 60: {"burden_change": (15, -28.266514),
         "burden_latest": (6, 543.818567),
         "burden_slope": (15, -26.980626),
         "burden_stage_change": (22, 0.0),
         "completeness": (7, 1300.0),
         "days_since_last": (0, 287.0),
         "engagement_change": (15, 13.668793),
         "engagement_latest": (6, 1024.220753),
         "engagement_slope": (15, 20.651345),
         "engagement_stage_change": (22, 0.0),
         "late_count": (0, 3.0),
         "latency_last": (7, 112.0),
         "latency_trend": (16, -28.0),
         "missed_count": (0, 5.0),
         "missed_last": (0, 4.0),
         "missed_streak": (0, 4.0),
         "neg_comments": (0, 4.0),
         "neg_last_two": (0, 0.0),
         "neg_share": (11, 300.0),
         "role_advocate": (0, 2.0),
         "role_caregiver": (0, 3.0),
         "role_patient": (0, 17.0),
         "site_missed_rate": (0, 536.666667),
         "stage_order": (0, 23.0),
         "trust_change": (15, 7.170523),
         "trust_latest": (6, 1181.752693),
         "trust_slope": (15, 6.154779),
         "trust_stage_change": (22, 0.0)},
    START_DAY + 150: {"burden_change": (3, 41.540101),
         "burden_latest": (0, 1296.286169),
         "burden_slope": (3, -6.244902),
         "burden_stage_change": (11, 58.160478),
         "completeness": (0, 3163.333333),
         "days_since_last": (0, 781.0),
         "engagement_change": (3, -198.58136),
         "engagement_latest": (0, 2433.872788),
         "engagement_slope": (3, -61.243448),
         "engagement_stage_change": (11, -112.740591),
         "late_count": (0, 9.0),
         "latency_last": (0, 309.0),
         "latency_trend": (5, -19.083333),
         "missed_count": (0, 31.0),
         "missed_last": (0, 13.0),
         "missed_streak": (0, 16.0),
         "neg_comments": (0, 16.0),
         "neg_last_two": (0, 2.0),
         "neg_share": (4, 908.333333),
         "role_advocate": (0, 3.0),
         "role_caregiver": (0, 7.0),
         "role_patient": (0, 28.0),
         "site_missed_rate": (0, 952.889785),
         "stage_order": (0, 83.0),
         "trust_change": (3, -82.467825),
         "trust_latest": (0, 2723.838279),
         "trust_slope": (3, -20.117439),
         "trust_stage_change": (11, -86.413628)},
    START_DAY + 240: {"burden_change": (0, -11.128412),
         "burden_latest": (0, 337.891928),
         "burden_slope": (0, -1.704985),
         "burden_stage_change": (0, -8.662789),
         "completeness": (0, 900.0),
         "days_since_last": (0, 156.0),
         "engagement_change": (0, 29.622228),
         "engagement_latest": (0, 712.82064),
         "engagement_slope": (0, 17.607967),
         "engagement_stage_change": (0, 19.262479),
         "late_count": (0, 3.0),
         "latency_last": (0, 64.0),
         "latency_trend": (0, -23.316667),
         "missed_count": (0, 8.0),
         "missed_last": (0, 0.0),
         "missed_streak": (0, 0.0),
         "neg_comments": (0, 11.0),
         "neg_last_two": (0, 2.0),
         "neg_share": (0, 362.5),
         "role_advocate": (0, 0.0),
         "role_caregiver": (0, 2.0),
         "role_patient": (0, 8.0),
         "site_missed_rate": (0, 240.57998),
         "stage_order": (0, 30.0),
         "trust_change": (0, 14.955496),
         "trust_latest": (0, 776.787093),
         "trust_slope": (0, 11.957136),
         "trust_stage_change": (0, 13.266547)},
}
EXPECTED_SHARE = {START_DAY + 60: (22, 0.1818), START_DAY + 150: (38, 0.3421), START_DAY + 240: (10, 0.0)}
