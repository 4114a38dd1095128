"""Exact figures of dashboard_view on a seeded mid-sized study, pinned before the first-view speed work
(benchmarks/bench_dashboard.py) so that no optimisation can change what the dashboard shows."""

from __future__ import annotations

import datetime as dt

from engagement.indicators import IndicatorFilters
from engagement.indicators_dashboard import dashboard_view
from engagement.permissions import Grant, Viewer
from tests.indicators.ind_factory import make_study, person, submit

AS_OF = dt.date(2026, 12, 31)
SUBSCALES = (("logistical", "burden"), ("physical", "burden"), ("honesty", "trust"),
             ("valued", "engagement"))


def _build(session):
    """Sites A and B with 12 people each, site C with 4; 3 timepoints; scores vary by person and time,
    several subscales per indicator, some partly answered, one anonymous submission, some misses."""
    b = make_study(session, sites=("A", "B", "C"))
    roles = ("patient", "patient", "caregiver", "patient", "advocate", "patient")
    people = [(f"{s}{i}", s, roles[i % 6]) for s, n in (("A", 12), ("B", 12), ("C", 4)) for i in range(n)]
    for k, (code, site, role) in enumerate(people):
        left = k % 9 == 8
        person(session, b, code, site, role, enrolled=dt.date(2026, 1, 1) + dt.timedelta(days=k % 5),
               status="withdrawn" if left else "active",
               status_date=dt.date(2026, 3, 1) if left else None)
        for t, tp in enumerate(("T1", "T2", "T3")):
            if (k + t) % 7 == 3 or (left and t == 2):
                continue  # a missed timepoint
            scores = {key: (float((k * 7 + t * 11 + j * 13) % 61 + 20), 4 - (k + j) % 3 // 2 * 2, 4)
                      for j, key in enumerate(SUBSCALES)}
            submit(session, b, code, tp, scores,
                   at=dt.datetime(2026, 1 + t * 2, 5 + k % 20, 9, 0, tzinfo=dt.UTC),
                   comment=("Travel to the clinic takes hours and parking costs too much.", k % 2 == 0)
                   if k % 4 == 0 else None)
    submit(session, b, None, "T1", {"burden": 55.0, "trust": 45.0})
    return b


def _cells(table, keys):
    return [(*(r[k] for k in keys), r["indicator"], r["n_label"], None if r["suppressed"] else
             round(float(r["mean"]), 9)) for _, r in table.iterrows()]


def test_staff_figures_pinned(session, system):
    _build(session)
    v = dashboard_view(session, system, "S1", IndicatorFilters(as_of=AS_OF))
    assert [(t.key, t.value, t.detail, None if t.number is None else round(t.number, 9))
            for t in v.tiles if t.key != "risk"] == STAFF_TILES  # risk: engagement.risk's own figures
    assert _cells(v.timeline, ["stage"]) == STAFF_TIMELINE
    assert [(r["timepoint"], int(r["due"]), int(r["responded"])) for _, r in v.response.iterrows()] \
        == STAFF_RESPONSE
    assert [(r["timepoint"], int(r["complete"]), int(r["partial"]), int(r["break_off"]))
            for _, r in v.completeness.iterrows()] == STAFF_COMPLETENESS
    assert round(float(v.timeline["sd"].sum()), 9) == STAFF_SD_SUM
    assert round(float(v.retention["survival"].sum()), 9) == STAFF_RETENTION_SUM


def test_sponsor_figures_pinned(session):
    _build(session)
    sponsor = Viewer("sponsor", (Grant("S1", "sponsor"),))
    v = dashboard_view(session, sponsor, "S1", IndicatorFilters(as_of=AS_OF))
    assert [(t.key, t.value, t.detail) for t in v.tiles if t.key != "risk"] == SPONSOR_TILES
    assert _cells(v.heatmap, ["site", "stage"]) == SPONSOR_HEATMAP
    assert _cells(v.by_role, ["role"]) == SPONSOR_BY_ROLE
    f = dashboard_view(session, sponsor, "S1", IndicatorFilters(site="B", as_of=AS_OF))
    assert _cells(f.timeline, ["stage"]) == SPONSOR_SITE_B_TIMELINE
    assert [(r["theme"], r["n_label"]) for _, r in v.themes.iterrows()] == SPONSOR_THEMES


# Pinned from the implementation before the speed work (values printed by the code, not by hand).
STAFF_TILES = [('response_rate', '86%', '70 of 81 due surveys answered', 0.864197531),
               ('burden', '50 / 100', '95% interval 47 to 53; n = 29', 49.91091954),
               ('trust', '50 / 100', '95% interval 46 to 54; n = 29', 49.637931034),
               ('engagement', '50 / 100', '95% interval 46 to 54; n = 28', 49.732142857)]
STAFF_TIMELINE = [('recruitment', 'burden', '25', 48.82), ('recruitment', 'engagement', '24', 49.291666667),
                  ('recruitment', 'trust', '25', 48.84), ('treatment', 'burden', '24', 50.5625),
                  ('treatment', 'engagement', '24', 51.291666667), ('treatment', 'trust', '24', 51.0),
                  ('follow_up', 'burden', '22', 51.727272727), ('follow_up', 'engagement', '22', 45.409090909),
                  ('follow_up', 'trust', '22', 49.045454545)]
STAFF_RESPONSE = [('T1', 28, 24), ('T2', 28, 24), ('T3', 25, 22)]
STAFF_COMPLETENESS = [('T1', 17, 8, 0), ('T2', 17, 7, 0), ('T3', 16, 6, 0)]
STAFF_SD_SUM = 145.439901627
STAFF_RETENTION_SUM = 15.036591479
SPONSOR_TILES = [('response_rate', '86%', '70 of 81 due surveys answered'),
                 ('burden', 'fewer than 5', 'too few people to show'),
                 ('trust', 'fewer than 5', 'too few people to show'),
                 ('engagement', '50 / 100', '95% interval 46 to 54; n = 28')]
SPONSOR_HEATMAP = [('(no site)', 'recruitment', 'burden', '<5', None),
                   ('(no site)', 'recruitment', 'trust', '<5', None), ('A', 'recruitment', 'burden', '10', 45.3),
                   ('A', 'recruitment', 'trust', '10', 46.5), ('A', 'recruitment', 'engagement', 'hidden', None),
                   ('B', 'recruitment', 'burden', '11', 52.272727273),
                   ('B', 'recruitment', 'trust', '11', 52.363636364),
                   ('B', 'recruitment', 'engagement', '11', 43.181818182),
                   ('C', 'recruitment', 'burden', '<5', None), ('C', 'recruitment', 'trust', '<5', None),
                   ('C', 'recruitment', 'engagement', '<5', None), ('A', 'treatment', 'burden', 'hidden', None),
                   ('A', 'treatment', 'trust', 'hidden', None), ('A', 'treatment', 'engagement', 'hidden', None),
                   ('B', 'treatment', 'burden', '10', 53.5), ('B', 'treatment', 'trust', '10', 48.6),
                   ('B', 'treatment', 'engagement', '10', 43.3), ('C', 'treatment', 'burden', '<5', None),
                   ('C', 'treatment', 'trust', '<5', None), ('C', 'treatment', 'engagement', '<5', None),
                   ('A', 'follow_up', 'burden', '10', 51.8), ('A', 'follow_up', 'trust', '10', 46.9),
                   ('A', 'follow_up', 'engagement', '10', 41.6), ('B', 'follow_up', 'burden', 'hidden', None),
                   ('B', 'follow_up', 'trust', 'hidden', None), ('B', 'follow_up', 'engagement', 'hidden', None),
                   ('C', 'follow_up', 'burden', '<5', None), ('C', 'follow_up', 'trust', '<5', None),
                   ('C', 'follow_up', 'engagement', '<5', None)]
SPONSOR_BY_ROLE = [('(anonymous)', 'burden', '<5', None), ('(anonymous)', 'trust', '<5', None),
                   ('advocate', 'burden', '<5', None), ('advocate', 'trust', '<5', None),
                   ('advocate', 'engagement', '<5', None), ('caregiver', 'burden', '5', 49.933333333),
                   ('caregiver', 'trust', '5', 45.033333333), ('caregiver', 'engagement', 'hidden', None),
                   ('patient', 'burden', '19', 48.877192982), ('patient', 'trust', '19', 50.184210526),
                   ('patient', 'engagement', '19', 49.271929825)]
SPONSOR_SITE_B_TIMELINE = [('recruitment', 'burden', '11', 52.272727273),
                           ('recruitment', 'engagement', '11', 43.181818182),
                           ('recruitment', 'trust', '11', 52.363636364), ('treatment', 'burden', '10', 53.5),
                           ('treatment', 'engagement', '10', 43.3), ('treatment', 'trust', '10', 48.6),
                           ('follow_up', 'burden', 'hidden', None), ('follow_up', 'engagement', 'hidden', None),
                           ('follow_up', 'trust', 'hidden', None)]
SPONSOR_THEMES = [('other', '7')]
