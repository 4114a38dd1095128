"""Read speed and memory of the third-party readers on generated files of N answers.

    .venv/bin/python benchmarks/bench_readers.py [ANSWERS]   (default 1,000,000)

Prints JSON: per format, answers read per second and the peak RSS of the process.
"""

from __future__ import annotations

import csv
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagement.instruments.model import Choice, Instrument, Item, Scale  # noqa: E402
from engagement.readers import read  # noqa: E402
from engagement.readers.mapping import Mapping  # noqa: E402

ITEMS = 20


def instrument() -> Instrument:
    scale = Scale("agree5", tuple(Choice(float(v), str(v)) for v in range(1, 6)), (Choice(-99.0, "n/a"),))
    items = tuple(Item(f"q{i}", f"Question {i}", "choice", "agree5") for i in range(ITEMS))
    return Instrument("bench", "1.0.0", "Bench", (*items, Item("note", "Anything else", "text")),
                      {"agree5": scale})


def redcap_file(folder: Path, rows: int) -> Path:
    path = folder / "redcap.csv"
    rng = random.Random(1)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "redcap_event_name", "survey_timestamp",
                    *(f"q{i}" for i in range(ITEMS)), "note", "survey_complete"])
        for r in range(rows):
            w.writerow([r // 4 + 1, f"visit_{r % 4}_arm_1", "2026-03-01 09:15:00",
                        *(rng.choice("12345") for _ in range(ITEMS)), "ok" if r % 10 == 0 else "", 2])
    return path


def qualtrics_file(folder: Path, rows: int) -> Path:
    path = folder / "qualtrics.csv"
    rng = random.Random(2)
    names = ["StartDate", "EndDate", "Status", "Finished", "ResponseId", *(f"q{i}" for i in range(ITEMS))]
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerow(names)
        w.writerow([json.dumps({"ImportId": n}) for n in names])
        for r in range(rows):
            w.writerow(["2026-03-01 09:00:00", "2026-03-01 09:15:00", 0, 1, f"R_{r:09d}",
                        *(rng.choice(["1", "2", "3", "4", "5", "-99"]) for _ in range(ITEMS))])
    return path


def measure(path: Path, fmt: str, mapping: Mapping) -> dict[str, float]:
    start = time.perf_counter()
    result = read(path, fmt, mapping, instrument(), study_id="S")
    seconds = time.perf_counter() - start
    assert result.report.ok, result.report.errors[:3]
    n = len(result.responses)
    return {"answers": n, "seconds": round(seconds, 2), "answers_per_s": round(n / seconds)}


def main() -> None:
    answers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rows = answers // ITEMS
    fields = {f"q{i}": f"q{i}" for i in range(ITEMS)}
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = Mapping(instrument_id="bench", instrument_version="1.0.0", fields=fields)
        events = {f"visit_{i}_arm_1": f"t{i}" for i in range(4)}
        out["redcap"] = measure(redcap_file(folder, rows), "redcap",
                                base.model_copy(update={"fields": {**fields, "note": "note"},
                                                        "events": events}))
        out["qualtrics"] = measure(qualtrics_file(folder, rows), "qualtrics", base)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
