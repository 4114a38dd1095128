"""Reading source files leniently: BOM, UTF-8 with a Windows-1252 fallback, JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engagement.converters._build import InstrumentBuilder


def read_bytes(path: Path, b: InstrumentBuilder) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        b.error("I350", f"{type(exc).__name__}: {exc.strerror or exc}")
        return None


def read_text(path: Path, b: InstrumentBuilder) -> str | None:
    data = read_bytes(path, b)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Old REDCap and Excel exports are often Windows-1252; read on, but say so.
        b.warn("I380", f"byte {exc.start}: {exc.reason}")
        return data.decode("cp1252", errors="replace").lstrip("\ufeff")


def read_json(path: Path, b: InstrumentBuilder) -> Any:
    text = read_text(path, b)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        b.error("I350", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")
        return None
