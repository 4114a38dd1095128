"""Exact indicator values on a hand-built study (numbers worked out by hand in the comments)."""

from __future__ import annotations

import datetime as dt

import pytest

from engagement.errors import EngagementError
from engagement.indicators import IndicatorFilters, cells, indicator_table, prepare, write_indicator_csv
from tests.indicators.ind_factory import make_study, person, submit


def _build(session):
    b = make_study(session)
    for code, site, role in (("p1", "A", "patient"), ("p2", "A", "patient"), ("p3", "A", "patient"),
                             ("p4", "A", "caregiver"), ("p5", "B", "patient"), ("p6", "B", "patient")):
        person(session, b, code, site, role)
    t1 = {"p1": 40, "p2": 50, "p3": 60, "p4": 70, "p5": 80, "p6": 20}
    t2 = {"p1": 60, "p2": 70, "p3": 80, "p5": 100, "p6": 40}
    for code, v in t1.items():
        scores = {"burden": v}
        if code == "p1":  # two trust subscales, 70 and 90: the submission's trust is their mean, 80
            scores = {"burden": v, ("honesty", "trust"): 70.0, ("interests", "trust"): 90.0}
        submit(session, b, code, "T1", scores, at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    for code, v in t2.items():
        submit(session, b, code, "T2", {"burden": v}, at=dt.datetime(2026, 2, 10, tzinfo=dt.UTC))
    return b


def _row(table, **where):
    sel = table
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_stage_cells_by_hand(session, system):
    _build(session)
    table = cells(prepare(session, system, "S1"), ["stage"])
    rec = _row(table, stage="recruitment", indicator="burden")
    # 40 50 60 70 80 20: mean 53.333, sd sqrt(2333.33/5) = 21.602, t(5) = 2.5706, half 22.670
    assert rec["n"] == 6
    assert rec["mean"] == pytest.approx(53.3333, abs=1e-4)
    assert rec["sd"] == pytest.approx(21.6025, abs=1e-4)
    assert rec["ci_low"] == pytest.approx(30.6633, abs=1e-3)
    assert rec["ci_high"] == pytest.approx(76.0034, abs=1e-3)
    assert rec["top_box"] == pytest.approx(1 / 6)  # only 80 is >= 75
    trt = _row(table, stage="treatment", indicator="burden")
    assert (trt["n"], trt["mean"], trt["top_box"]) == (5, 70.0, 0.4)  # 60 70 80 100 40
    trust = _row(table, stage="recruitment", indicator="trust")
    assert (trust["n"], trust["mean"]) == (1, 80.0)
    assert trust["ci_low"] != trust["ci_low"]  # one person: no interval (NaN)
    assert not table["suppressed"].any()  # the system actor is not aggregate-only


def test_person_counted_once_per_cell(session, system):
    _build(session)
    table = cells(prepare(session, system, "S1"), ["site"])
    a = _row(table, site="A", indicator="burden")
    # people at A: p1 (40, 60 -> 50), p2 (50, 70 -> 60), p3 (60, 80 -> 70), p4 (70)
    assert a["n"] == 4
    assert a["mean"] == pytest.approx(62.5)
    assert a["top_box"] == 0.0


def test_filters_narrow_rows(session, system):
    _build(session)
    f = IndicatorFilters(date_from=dt.date(2026, 2, 1))
    table = cells(prepare(session, system, "S1", f), ["site", "role"])
    a = _row(table, site="A", role="patient", indicator="burden")
    assert (a["n"], a["mean"]) == (3, 70.0)  # T2 only, patients p1 p2 p3: 60 70 80
    assert set(table["indicator"]) == {"burden"}


def test_unknown_filter_and_grouping_are_coded(session, system):
    _build(session)
    with pytest.raises(EngagementError) as e:
        prepare(session, system, "S1", IndicatorFilters(site="Z"))
    assert e.value.code == "X903"
    with pytest.raises(EngagementError) as e:
        indicator_table(session, system, "S1", ["colour"])
    assert e.value.code == "X901"
    with pytest.raises(EngagementError) as e:
        indicator_table(session, system, "NOPE", ["site"])
    assert e.value.code in {"X902", "E001"}


def test_sponsor_csv_hides_small_cells(session, tmp_path):
    from engagement.permissions import Grant, Viewer

    b = make_study(session)
    for i in range(7):  # site A: 7 patients; site B: 2 patients
        person(session, b, f"a{i}", "A")
        submit(session, b, f"a{i}", "T1", {"burden": 10.0 * i})
    for i in range(2):
        person(session, b, f"b{i}", "B")
        submit(session, b, f"b{i}", "T1", {"burden": 50.0})
    sponsor = Viewer("spons", (Grant("S1", "sponsor"),))
    out = write_indicator_csv(session, sponsor, "S1", ["site"], tmp_path / "ind.csv")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "site,indicator,n,mean,ci_low,ci_high,top_box,suppressed"
    # B is small; A alone would then equal the study total, so A is hidden too (complementary).
    assert lines[1:] == ["A,burden,hidden,,,,,true", "B,burden,<5,,,,,true"]
    staff = write_indicator_csv(session, Viewer.system_actor(), "S1", ["site"], tmp_path / "s.csv")
    rows = staff.read_text(encoding="utf-8").splitlines()
    # 0 10 20 30 40 50 60: mean 30, sd 21.602, t(6) 2.4469, half 19.979; none reaches 75
    assert rows[1] == "A,burden,7,30.0,10.0,50.0,0.0,false"
