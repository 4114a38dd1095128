"""What `python -m engagement instrument convert | export-fhir` do, as plain functions the CLI calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from engagement.converters import ConversionResult, convert
from engagement.converters.fhir_export import export_fhir
from engagement.instruments import Instrument, load
from engagement.permissions import Viewer


def convert_to_yaml(
    src: str | Path, source_format: str, out: str | Path | None = None, **options: Any
) -> tuple[str, ConversionResult]:
    """Convert, validate through engagement.instruments.load, and return (YAML text, result).

    Writes the YAML to `out` when given. Raises EngagementError (I35x-I38x from the converter,
    I30x-I33x from the instrument checks) when the source cannot become a valid instrument.
    """
    result = convert(src, source_format, **options)
    load(result.mapping, origin=f"{Path(src).name} (converted)")
    text = to_yaml(result, Path(src).name, source_format)
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return text, result


def to_yaml(result: ConversionResult, source: str, source_format: str) -> str:
    """The mapping as YAML, headed by comments listing the warnings and the source codes kept aside."""
    head = [f"# Converted from {source_format} source {source} by engagement.converters."]
    head += [f"# {w.message()}" for w in result.warnings]
    for scale_id, codes in result.choice_codes.items():
        head.append(f"# scale {scale_id}: source codes -> values {json.dumps(codes, ensure_ascii=False)}")
    body = yaml.safe_dump(result.mapping, sort_keys=False, allow_unicode=True, width=110)
    return "\n".join(line.replace("\n", " ") for line in head) + "\n" + body


def export_fhir_file(source: str | Path | Instrument, out: str | Path | None = None) -> dict[str, Any]:
    """`instrument export-fhir FILE --out FILE.json`: a YAML instrument file -> validated Questionnaire."""
    resource = export_fhir(source)
    if out is not None:
        write_json(resource, out)
    return resource


def export_fhir_registered(
    session: Session,
    viewer: Viewer,
    instrument_id: str,
    version: str | None = None,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """`instrument export-fhir ID --out FILE.json`: a registered version (the latest unless `version`)."""
    from engagement.instruments import registry

    registry.require_instrument_admin(viewer)
    _, instrument = (
        registry.get_version(session, instrument_id, version)
        if version
        else registry.latest(session, instrument_id)
    )
    return export_fhir_file(instrument, out)


def write_json(resource: dict[str, Any], out: str | Path) -> None:
    Path(out).write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
