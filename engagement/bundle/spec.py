"""The bundle's files, their columns and the type of each column: the public contract in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]            # unique within the file
    required: tuple[str, ...]       # may not be blank
    types: dict[str, str]           # column -> date | datetime | int | number | bool | enum:<a|b>


ROLES = "patient|caregiver|advocate|site_staff|other"
STATUSES = "active|withdrawn|lost_to_follow_up|completed"

FILES: tuple[FileSpec, ...] = (
    FileSpec("studies.csv", ("study_id", "title", "sponsor", "registry_id", "current_stage"),
             key=("study_id",), required=("study_id", "title"), types={}),
    FileSpec("stages.csv", ("study_id", "stage", "order", "planned_start", "planned_end",
                            "actual_start", "actual_end"),
             key=("study_id", "stage"), required=("study_id", "stage", "order"),
             types={"order": "int", "planned_start": "date", "planned_end": "date",
                    "actual_start": "date", "actual_end": "date"}),
    FileSpec("sites.csv", ("study_id", "site_id", "name", "country"),
             key=("study_id", "site_id"), required=("study_id", "site_id", "name", "country"),
             types={"country": "country"}),
    FileSpec("participants.csv", ("study_id", "participant_id", "site_id", "role", "enrolled_on",
                                  "status", "status_date"),
             key=("study_id", "participant_id"),
             required=("study_id", "participant_id", "site_id", "role", "enrolled_on", "status",
                       "status_date"),
             types={"role": f"enum:{ROLES}", "status": f"enum:{STATUSES}", "enrolled_on": "date",
                    "status_date": "date"}),
    FileSpec("schedule.csv", ("study_id", "timepoint_id", "stage", "instrument_id", "due_day",
                              "window_days"),
             key=("study_id", "timepoint_id"),
             required=("study_id", "timepoint_id", "stage", "instrument_id", "due_day", "window_days"),
             types={"due_day": "int", "window_days": "int"}),
    FileSpec("responses.csv", ("submission_id", "study_id", "participant_id", "timepoint_id",
                               "instrument_id", "instrument_version", "submitted_at", "item_id",
                               "value"),
             key=("submission_id", "item_id"),
             required=("submission_id", "study_id", "instrument_id", "instrument_version",
                       "submitted_at", "item_id"),
             types={"submitted_at": "datetime", "value": "number"}),
    FileSpec("comments.csv", ("submission_id", "item_id", "text", "may_quote"),
             key=("submission_id", "item_id"), required=("submission_id", "item_id", "text"),
             types={"may_quote": "bool"}),
)

BY_NAME = {f.name: f for f in FILES}
