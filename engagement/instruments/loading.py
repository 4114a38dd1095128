"""The entry point: read a YAML file, text or mapping, normalise, check, build."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from engagement.errors import EngagementError, Problem, Report
from engagement.instruments.building import build
from engagement.instruments.checks import run_checks
from engagement.instruments.model import Instrument
from engagement.instruments.normalise import Reader, normalise


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Under YAML 1.1 a label `No` or `Yes` would become a boolean."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _read(source: str | Path | Mapping[str, Any], origin: str | None) -> tuple[Any, str]:
    if isinstance(source, Mapping) or not isinstance(source, str | Path):
        return source, origin or "<mapping>"  # anything else is refused by normalise with I300
    is_text = isinstance(source, str) and ("\n" in source or source.lstrip().startswith(("{", "id:")))
    if is_text:
        text, name = str(source), origin or "<text>"
    else:
        path = Path(source)
        name = origin or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EngagementError(Problem("I300", f"cannot read the file: {exc}", file=name)) from exc
    try:
        return yaml.load(text, Loader=_Loader), name  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise EngagementError(Problem("I300", f"YAML syntax: {getattr(exc, 'problem', exc)}", file=name,
                                      row=row)) from exc


def check(source: str | Path | Mapping[str, Any], *,
          origin: str | None = None) -> tuple[Instrument | None, Report]:
    """Every problem found, and the instrument when there are none (the `instrument check` command)."""
    report = Report()
    try:
        raw, name = _read(source, origin)
    except EngagementError as exc:
        report.errors.extend(exc.problems)
        return None, report
    content = normalise(raw, name, report)
    if report.ok:
        run_checks(content, Reader(name, report))
    return (build(content) if report.ok else None), report


def load(source: str | Path | Mapping[str, Any], *, origin: str | None = None) -> Instrument:
    """Load and validate one instrument; raises EngagementError carrying every problem found."""
    instrument, report = check(source, origin=origin)
    report.raise_if_errors()
    assert instrument is not None
    return instrument


def from_content(content: Mapping[str, Any], origin: str = "<stored content>") -> Instrument:
    return load(content, origin=origin)


BUILTIN_DIR = Path(__file__).resolve().parents[2] / "surveys"


def builtin_paths() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def load_builtin(instrument_id: str | None = None) -> list[Instrument]:
    found = [load(p) for p in builtin_paths()]
    return [i for i in found if instrument_id is None or i.id == instrument_id]
