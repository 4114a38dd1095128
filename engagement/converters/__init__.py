"""Converters from other tools' questionnaire definitions into this project's instrument format.

`convert(path, "redcap" | "xlsform" | "fhir")` returns the instrument mapping (the YAML shape of
docs/instruments.md) plus the soft problems met on the way; fatal ones raise EngagementError with
I35x-I38x codes. See docs/converters.md for every decision a converter takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engagement.errors import EngagementError, Problem, fail

FORMATS = ("redcap", "xlsform", "fhir")
COMMON_OPTIONS = {"instrument_id", "version", "missing"}
REDCAP_OPTIONS = {"form", "include_identifiers"}
EXTENSIONS = {".xlsx": "xlsform", ".xls": "xlsform", ".md": "xlsform"}


@dataclass(frozen=True)
class ConversionResult:
    mapping: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)
    # scale id -> {source code: scale value}, for scales whose source codes are not their values
    # (letter codes mapped to positions, FHIR codings scored by ordinalValue); importers of answer
    # data need it because the instrument format keeps values and labels only.
    choice_codes: dict[str, dict[str, int | float]] = field(default_factory=dict)

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]


def convert(path: str | Path, source_format: str, **options: Any) -> ConversionResult:
    """Convert one source file.

    Options: instrument_id, version, missing (answer values that mean "prefer not to say" / "not
    applicable": they become the scales' missing codes), and for REDCap form and include_identifiers.
    """
    path = Path(path)
    fmt = (source_format or "").strip().lower()
    if fmt not in FORMATS:
        raise fail(
            "I351",
            f"got {source_format!r}; expected one of {', '.join(FORMATS)}",
            file=path.name,
            value=str(source_format),
        )
    allowed = COMMON_OPTIONS | (REDCAP_OPTIONS if fmt == "redcap" else set())
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise fail(
            "E003",
            f"option {unknown[0]!r} does not apply to {fmt}; options: {', '.join(sorted(allowed))}",
            value=unknown[0],
        )
    builder = _converter(fmt)(path, **options)
    mapping = builder.mapping()  # raises EngagementError when the builder collected errors
    return ConversionResult(mapping, builder.warnings, builder.codes)


def detect_format(path: str | Path) -> str | None:
    """A guess from the file name and first bytes, for tools that do not ask."""
    path = Path(path)
    if path.suffix.lower() in EXTENSIONS:
        return EXTENSIONS[path.suffix.lower()]
    head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace").lstrip()
    if head.startswith("{") and '"resourceType"' in head:
        return "fhir"
    if "field_name" in head[:300].lower() or "variable / field name" in head[:300].lower():
        return "redcap"
    return "xlsform" if path.suffix.lower() == ".csv" else None


def _converter(fmt: str) -> Any:
    if fmt == "redcap":
        from engagement.converters.redcap import convert_redcap

        return convert_redcap
    if fmt == "xlsform":
        from engagement.converters.xlsform import convert_xlsform

        return convert_xlsform
    from engagement.converters.fhir_questionnaire import convert_fhir

    return convert_fhir


__all__ = ["FORMATS", "ConversionResult", "EngagementError", "convert", "detect_format"]
