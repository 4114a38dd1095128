"""Import a native bundle of 1,000,000 answers end to end (parse, validate, write, score); print JSON.

    .venv/bin/python benchmarks/bench_import.py [--answers N] [--postgres URL] [--keep DIR]

Prints {"answers", "answers_per_s", "ratio_raw_executemany", "ratio_to_sql", "peak_rss_mb", ...}:
- answers_per_s: answers in the bundle / wall time of import_bundle into a fresh, migrated SQLite file
  (reading the CSV files, every check, writing studies..answers..comments, scoring, the audit event);
- ratio_raw_executemany: ours / raw sqlite3 executemany of the same answer rows (submission id, item id,
  value; already parsed, so the baseline does no reading or checking) into the same answers table (DDL
  compiled from our model: same columns, primary key and WITHOUT ROWID, same foreign key to a submissions
  table filled before the clock starts) in a fresh file, same run; target >= 0.4.
  ratio_raw_executemany_nofk: the same without the foreign key;
- ratio_to_sql: ours / pandas.DataFrame.to_sql (SQLAlchemy engine, method=None) of the same rows into the
  same table; target >= 2;
- peak_rss_mb: peak resident memory (VmHWM) of the child process that ran the import (each measurement
  runs in its own subprocess, so the figure is the import's own); target < 1024 at --answers 5000000;
- with --postgres URL: ratio_raw_copy = ours on PostgreSQL / psycopg COPY (write_row) of the same rows
  into the same table (as above) in a fresh database; target >= 0.4; ratio_raw_copy_nofk without
  the foreign key.
Every contender runs --repeat times (default 3), interleaved; the fastest run of each is compared.

The bundle is synthetic: one study, 6 sites, participants answering participant-burden (10 scored items)
at 8 timepoints, about 3% blanks and 2% "does not apply" (-99), and a comment on 2% of submissions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STUDY = "BENCH-01"
INSTRUMENT = "participant-burden"
ITEMS = ("travel_hard", "visits_long", "costs_covered", "fits_schedule", "worry_health", "unsure_next",
         "feel_calm", "tests_uncomfortable", "side_effects", "feel_tired")
TIMEPOINTS = 8
SITES = ("S01", "S02", "S03", "S04", "S05", "S06")
COMMENTS = ("Parking was hard to find near the clinic.", "The nurses explained every step, thank you.",
            "Visits run late and I miss work.", "Please send reminders a day earlier.")


def _static(folder: Path, n_participants: int) -> None:
    def write(name: str, frame: pd.DataFrame) -> None:
        frame.to_csv(folder / name, index=False, lineterminator="\n")

    write("studies.csv", pd.DataFrame([{"study_id": STUDY, "title": "Import benchmark", "sponsor": "Bench",
                                        "registry_id": "", "current_stage": "active_treatment"}]))
    write("stages.csv", pd.DataFrame([{"study_id": STUDY, "stage": "active_treatment", "order": 1,
                                       "planned_start": "2024-01-01", "planned_end": "", "actual_start": "",
                                       "actual_end": ""}]))
    write("sites.csv", pd.DataFrame({"study_id": STUDY, "site_id": SITES,
                                     "name": [f"Site {s}" for s in SITES], "country": "FR"}))
    codes = [f"P{i:06d}" for i in range(n_participants)]
    write("participants.csv", pd.DataFrame({
        "study_id": STUDY, "participant_id": codes,
        "site_id": [SITES[i % len(SITES)] for i in range(len(codes))],
        "role": "patient", "enrolled_on": "2024-02-01", "status": "active", "status_date": "2024-02-01"}))
    write("schedule.csv", pd.DataFrame({
        "study_id": STUDY, "timepoint_id": [f"TP{t}" for t in range(TIMEPOINTS)], "stage": "active_treatment",
        "instrument_id": INSTRUMENT, "due_day": [28 * t for t in range(TIMEPOINTS)], "window_days": 14}))


def write_bundle(folder: Path, answers: int, seed: int = 7, comment_share: float = 0.02) -> dict[str, int]:
    """A native bundle with about `answers` answer rows; returns the exact counts written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    per_participant = len(ITEMS) * TIMEPOINTS
    n_participants = max(1, round(answers / per_participant))
    _static(folder, n_participants)
    n_sub = n_participants * TIMEPOINTS
    sub = np.arange(n_sub)
    participant, tp = sub // TIMEPOINTS, sub % TIMEPOINTS
    seconds = (1_706_745_600 + tp * 28 * 86_400 + rng.integers(0, 86_400 * 7, n_sub)).astype("datetime64[s]")
    stamp = np.char.add(np.datetime_as_string(seconds, unit="s").astype(str), "Z")
    heads = pd.DataFrame({
        "submission_id": np.char.add("SUB", sub.astype(str)), "study_id": STUDY,
        "participant_id": np.char.add("P", np.char.zfill(participant.astype(str), 6)),
        "timepoint_id": np.char.add("TP", tp.astype(str)), "instrument_id": INSTRUMENT,
        "instrument_version": "1.0.0", "submitted_at": stamp})
    rows = heads.loc[heads.index.repeat(len(ITEMS))].reset_index(drop=True)
    rows["item_id"] = np.tile(np.array(ITEMS), n_sub)
    values = rng.integers(1, 6, len(rows)).astype(str).astype(object)
    draw = rng.random(len(rows))
    values[draw < 0.03] = ""
    values[(draw >= 0.03) & (draw < 0.05)] = "-99"
    rows["value"] = values
    rows.to_csv(folder / "responses.csv", index=False, lineterminator="\n")
    with_comment = sub[rng.random(n_sub) < comment_share]
    comments = pd.DataFrame({
        "submission_id": np.char.add("SUB", with_comment.astype(str)), "item_id": "burden_comment",
        "text": [COMMENTS[i % len(COMMENTS)] for i in range(len(with_comment))],
        "may_quote": np.where(with_comment % 2 == 0, "true", "false")})
    comments.to_csv(folder / "comments.csv", index=False, lineterminator="\n")
    return {"answers": len(rows), "submissions": n_sub, "participants": n_participants,
            "comments": len(comments)}


def answer_rows(folder: Path) -> pd.DataFrame:
    """The answer rows as the baselines insert them: integer submission ids, item ids, float values."""
    frame = pd.read_csv(folder / "responses.csv", usecols=["submission_id", "item_id", "value"],
                        dtype={"submission_id": str, "item_id": str, "value": float}, keep_default_na=False,
                        na_values={"value": [""]})
    codes, _ = pd.factorize(frame["submission_id"])
    return pd.DataFrame({"submission_id": codes + 1, "item_id": frame["item_id"],
                         "value_num": frame["value"]})


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: on Linux a child started with vfork/exec
    inherits the parent's high-water mark (here: the parent that built the bundle), VmHWM does not."""
    try:
        with Path("/proc/self/status").open() as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------- measured jobs


def job_ours(url: str, folder: str) -> dict[str, float]:
    from engagement.bundle.importer import import_bundle
    from engagement.db import make_engine, write_session
    from engagement.migrate import upgrade
    from engagement.permissions import Viewer

    engine = make_engine(url)
    upgrade(engine)
    t0, c0 = time.perf_counter(), _cpu_seconds()
    with write_session(engine) as session:
        result = import_bundle(session, Viewer.system_actor("bench"), Path(folder))
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "answers_written": result.counts["answer"]["added"]}


# The baselines write into the same answers table as ours: its DDL is compiled from our model (columns,
# primary key (submission_id, item_id), on SQLite WITHOUT ROWID, and the foreign key to a submissions table
# filled before the clock starts). The *_nofk variants drop the foreign key, for comparison.
def answers_ddl(dialect: str, fk: bool) -> str:
    from sqlalchemy import MetaData
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateTable, ForeignKeyConstraint

    from engagement.models import Answer

    table = Answer.__table__
    if not fk:
        table = table.to_metadata(MetaData())
        for constraint in [c for c in table.constraints if isinstance(c, ForeignKeyConstraint)]:
            table.constraints.discard(constraint)
        for column in table.columns:
            column.foreign_keys.clear()
    compiled = CreateTable(table).compile(dialect=sqlite.dialect() if dialect == "sqlite" else postgresql.dialect())
    return str(compiled).strip()


def _tuples(rows: pd.DataFrame) -> list[tuple[int, str, float | None]]:
    return list(zip(rows["submission_id"].tolist(), rows["item_id"].tolist(),
                    rows["value_num"].astype(object).where(rows["value_num"].notna(), None).tolist(),
                    strict=True))


def _sqlite_tables(conn, rows: pd.DataFrame, fk: bool) -> None:  # type: ignore[no-untyped-def]
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA foreign_keys={'ON' if fk else 'OFF'}")
    conn.execute("CREATE TABLE submissions (id INTEGER PRIMARY KEY)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO submissions (id) VALUES (?)",
                     ((i,) for i in range(1, int(rows["submission_id"].max()) + 1)))
    conn.execute("COMMIT")
    conn.execute(answers_ddl("sqlite", fk))


def job_raw_executemany(db: str, folder: str, fk: bool = True) -> dict[str, float]:
    import sqlite3

    rows = answer_rows(Path(folder))
    data = _tuples(rows)
    conn = sqlite3.connect(db, isolation_level=None)
    _sqlite_tables(conn, rows, fk)
    t0, c0 = time.perf_counter(), _cpu_seconds()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO answers (submission_id, item_id, value_num, value_text) "
                     "VALUES (?, ?, ?, ?)", ((s, i, v, None) for s, i, v in data))
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    conn.close()
    return {"seconds": seconds, "cpu": cpu}


def job_to_sql(db: str, folder: str) -> dict[str, float]:
    import sqlite3

    from sqlalchemy import create_engine, event

    rows = answer_rows(Path(folder))
    rows["value_text"] = None
    conn = sqlite3.connect(db, isolation_level=None)
    _sqlite_tables(conn, rows, fk=True)
    conn.close()
    engine = create_engine(f"sqlite:///{db}")
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=ON"))
    t0, c0 = time.perf_counter(), _cpu_seconds()
    rows.to_sql("answers", engine, if_exists="append", index=False)
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu}


def job_raw_copy(url: str, folder: str, fk: bool = True) -> dict[str, float]:
    import psycopg

    rows = answer_rows(Path(folder))
    data = _tuples(rows)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE submissions (id SERIAL PRIMARY KEY)")
        conn.execute("INSERT INTO submissions (id) SELECT g FROM generate_series(1, %s) g",
                     (int(rows["submission_id"].max()),))
        conn.execute(answers_ddl("postgresql", fk))
        conn.commit()
        t0, c0 = time.perf_counter(), _cpu_seconds()
        with conn.cursor() as cur, cur.copy(
                "COPY answers (submission_id, item_id, value_num, value_text) FROM STDIN") as copy:
            for s, i, v in data:
                copy.write_row((s, i, v, None))
        conn.commit()
        seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    return {"seconds": seconds, "cpu": cpu}


JOBS = {"ours": job_ours, "raw_executemany": job_raw_executemany, "to_sql": job_to_sql,
        "raw_copy": job_raw_copy,
        "raw_executemany_nofk": lambda db, folder: job_raw_executemany(db, folder, fk=False),
        "raw_copy_nofk": lambda url, folder: job_raw_copy(url, folder, fk=False)}


def run_job(name: str, target: str, folder: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter so its peak RSS is its own."""
    out = subprocess.run([sys.executable, __file__, "--job", name, target, str(folder)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------- postgres


def _fresh_pg_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def _drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest run (the machine may be shared: the least disturbed run is the fairest figure)."""
    return min(runs, key=lambda r: r["seconds"])


def measure(answers: int, postgres: str | None, keep: Path | None, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = keep or tmp / "bundle"
        counts = write_bundle(folder, answers)
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "raw": [], "raw_nofk": [], "to_sql": []}
        for i in range(repeat):  # interleaved, so a busy spell of the machine hits every contender
            runs["ours"].append(run_job("ours", f"sqlite:///{tmp / f'ours{i}.db'}", folder))
            runs["raw"].append(run_job("raw_executemany", str(tmp / f"raw{i}.db"), folder))
            runs["raw_nofk"].append(run_job("raw_executemany_nofk", str(tmp / f"rawn{i}.db"), folder))
            runs["to_sql"].append(run_job("to_sql", str(tmp / f"to_sql{i}.db"), folder))
        ours, raw, to_sql = best(runs["ours"]), best(runs["raw"]), best(runs["to_sql"])
        n = counts["answers"]
        result: dict[str, object] = {
            "answers": n, "answers_per_s": round(n / ours["seconds"]),
            "ratio_raw_executemany": round(raw["seconds"] / ours["seconds"], 3),
            "ratio_to_sql": round(to_sql["seconds"] / ours["seconds"], 3),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs["ours"]), 1),
            "seconds": round(ours["seconds"], 2), "raw_executemany_seconds": round(raw["seconds"], 2),
            "to_sql_seconds": round(to_sql["seconds"], 2),
            "ratio_raw_executemany_nofk": round(best(runs["raw_nofk"])["seconds"] / ours["seconds"], 3),
            "submissions": counts["submissions"],
            "comments": counts["comments"], "repeat": repeat,
            # CPU seconds of the timed section (this process only: SQLite runs in it, so for SQLite
            # this is a load-independent second view; PostgreSQL's server work is not in it)
            "cpu_seconds": {k: round(min(r["cpu"] for r in v), 2) for k, v in runs.items()}}
        if postgres:
            result.update(_measure_postgres(postgres, folder, n, repeat))
        return result


def _measure_postgres(admin_url: str, folder: Path, n: int, repeat: int) -> dict[str, object]:
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "raw": [], "raw_nofk": []}
    ours_db, raw_db = f"bench_import_ours_{os.getpid()}", f"bench_import_raw_{os.getpid()}"
    try:
        for _ in range(repeat):
            runs["ours"].append(run_job("ours", _fresh_pg_database(admin_url, ours_db), folder))
            runs["raw"].append(run_job("raw_copy", _fresh_pg_database(admin_url, raw_db), folder))
            runs["raw_nofk"].append(run_job("raw_copy_nofk", _fresh_pg_database(admin_url, raw_db), folder))
    finally:
        _drop_pg_database(admin_url, ours_db)
        _drop_pg_database(admin_url, raw_db)
    ours, raw = best(runs["ours"]), best(runs["raw"])
    return {"postgres_answers_per_s": round(n / ours["seconds"]),
            "postgres_seconds": round(ours["seconds"], 2), "raw_copy_seconds": round(raw["seconds"], 2),
            "ratio_raw_copy": round(raw["seconds"] / ours["seconds"], 3),
            "ratio_raw_copy_nofk": round(best(runs["raw_nofk"])["seconds"] / ours["seconds"], 3),
            "postgres_peak_rss_mb": round(ours["peak_rss_mb"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a scratch database is made)")
    parser.add_argument("--keep", type=Path, help="write the bundle here and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each contender; the best counts")
    parser.add_argument("--job", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        name, target, folder = args.job
        out = JOBS[name](target, folder)
        print(json.dumps({**out, "peak_rss_mb": _peak_rss_mb()}))
        return
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(json.dumps(measure(args.answers, args.postgres, args.keep, args.repeat)))


if __name__ == "__main__":
    main()
