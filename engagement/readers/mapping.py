"""The saved mapping from a third-party export to one instrument version of a study.

JSON-serialisable (stored in models.ImportMapping.content); flat on purpose so the import page can show
it as a form and a person can edit it as JSON. Every key is documented in docs/importing.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engagement.errors import EngagementError, Problem

FORMATS = ("redcap", "qualtrics", "fhir", "table")


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument_id: str
    instrument_version: str
    # source field (column, REDCap variable, FHIR linkId, long-table item name) -> item id
    fields: dict[str, str] = Field(default_factory=dict)
    # source field -> {source code -> scale value}: Qualtrics recode values, REDCap letter codes, FHIR codes
    recodes: dict[str, dict[str, str]] = Field(default_factory=dict)
    # source fields holding free text: they become comments, never answers
    text_fields: list[str] = Field(default_factory=list)
    # source field whose value says the author agrees to be quoted, and the values meaning yes
    consent_field: str | None = None
    consent_values: list[str] = Field(default_factory=lambda: ["1", "yes", "true", "y", "checked"])
    # source codes meaning "seen but not answered": kept as a blank value; None = the format's default
    # (Qualtrics: -99; others: none, since -99 can be a real choice such as "not applicable" in REDCap)
    missing_values: list[str] | None = None

    # participant: a source column (default: REDCap record id, table participant column,
    # FHIR subject), an optional prefix, and an optional lookup that must cover every record
    participant_column: str | None = None
    participant_prefix: str = ""
    participant_lookup: dict[str, str] = Field(default_factory=dict)
    anonymous: bool = False

    # timepoint: a fixed one, a column (Qualtrics embedded data, table), or events -> timepoint
    # (REDCap "event", "event:instance" or ":instance" for classic repeating instruments)
    timepoint: str | None = None
    timepoint_column: str | None = None
    events: dict[str, str] = Field(default_factory=dict)

    # submitted_at: a column (REDCap <form>_timestamp, Qualtrics EndDate/RecordedDate, table column);
    # FHIR uses authored. The default fills rows whose source has no time; naive times are in timezone
    # (None: the zone a Qualtrics export names in its ImportId row, else UTC).
    submitted_at_column: str | None = None
    submitted_at_default: str | None = None
    timezone: str | None = None

    # what a submission marked incomplete does: import with a warning, skip with a warning, or refuse
    incomplete: Literal["warn", "skip", "error"] = "warn"

    # REDCap: the record id field (default: the first column of the export)
    record_id_field: str | None = None
    # tables
    layout: Literal["wide", "long"] = "wide"
    key_columns: list[str] = Field(default_factory=list)
    item_column: str = "item"
    value_column: str = "value"
    sheet: str | None = None

    def item_for(self, field: str) -> str | None:
        return self.fields.get(field)


def load_mapping(content: object, where: str = "mapping") -> Mapping:
    """Validate stored or uploaded mapping content into a Mapping, or raise G404 naming each key."""
    try:
        if isinstance(content, str | bytes):
            return Mapping.model_validate_json(content)
        return Mapping.model_validate(content)
    except ValidationError as exc:
        raise EngagementError([
            Problem("G404", err["msg"], file=where, column=".".join(str(p) for p in err["loc"]))
            for err in exc.errors()
        ]) from exc
