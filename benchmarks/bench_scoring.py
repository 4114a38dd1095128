"""Score 1,000,000 synthetic long answers; print JSON with throughput and the ratio to a bare groupby-mean.

    .venv/bin/python benchmarks/bench_scoring.py [--answers N] [--repeat R]

ratio_groupby = our best time / best time of `answers.groupby("submission_id")["value_num"].mean()` on the
same rows in the same run (target: <= 5). Answers use the participant-burden instrument: 10 scored items
in 4 subscales (3 reverse-keyed), about 3% missing codes, item ids as plain strings (as read from a database).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engagement.instruments import load_builtin
from engagement.scoring import score_answers


def synthetic_answers(n: int, seed: int = 7) -> pd.DataFrame:
    instrument = load_builtin("participant-burden")[0]
    items = np.array([it.id for it in instrument.scored_items()], dtype=object)
    rng = np.random.default_rng(seed)
    n_sub = n // len(items)
    values = rng.integers(1, 6, size=n_sub * len(items)).astype(float)
    values[rng.random(values.size) < 0.03] = -99
    return pd.DataFrame({
        "submission_id": np.repeat(np.arange(n_sub, dtype=np.int64), len(items)),
        "item_id": np.tile(items, n_sub),
        "value_num": values,
    })


def best_times(fns, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Best wall time of each function, run in turns so a busy machine slows them alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    instrument = load_builtin("participant-burden")[0]
    answers = synthetic_answers(args.answers)
    score_answers(answers.head(1000), instrument)  # warm the plan cache, as a long-running server has it
    def ours_run() -> None:
        score_answers(answers, instrument)

    def bare_run() -> None:  # a fresh groupby each time: a reused one caches its grouping
        answers.groupby("submission_id")["value_num"].mean()

    ours, bare = best_times([ours_run, bare_run], args.repeat)
    print(json.dumps({"answers": len(answers), "answers_per_s": round(len(answers) / ours),
                      "seconds": round(ours, 4), "groupby_seconds": round(bare, 4),
                      "ratio_groupby": round(ours / bare, 2)}))


if __name__ == "__main__":
    main()
