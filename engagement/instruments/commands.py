"""Command-line actions for `python -m engagement` (the lead wires them into engagement/cli.py).

Each prints what a person needs and returns the process exit code: 0 ok, 1 problems found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from engagement.errors import EngagementError
from engagement.instruments.loading import check, load
from engagement.permissions import Viewer


def _paths(target: str) -> list[Path]:
    p = Path(target)
    return sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p]


def instrument_check(path: str, *, out: TextIO = sys.stdout, as_csv: bool = False) -> int:
    """`instrument check FILE|FOLDER`: every problem in every file; exit 1 when any has errors."""
    paths = _paths(path)
    if not paths:
        print(f"I333 no instrument files found in {path}", file=out)
        return 1
    failed = 0
    for p in paths:
        instrument, report = check(p)
        if as_csv:
            out.write(report.to_csv())
        elif instrument is not None:
            print(f"ok {p}: {instrument.id} {instrument.version}, {len(instrument.items)} items, "
                  f"{len(instrument.subscales)} subscales, languages {', '.join(instrument.languages)}, "
                  f"hash {instrument.content_hash[:12]}", file=out)
        else:
            for problem in report.errors:
                print(problem.message(), file=out)
        failed += not report.ok
    return 1 if failed else 0


def instrument_register(path: str, *, db: str | None = None, actor: str = "cli",
                        out: TextIO = sys.stdout) -> int:
    """`instrument register FILE|FOLDER [--db URL]`: store new versions (same content: nothing new)."""
    from engagement.db import make_engine, write_session
    from engagement.instruments import registry

    try:
        instruments = [load(p) for p in _paths(path)]
        with write_session(make_engine(db)) as session:
            for instrument in instruments:
                before = {r.id for r in registry._versions(session, instrument.id)}
                row = registry.register(session, Viewer.system_actor(actor), instrument)
                state = "already registered" if row.id in before else "registered"
                print(f"{state}: {instrument.id} {instrument.version} (hash {row.content_hash[:12]})",
                      file=out)
    except EngagementError as exc:
        print("\n".join(p.message() for p in exc.problems), file=out)
        return 1
    return 0


def rescore_command(*, study: str | None = None, db: str | None = None, actor: str = "cli",
                    out: TextIO = sys.stdout) -> int:
    """`rescore [--study ID] [--db URL]`: rebuild stored scores from stored answers."""
    from engagement.db import make_engine, write_session
    from engagement.scoring import rescore

    try:
        with write_session(make_engine(db)) as session:
            n = rescore(session, Viewer.system_actor(actor), study_id=study)
    except EngagementError as exc:
        print("\n".join(p.message() for p in exc.problems), file=out)
        return 1
    print(f"rescored: {n} subscale scores written" + (f" for study {study}" if study else ""), file=out)
    return 0


def psychometrics_command(instrument: str, responses: str, *, out: TextIO = sys.stdout) -> int:
    """`psychometrics --instrument FILE.yaml --responses WIDE.csv`: print the JSON report."""
    from engagement.psychometrics import psychometrics_from_wide, read_wide_csv

    try:
        report = psychometrics_from_wide(load(instrument), read_wide_csv(responses))
    except EngagementError as exc:
        print(json.dumps(exc.as_dict(), indent=2), file=out)
        return 1
    print(json.dumps(report, indent=2), file=out)
    return 0
