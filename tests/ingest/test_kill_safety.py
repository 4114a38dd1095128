"""A bundle import killed with SIGKILL at any point leaves all of the file or none of it (SQLite).

A child process imports a bundle of 200,000 answers in chunks of about 20,000 rows. It reports each stage
through import_bundle's progress hook and, at the stage a case names, stops there so the parent kills it
at exactly that point (no timing guesswork): after the entities are written, after the first and the
fourth chunk of answers, after everything is written but before COMMIT, and after COMMIT. Two more cases
kill the child while it runs freely. Afterwards the database must hold either nothing of the bundle or
all of it, and the audit chain must verify.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engagement import audit
from engagement.db import make_engine, read_session
from engagement.migrate import upgrade
from engagement.models import Answer, AuditEvent, Participant, Score, Submission

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ANSWERS = 200_000

CHILD = r"""
import sys, time
from pathlib import Path
from engagement.bundle.importer import import_bundle
from engagement.db import make_engine, write_session
from engagement.permissions import Viewer

url, bundle, stop = sys.argv[1:4]
seen = {}

def hold(name):
    seen[name] = seen.get(name, 0) + 1
    print(f"{name}#{seen[name]}", flush=True)
    if f"{name}#{seen[name]}" == stop:
        time.sleep(600)  # the parent kills us here

def progress(stage, done, total):
    if stage != "responses":
        hold(stage)

engine = make_engine(url)
with write_session(engine) as session:
    import_bundle(session, Viewer.system_actor("kill-test"), Path(bundle), progress=progress,
                  chunk_rows=20000)
hold("committed")
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    sys.path.insert(0, str(REPO))
    from benchmarks.bench_import import write_bundle

    folder = tmp_path_factory.mktemp("kill") / "bundle"
    return folder, write_bundle(folder, ANSWERS)


def _fresh_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _start(url: str, folder: Path, stop: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", CHILD, url, str(folder), stop],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)


def _kill_at(child: subprocess.Popen[str], stop: str) -> list[str]:
    lines = []
    assert child.stdout is not None
    for line in child.stdout:
        lines.append(line.strip())
        if lines[-1] == stop:
            break
    else:
        said = child.stderr.read()[-2000:] if child.stderr else ""
        pytest.fail(f"the import never reached {stop}; it said {lines[-5:]} {said}")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    return lines


def _state(url: str) -> tuple[dict[str, int], bool]:
    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            counts = {m.__tablename__: session.scalar(select(func.count()).select_from(m))
                      for m in (Participant, Submission, Answer, Score)}
            counts["import_events"] = session.scalar(select(func.count()).select_from(AuditEvent)
                                                     .where(AuditEvent.action == "import"))
            return counts, audit.verify(session).ok
    finally:
        engine.dispose()


def _expected(counts: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    nothing = {"participants": 0, "submissions": 0, "answers": 0, "scores": 0, "import_events": 0}
    everything = {"participants": counts["participants"], "submissions": counts["submissions"],
                  "answers": counts["answers"], "scores": counts["submissions"] * 4, "import_events": 1}
    return nothing, everything


@pytest.mark.parametrize(("stop", "lands"), [
    ("entities#1", False),
    ("chunk#1", False),
    ("chunk#4", False),
    ("written#1", False),
    ("committed#1", True),
])
def test_killed_at_a_signalled_point(tmp_path, bundle, stop, lands):
    folder, counts = bundle
    url = _fresh_db(tmp_path)
    _kill_at(_start(url, folder, stop), stop)
    state, chain_ok = _state(url)
    nothing, everything = _expected(counts)
    assert state == (everything if lands else nothing)
    assert chain_ok


@pytest.mark.parametrize("after_s", [0.5, 1.5, 3.0])
def test_killed_while_running_leaves_all_or_nothing(tmp_path, bundle, after_s):
    folder, counts = bundle
    url = _fresh_db(tmp_path)
    child = _start(url, folder, "-")
    time.sleep(after_s)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    state, chain_ok = _state(url)
    assert state in _expected(counts)
    assert chain_ok
