"""Time and memory of the demo generator at the default size and at the dashboard benchmark size.

    .venv/bin/python benchmarks/bench_demo.py [PARTICIPANTS ...]   (default: 600 20000)

Each size runs in a fresh process so peak RSS belongs to that size alone. Prints JSON: per size, wall
seconds, peak RSS in MB, bytes written and the row count of each file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {root!r})
from engagement.demo import generate
with tempfile.TemporaryDirectory() as tmp:
    start = time.perf_counter()
    counts = generate(Path(tmp), participants={n})
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in Path(tmp).iterdir())
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"participants": {n}, "seconds": round(seconds, 2), "peak_rss_mb": round(rss),
                  "bytes": size, "rows": counts}}))
"""


def run(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), n=n)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [600, 20000]
    print(json.dumps({"demo_generate": [run(n) for n in sizes]}, indent=2))
