"""The command line end to end, as an operator runs it (subprocesses on a SQLite file)."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys

from tests.bundle_factory import base_rows, write_bundle
from tests.conftest import REPO


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engagement", *args], cwd=REPO, capture_output=True,
                          text=True, input=stdin, check=False)


def test_import_export_verify_and_users(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("db", "upgrade", "--db", db).returncode == 0
    bundle = write_bundle(tmp_path / "bundle")
    first = run("import", str(bundle), "--db", db)
    assert first.returncode == 0, first.stderr
    again = run("import", str(bundle), "--db", db, "--dry-run")
    assert '"added": 0' in again.stdout

    for target in ("a.zip", "b.zip"):
        assert run("export", str(tmp_path / target), "--db", db).returncode == 0
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()

    added = run("users", "add", "maria", "--study", "T-01", "--role", "trial_manager", "--site", "LYON",
                "--db", db, stdin="a long enough password\n")
    assert added.returncode == 0, added.stderr
    listed = run("users", "list", "--db", db).stdout
    assert "maria\treal\ttrial_manager@T-01/" in listed

    assert run("audit", "verify", "--db", db).returncode == 0
    con = sqlite3.connect(tmp_path / "cli.db")
    con.execute("DROP TRIGGER audit_events_no_update")
    con.execute("UPDATE audit_events SET actor = 'mallory' WHERE id = 3")
    con.commit()
    con.close()
    broken = run("audit", "verify", "--db", db)
    assert broken.returncode == 2
    assert "A200" in broken.stderr
    assert "audit_events.id=3" in broken.stderr


def test_bad_bundle_exit_code_and_report(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    rows = base_rows()
    rows["participants.csv"][1]["enrolled_on"] = "2025-13-45"
    report = tmp_path / "report.csv"
    refused = run("import", str(write_bundle(tmp_path / "ok")), "--db", db)
    assert refused.returncode == 2
    assert "E007" in refused.stderr
    assert run("db", "upgrade", "--db", db).returncode == 0
    result = run("import", str(write_bundle(tmp_path / "b", rows)), "--db", db, "--report", str(report))
    assert result.returncode == 2
    assert "B106" in result.stderr
    problems = list(csv.DictReader(io.StringIO(report.read_text())))
    assert [(p["code"], p["file"], p["row"], p["column"], p["value"]) for p in problems] == [
        ("B106", "participants.csv", "3", "enrolled_on", "2025-13-45")]
    con = sqlite3.connect(tmp_path / "cli.db")
    assert con.execute("SELECT count(*) FROM participants").fetchone() == (0,)


def test_themes_refits_a_study_and_names_an_unknown_one(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("db", "upgrade", "--db", db).returncode == 0
    assert run("import", str(write_bundle(tmp_path / "bundle")), "--db", db).returncode == 0
    done = run("themes", "--study", "T-01", "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["      2  other", "themes refitted for study T-01: 2 comments labelled"]
    con = sqlite3.connect(tmp_path / "cli.db")
    assert con.execute("SELECT action, entity, entity_id FROM audit_events ORDER BY id DESC LIMIT 1").fetchone() == (
        "refit", "themes", "T-01")
    con.close()
    missing = run("themes", "--study", "NOPE", "--db", db)
    assert missing.returncode == 2
    assert "X902" in missing.stderr
