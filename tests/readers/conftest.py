"""Small instruments and an inline-file writer for the reader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engagement.instruments.model import Choice, Instrument, Item, Scale

AGREE = Scale("agree5", tuple(Choice(float(v), label) for v, label in enumerate(
    ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"], start=1)),
    (Choice(-99.0, "Prefer not to say"),))
YESNO = Scale("yesno", (Choice(0.0, "No"), Choice(1.0, "Yes")))
HOURS = Scale("hours", (), (), (0.0, 24.0, 0.5))


@pytest.fixture
def pulse() -> Instrument:
    """q1, q2 agree5 (with -99 as a missing code), paid yes/no, hours 0..24, age number, note text."""
    items = (Item("q1", "The visits fit my week", "choice", "agree5"),
             Item("q2", "Staff explained things well", "choice", "agree5"),
             Item("paid", "Were your costs covered?", "choice", "yesno"),
             Item("hours", "Hours spent travelling", "number", "hours"),
             Item("age", "Age", "number"),
             Item("note", "Anything else?", "text"))
    return Instrument("pulse", "1.0.0", "Pulse", items, {"agree5": AGREE, "yesno": YESNO, "hours": HOURS})


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path
    return _write
