"""Read every real third-party data file under ../shared/fixtures and print what comes out.

    .venv/bin/python benchmarks/fixture_import_table.py [--json] [--write]

One line per file: submissions, answers, comments, error codes and warning codes (with counts). The
instrument for each file is made from its own dictionary/Questionnaire, or drafted from the data.
--write also imports each file twice through the full write path (engagement.ingest.third_party) into a
temporary SQLite database, anonymously and without timepoints, and adds what landed each time.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagement.readers.fixture_cases import cases, fixtures_root  # noqa: E402


def _codes(problems: list) -> str:
    counts = Counter(p.code for p in problems)
    return " ".join(f"{code}x{n}" if n > 1 else code for code, n in sorted(counts.items())) or "-"


def rows() -> list[dict[str, object]]:
    out = []
    for case in cases(fixtures_root(ROOT)):
        result = case.read()
        out.append({"file": case.name, "format": case.fmt, "definition": case.definition,
                    "submissions": result.submissions, "answers": len(result.responses),
                    "comments": len(result.comments), "errors": _codes(result.report.errors),
                    "warnings": _codes(result.report.warnings),
                    "outcome": "imports" if result.report.ok else "refused", "note": case.note})
    return out


def written(table: list[dict[str, object]]) -> None:
    """Import each file twice into a fresh SQLite database; record what landed or the refusal codes."""
    import tempfile

    from sqlalchemy.orm import Session

    from engagement.db import make_engine
    from engagement.errors import EngagementError
    from engagement.ingest.third_party import import_third_party
    from engagement.instruments.registry import register
    from engagement.migrate import upgrade
    from engagement.models import Study
    from engagement.permissions import Viewer

    by_name = {c.name: c for c in cases(fixtures_root(ROOT))}
    viewer = Viewer.system_actor()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'fixtures.db'}")
        upgrade(engine)
        with Session(engine) as session:
            session.add(Study(id="FIXTURES", title="Real third-party files"))
            session.flush()
            for row in table:
                case = by_name[str(row["file"])]
                mapping = case.mapping.model_copy(update={"anonymous": True, "events": {}, "timepoint": None})
                try:
                    register(session, viewer, case.instrument)
                    runs = [import_third_party(session, viewer, case.path, fmt=case.fmt, mapping=mapping,
                                               study_id="FIXTURES").counts for _ in range(2)]
                    row["written"] = "; ".join(
                        ", ".join(f"{k} +{v.get('added', 0)}" for k, v in counts.items()) for counts in runs)
                except EngagementError as exc:
                    row["written"] = "refused " + _codes(exc.problems)
            session.rollback()
        engine.dispose()


def main() -> None:
    if not fixtures_root(ROOT).is_dir():
        sys.exit(f"{fixtures_root(ROOT)} is absent: nothing to read")
    table = rows()
    if "--write" in sys.argv:
        written(table)
    if "--json" in sys.argv:
        print(json.dumps(table, indent=1))
        return
    head = ["file", "submissions", "answers", "comments", "outcome", "errors", "warnings"]
    if "--write" in sys.argv:
        head.append("written (1st import; 2nd import)")
        for r in table:
            r[head[-1]] = r.pop("written")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in table:
        print("| " + " | ".join(str(r[h]) for h in head) + " |")
    notes = [f"- {r['file']}: instrument from {r['definition']}" + (f"; {r['note']}" if r["note"] else "")
             for r in table]
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
