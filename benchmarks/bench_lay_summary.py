"""Time the plain-language gate and each export format on the demo example summary.

    .venv/bin/python benchmarks/bench_lay_summary.py

Builds a small study in a temporary SQLite database and loads the example summary. Prints JSON:
first_gate_s (a fresh process: importing textstat and nltk and reading the CMU dictionary), gate_s
(median of 20 later checks), export_<fmt>_s (median of 5 exports), plus the example's figures.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engagement.db import make_engine, write_session
from engagement.lay_summary import demo, export, gate
from engagement.migrate import upgrade
from engagement.permissions import Viewer
from tests.lay_summary.lay_factories import STUDY_ID, make_study

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def median_time(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 4)


def main() -> None:
    system = Viewer.system_actor("bench")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        with write_session(engine) as session:
            study = make_study(session, participants=600)
            content = demo.example_content(session, study)
            t0 = time.perf_counter()
            report = gate.check(content)
            result = {"first_gate_s": round(time.perf_counter() - t0, 3),
                      "gate_s": median_time(lambda: gate.check(content), 20),
                      "fk_grade": round(report.overall.fk_grade, 2),
                      "reading_ease": round(report.overall.reading_ease, 2),
                      "sentences": report.overall.n_sentences, "passed": report.passed}
            demo.load_example(session, system, STUDY_ID)
            for fmt in export.FORMATS:
                result[f"export_{fmt}_s"] = median_time(
                    lambda fmt=fmt: export.export(session, system, STUDY_ID, fmt, now=NOW), 5)
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
