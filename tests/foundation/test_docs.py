"""Docs that are tested: the error catalogue, the bundle columns and every command are documented."""

from __future__ import annotations

import argparse

from engagement.bundle.spec import FILES
from engagement.cli import build_parser
from engagement.errors import CATALOGUE, catalogue_markdown
from tests.conftest import REPO


def test_error_catalogue_doc_is_current():
    assert (REPO / "docs" / "errors.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_every_code_has_a_meaning_and_a_fix():
    for code, (summary, fix) in CATALOGUE.items():
        assert summary.strip(), code
        assert fix.strip(), code


def test_every_bundle_column_is_documented():
    doc = (REPO / "docs" / "bundle.md").read_text(encoding="utf-8")
    for spec in FILES:
        row = next(line for line in doc.splitlines() if line.startswith(f"| {spec.name} |"))
        assert row.split("|")[2].strip() == ", ".join(spec.columns)


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.append(f"{prefix}{name}".strip())
                found.extend(_commands(child, f"{prefix}{name} "))
    return found


def test_every_command_is_documented():
    docs = (REPO / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (REPO / "docs").glob("*.md"))
    missing = [c for c in _commands(build_parser()) if f"engagement {c}" not in docs]
    assert missing == []
