"""Convert many source files and report each outcome: converted (and loaded) or refused with codes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engagement.converters import convert
from engagement.errors import EngagementError


@dataclass(frozen=True)
class Outcome:
    file: str
    source_format: str
    converted: bool
    items: int = 0
    scored_items: int = 0
    scales: int = 0
    warnings: dict[str, int] = field(default_factory=dict)  # code -> count
    refused: tuple[str, ...] = ()  # distinct error codes, in order of first appearance
    reason: str = ""

    def as_row(self) -> dict[str, object]:
        return {
            "file": self.file,
            "format": self.source_format,
            "outcome": "converted" if self.converted else "refused",
            "items": self.items,
            "scored_items": self.scored_items,
            "scales": self.scales,
            "warnings": dict(sorted(self.warnings.items())),
            "codes": list(self.refused),
            "reason": self.reason,
        }


def try_convert(path: Path, source_format: str, name: str | None = None) -> Outcome:
    """Convert, then load through engagement.instruments (so 'converted' means a valid instrument)."""
    from engagement.instruments import load

    name = name or path.name
    try:
        result = convert(path, source_format)
        instrument = load(result.mapping, origin=name)
    except EngagementError as exc:
        return Outcome(
            name,
            source_format,
            False,
            refused=tuple(dict.fromkeys(exc.codes)),
            reason=exc.problems[0].message(),
        )
    return Outcome(
        name,
        source_format,
        True,
        len(instrument.items),
        len(instrument.scored_items()),
        len(instrument.scales),
        dict(Counter(result.warning_codes)),
    )


def fixture_files(root: Path) -> list[tuple[Path, str]]:
    """Every dictionary, form and questionnaire under the shared fixtures, with its source format."""
    found = [(p, "redcap") for p in sorted(root.glob("redcap/*/dictionary.csv"))]
    found += [(p, "redcap") for p in sorted(root.glob("redcap/*/metadata.csv"))]
    found += [(p, "xlsform") for p in sorted((root / "xlsform").rglob("*")) if p.is_file()]
    found += [(p, "fhir") for p in sorted(root.glob("fhir/**/questionnaire*.json"))]
    found += [(p, "fhir") for p in sorted(root.glob("fhir/**/adaptive-questionnaireresponse*.json"))]
    return found
