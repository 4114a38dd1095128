"""Time everything the sponsor dashboard computes, on a 20,000-participant x 8-timepoint study.

    .venv/bin/python benchmarks/bench_dashboard.py [--participants 20000] [--source synthetic|demo]

Builds the study in a temporary SQLite database: `synthetic` (default) inserts rows directly with
executemany (answers, scores, their per-submission summary, and comments of one to three sentences
from the demo's English bank, nearly all distinct, with the sentiment the importer stores, as the
importer and scorer would leave them), `demo` uses the
demo generator and the bundle importer (slower to build; same page work afterwards). Prints JSON:
{"participants", "answers", "first_view_s", "filter_change_s", ...}. first_view_s is the median of 5
cold calls (caches emptied), filter_change_s the median of 5 calls that each change the site or role;
*_cpu_s are the same in process CPU time, first_view_risk_tile_s the part spent in the risk service
(engagement.risk.elevated_share) and first_view_without_risk_tile_s the rest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engagement import demo_comments, indicators_data, score_summary, theme_store, themes
from engagement.db import make_engine, read_session, write_session
from engagement.indicators import IndicatorFilters
from engagement.indicators_dashboard import dashboard_view
from engagement.migrate import upgrade
from engagement.models import (
    Instrument,
    InstrumentVersion,
    LifecycleStage,
    Site,
    Study,
    Timepoint,
)
from engagement.permissions import Grant, Viewer

STUDY = "BENCH-01"
SITES = ["S01", "S02", "S03", "S04", "S05", "S06"]
STAGES = ["protocol_design", "start_up", "recruitment", "active_treatment", "follow_up", "close_out",
          "results_dissemination"]
TIMEPOINTS = [("T0", "recruitment", 0), ("T1", "active_treatment", 30), ("T2", "active_treatment", 90),
              ("T3", "active_treatment", 150), ("T4", "follow_up", 240), ("T5", "follow_up", 330),
              ("T6", "follow_up", 420), ("T7", "close_out", 510)]
# (subscale, indicator, items): 22 scored items per submission
SUBSCALES = [("logistical", "burden", 4), ("psychological", "burden", 3), ("physical", "burden", 3),
             ("honesty", "trust", 3), ("interests", "trust", 3), ("valued", "engagement", 3),
             ("respected", "experience", 3)]
# Comments are one to three sentences of the demo's English bank, so nearly every text is distinct, as
# people's own words are (themes are fitted on distinct texts; eight repeated texts would flatter them).
SENTENCES = [t for tone in demo_comments.SENTENCES["en"].values() for t in tone]
AS_OF = dt.date(2026, 11, 21)
ITEMS = 26  # answers per submission: the 22 scored items plus 4 unscored (free text, demographics)


def build_synthetic(engine, n: int, seed: int = 7) -> int:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    with write_session(engine) as s:
        s.add(Study(id=STUDY, title="Benchmark study", sponsor="Bench"))
        s.add(Instrument(id="bench", title="Benchmark instrument"))
        s.flush()
        version = InstrumentVersion(instrument_id="bench", version="1", content={}, content_hash="h")
        s.add(version)
        s.add_all([Site(id=i + 1, study_id=STUDY, code=code, name=f"Site {code}", country="DE")
                   for i, code in enumerate(SITES)])
        s.add_all([LifecycleStage(id=i + 1, study_id=STUDY, name=name, order=i + 1)
                   for i, name in enumerate(STAGES)])
        s.flush()
        s.add_all([Timepoint(id=i + 1, study_id=STUDY, code=code, stage_id=STAGES.index(st) + 1,
                             instrument_id="bench", due_day=day, window_days=21)
                   for i, (code, st, day) in enumerate(TIMEPOINTS)])
        s.flush()
        answers = _people_and_answers(s.connection(), rng, n, version.id)
        # the per-submission summary the scorer keeps beside the scores, written by its own code
        score_summary.refresh(s, s.connection().exec_driver_sql("SELECT id FROM submissions").scalars())
        theme_store.refresh(s, STUDY)  # the theme labels an import of these comments stores
        return answers


def _people_and_answers(c, rng: np.random.Generator, n: int, version: int) -> int:  # type: ignore[no-untyped-def]
    site = rng.integers(0, len(SITES), n)
    role = rng.choice(["patient", "caregiver", "advocate"], n, p=[0.6, 0.35, 0.05])
    enrolled = np.datetime64("2024-11-04") + rng.integers(0, 320, n).astype("timedelta64[D]")
    leave = rng.random(n) < 0.15
    left_on = enrolled + rng.integers(20, 500, n).astype("timedelta64[D]")
    status = np.where(leave, rng.choice(["withdrawn", "lost_to_follow_up"], n), "active")
    c.exec_driver_sql(
        "INSERT INTO participants (id, study_id, code, site_id, role, enrolled_on, status, status_date) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(i + 1, STUDY, f"P{i:06d}", int(site[i]) + 1, str(role[i]), str(enrolled[i]), str(status[i]),
          str(left_on[i] if leave[i] else enrolled[i])) for i in range(n)])
    subs, answers, scores, comments = [], [], [], []
    words = np.random.default_rng(11)  # its own stream: the people and scores stay those of rng
    sub_id = 0
    base = rng.normal(0, 10, (n, 4)) + np.array([40, 65, 60, 70])
    for t, (_code, _stage, day) in enumerate(TIMEPOINTS):
        due = enrolled + np.timedelta64(day, "D")
        answered = (rng.random(n) < 0.88 - 0.03 * t) & (due <= np.datetime64(AS_OF)) & ~(
            leave & (left_on <= due))
        for i in np.flatnonzero(answered):
            sub_id += 1
            at = f"{due[i]} 10:00:00.000000"
            subs.append((sub_id, STUDY, f"s{sub_id}", int(i) + 1, t + 1, version, at, "import:native",
                         f"k{sub_id}", at))
            answers.extend((sub_id, f"q{k}", float(1 + (sub_id + k) % 5)) for k in range(ITEMS))
            drift = [6 * t / 7 * (site[i] % 2), -3 * t / 7, 0, 0]
            for j, (sub, ind, items) in enumerate(SUBSCALES):
                k = ["burden", "trust", "engagement", "experience"].index(ind)
                value = float(np.clip(base[i, k] + drift[k] + 5 * ((sub_id + j) % 3 - 1), 0, 100))
                scores.append((sub_id, sub, ind, value, items, items))
            if sub_id % 5 == 0:
                text = " ".join(SENTENCES[k] for k in words.choice(len(SENTENCES), 1 + sub_id % 3, replace=False))
                comments.append((sub_id, "anything_else", text, text, sub_id % 10 == 0,
                                 themes.stored_sentiment(text)))  # as the importer stores it
    c.exec_driver_sql("INSERT INTO submissions (id, study_id, external_id, participant_id, timepoint_id, "
                      "instrument_version_id, submitted_at, channel, idempotency_key, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", subs)
    c.exec_driver_sql("INSERT INTO answers (submission_id, item_id, value_num) VALUES (?, ?, ?)", answers)
    c.exec_driver_sql("INSERT INTO scores (submission_id, subscale_id, indicator, value, n_answered, "
                      "n_items) VALUES (?, ?, ?, ?, ?, ?)", scores)
    c.exec_driver_sql("INSERT INTO comments (submission_id, item_id, text_raw, text_scrubbed, may_quote, "
                      "sentiment) VALUES (?, ?, ?, ?, ?, ?)", comments)
    return len(answers)


def build_demo(engine, n: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    from engagement.bundle.importer import import_bundle
    from engagement.demo import STUDY_ID, generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), participants=n, seed=7)
        with write_session(engine) as s:
            import_bundle(s, Viewer.system_actor("bench"), Path(tmp))
    with read_session(engine) as s:
        return STUDY_ID, int(s.connection().exec_driver_sql("SELECT count(*) FROM answers").scalar())


_risk_s: list[tuple[float, float]] = []  # (wall, CPU) seconds in the risk tile (engagement.risk)


def _time_risk_tile() -> None:
    """Wrap the risk service the dashboard's risk tile calls, so its share of each view is reported."""
    try:
        from engagement import risk
    except ImportError:
        return
    inner = getattr(risk, "elevated_share", None)
    if inner is None:
        return

    def timed_share(*args, **kwargs):  # type: ignore[no-untyped-def]
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            _risk_s.append((time.perf_counter() - start, time.process_time() - cpu))

    risk.elevated_share = timed_share


def timed(engine, viewer: Viewer, study: str, filters: IndicatorFilters) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    """(wall, CPU, wall in the risk tile, CPU in the risk tile) seconds: CPU time shows the cost when
    other jobs share the two cores."""
    with read_session(engine) as s:
        _risk_s.clear()
        start, cpu = time.perf_counter(), time.process_time()
        dashboard_view(s, viewer, study, filters)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        return wall, cpu, sum(r[0] for r in _risk_s), sum(r[1] for r in _risk_s)


def baseline_read(path: str) -> float:
    """Seconds for raw sqlite3 to read the per-submission summary (rows every cold view reads) into numpy,
    timed beside each view: the host's speed at that moment, since these machines are shared."""
    con = sqlite3.connect(path)
    try:
        start = time.perf_counter()
        np.array(con.execute("SELECT * FROM submission_indicators").fetchall(), dtype=float)
        return time.perf_counter() - start
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=20_000)
    ap.add_argument("--source", choices=["synthetic", "demo"], default="synthetic")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        t0 = time.perf_counter()
        if args.source == "demo":
            study, answers = build_demo(engine, args.participants)
        else:
            study, answers = STUDY, build_synthetic(engine, args.participants)
        build_s = time.perf_counter() - t0
        _time_risk_tile()
        sponsor = Viewer("bench-sponsor", (Grant(study, "sponsor"),))
        base = IndicatorFilters(as_of=AS_OF)
        first, ratios = [], []
        for _ in range(5):
            indicators_data.clear_cache()
            floor = baseline_read(f"{tmp}/bench.db")
            first.append(timed(engine, sponsor, study, base))
            ratios.append((first[-1][0] / floor, floor))
        with read_session(engine) as s:
            sites = [r[0] for r in s.connection().exec_driver_sql(
                "SELECT code FROM sites WHERE study_id = ? ORDER BY code", (study,))]
        changes = [IndicatorFilters(site=sites[0], as_of=AS_OF),
                   IndicatorFilters(role="caregiver", as_of=AS_OF),
                   IndicatorFilters(site=sites[1], role="patient", as_of=AS_OF),
                   IndicatorFilters(site=sites[2], as_of=AS_OF), base]
        change = [timed(engine, sponsor, study, f) for f in changes]
        engine.dispose()
    def med(runs: list[tuple[float, ...]], i: int) -> float:
        return round(statistics.median(r[i] for r in runs), 3)

    def med_without_risk(runs: list[tuple[float, ...]], i: int) -> float:
        return round(statistics.median(r[i] - r[i + 2] for r in runs), 3)

    print(json.dumps({"participants": args.participants, "answers": answers,
                      "first_view_s": med(first, 0), "filter_change_s": med(change, 0),
                      "first_view_cpu_s": med(first, 1), "filter_change_cpu_s": med(change, 1),
                      # The risk tile scores the whole study through engagement.risk (not the indicators):
                      "first_view_risk_tile_s": med(first, 2), "first_view_risk_tile_cpu_s": med(first, 3),
                      "first_view_without_risk_tile_s": med_without_risk(first, 0),
                      "first_view_without_risk_tile_cpu_s": med_without_risk(first, 1),
                      "first_view_runs_s": [round(x, 3) for x, *_ in first],
                      # A first view over a raw sqlite3 read of the summary rows, each pair timed together:
                      # the figure to compare across runs when the host's speed varies.
                      "baseline_read_s": med(ratios, 1), "first_view_ratio_to_baseline_read": med(ratios, 0),
                      "filter_change_runs_s": [round(x, 3) for x, *_ in change],
                      "load_average_1m": round(os.getloadavg()[0], 2),
                      "source": args.source, "build_s": round(build_s, 1)}))


if __name__ == "__main__":
    main()
