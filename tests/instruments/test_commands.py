"""The command-line actions the CLI wires: check, register, rescore, psychometrics."""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml

from engagement.instruments.commands import (
    instrument_check,
    instrument_register,
    psychometrics_command,
    rescore_command,
)
from tests.instruments.forms import BASE_YAML

SURVEYS = Path(__file__).resolve().parents[2] / "surveys"


def test_check_all_builtins_ok() -> None:
    out = io.StringIO()
    assert instrument_check(str(SURVEYS), out=out) == 0
    assert out.getvalue().count("ok ") == 5


def test_check_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE_YAML.replace("min_answered", "x").replace("id: b,", "id: a,")
                   .replace("higher_is: worse", "higher_is: up"), encoding="utf-8")
    out = io.StringIO()
    assert instrument_check(str(bad), out=out) == 1
    text = out.getvalue()
    assert "I304" in text
    assert "I313" in text
    assert "bad.yaml" in text


def test_check_csv_report(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE_YAML.replace("id: b,", "id: a,"), encoding="utf-8")
    out = io.StringIO()
    assert instrument_check(str(bad), out=out, as_csv=True) == 1
    assert out.getvalue().splitlines()[0].startswith("code,summary,file")


def test_check_empty_folder(tmp_path: Path) -> None:
    out = io.StringIO()
    assert instrument_check(str(tmp_path), out=out) == 1
    assert "I333" in out.getvalue()


def test_register_then_rescore(tmp_path: Path) -> None:
    from engagement.db import make_engine
    from engagement.migrate import upgrade

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    form = tmp_path / "tiny.yaml"
    form.write_text(BASE_YAML, encoding="utf-8")
    out = io.StringIO()
    assert instrument_register(str(form), db=db, out=out) == 0
    assert out.getvalue().startswith("registered: tiny 1.0.0")
    out = io.StringIO()
    assert instrument_register(str(form), db=db, out=out) == 0
    assert out.getvalue().startswith("already registered: tiny 1.0.0")
    form.write_text(BASE_YAML.replace("First question", "Changed"), encoding="utf-8")
    out = io.StringIO()
    assert instrument_register(str(form), db=db, out=out) == 1
    assert "I315" in out.getvalue()
    out = io.StringIO()
    assert rescore_command(db=db, out=out) == 0
    assert out.getvalue().startswith("rescored: 0")


def test_psychometrics_prints_json(tmp_path: Path) -> None:
    form = tmp_path / "tiny.yaml"
    form.write_text(BASE_YAML, encoding="utf-8")
    wide = tmp_path / "wide.csv"
    wide.write_text("a,b,c,note\n1,1,5,x\n2,2,4,\n3,4,3,\n4,4,2,\n5,5,1,\n", encoding="utf-8")
    out = io.StringIO()
    assert psychometrics_command(str(form), str(wide), out=out) == 0
    report = json.loads(out.getvalue())
    s = report["subscales"]["s"]
    assert s["n"] == 5
    assert s["alpha"] > 0.9
    assert set(s["items"]) == {"a", "b", "c"}


def test_psychometrics_bad_csv(tmp_path: Path) -> None:
    form = tmp_path / "tiny.yaml"
    form.write_text(yaml.safe_dump({"id": "x"}), encoding="utf-8")
    out = io.StringIO()
    assert psychometrics_command(str(form), str(tmp_path / "none.csv"), out=out) == 1
    assert json.loads(out.getvalue())["ok"] is False
