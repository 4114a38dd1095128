"""Tiny native bundles written inline, for importer and round-trip tests."""

from __future__ import annotations

import csv
from pathlib import Path

from engagement.bundle.spec import BY_NAME

STUDY = "T-01"


def base_rows() -> dict[str, list[dict[str, str]]]:
    """A two-site study with three participants and three pulse-check submissions."""
    pulse = {"study_id": STUDY, "instrument_id": "pulse-check", "instrument_version": "1.0.0"}
    answers = []
    for sub, pid, tp, at, vals in (
        ("S1", "P001", "TP1", "2025-02-01T10:00:00Z", (3, 8, 9)),
        ("S2", "P002", "TP1", "2025-02-03T11:30:00Z", (7, 4, 5)),
        ("S3", "P001", "TP2", "2025-03-01T09:00:00+01:00", (5, "", 8)),
    ):
        for item, v in zip(("pulse_hard", "pulse_trust", "pulse_stay"), vals, strict=True):
            answers.append({**pulse, "submission_id": sub, "participant_id": pid, "timepoint_id": tp,
                            "submitted_at": at, "item_id": item, "value": str(v)})
    return {
        "studies.csv": [{"study_id": STUDY, "title": "A small test study", "sponsor": "Acme Trials",
                         "registry_id": "NCT00000001", "current_stage": "recruitment"}],
        "stages.csv": [
            {"study_id": STUDY, "stage": "recruitment", "order": "1", "planned_start": "2025-01-01",
             "planned_end": "2025-06-30", "actual_start": "2025-01-10", "actual_end": ""},
            {"study_id": STUDY, "stage": "active_treatment", "order": "2", "planned_start": "2025-07-01",
             "planned_end": "2025-12-31", "actual_start": "", "actual_end": ""}],
        "sites.csv": [{"study_id": STUDY, "site_id": "LYON", "name": "Hôpital Nord", "country": "FR"},
                      {"study_id": STUDY, "site_id": "LEEDS", "name": "St Mary's", "country": "GB"}],
        "participants.csv": [
            {"study_id": STUDY, "participant_id": "P001", "site_id": "LYON", "role": "patient",
             "enrolled_on": "2025-01-15", "status": "active", "status_date": "2025-01-15"},
            {"study_id": STUDY, "participant_id": "P002", "site_id": "LEEDS", "role": "caregiver",
             "enrolled_on": "2025-01-20", "status": "withdrawn", "status_date": "2025-03-10"},
            {"study_id": STUDY, "participant_id": "P003", "site_id": "LEEDS", "role": "patient",
             "enrolled_on": "2025-01-22", "status": "active", "status_date": "2025-01-22"}],
        "schedule.csv": [
            {"study_id": STUDY, "timepoint_id": "TP1", "stage": "recruitment", "instrument_id": "pulse-check",
             "due_day": "14", "window_days": "10"},
            {"study_id": STUDY, "timepoint_id": "TP2", "stage": "recruitment", "instrument_id": "pulse-check",
             "due_day": "42", "window_days": "10"}],
        "responses.csv": answers,
        "comments.csv": [{"submission_id": "S1", "item_id": "pulse_comment",
                          "text": "Parking was hard, call me on 07700 900123.", "may_quote": "true"},
                         {"submission_id": "S2", "item_id": "pulse_comment",
                          "text": "Staff were kind, \"thank you\".\nSecond line.", "may_quote": "false"}],
    }


def write_bundle(folder: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    rows = base_rows() if rows is None else rows
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in BY_NAME.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(spec.columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows.get(name, []))
    return folder
