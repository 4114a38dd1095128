"""Print the conversion outcome of every dictionary, form and questionnaire under ../shared/fixtures.

.venv/bin/python benchmarks/fixture_conversion_table.py            # Markdown table + totals
.venv/bin/python benchmarks/fixture_conversion_table.py --json     # one JSON document
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagement.converters.batch import fixture_files, try_convert  # noqa: E402

FIXTURES = ROOT / ".." / "shared" / "fixtures"


def main(argv: list[str]) -> int:
    if not FIXTURES.is_dir():
        print(f"no fixtures at {FIXTURES.resolve()}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    rows = [try_convert(p, fmt, str(p.relative_to(FIXTURES))).as_row() for p, fmt in fixture_files(FIXTURES)]
    seconds = round(time.perf_counter() - started, 3)
    totals = Counter(f"{r['format']} {r['outcome']}" for r in rows)
    refusals = Counter(c for r in rows for c in r["codes"])  # type: ignore[attr-defined]
    summary = {
        "files": len(rows),
        "converted": sum(r["outcome"] == "converted" for r in rows),
        "refused": sum(r["outcome"] == "refused" for r in rows),
        "by_format": dict(sorted(totals.items())),
        "refusal_codes": dict(sorted(refusals.items())),
        "items_converted": sum(int(r["items"]) for r in rows),  # type: ignore[call-overload]
        "seconds_convert_and_load_all": seconds,
    }
    if "--json" in argv:
        print(json.dumps({"summary": summary, "rows": rows}, indent=1, ensure_ascii=False))
        return 0
    print("| file | format | outcome | items (scored) | warnings / refusal codes |")
    print("|---|---|---|---|---|")
    for r in rows:
        if r["outcome"] == "converted":
            detail = ", ".join(f"{c}x{n}" for c, n in r["warnings"].items()) or "none"  # type: ignore[attr-defined]
            size = f"{r['items']} ({r['scored_items']})"
        else:
            detail, size = ", ".join(r["codes"]), "-"  # type: ignore[arg-type]
        print(f"| {r['file']} | {r['format']} | {r['outcome']} | {size} | {detail} |")
    print()
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
