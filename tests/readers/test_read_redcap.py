"""REDCap records exports, written inline in each dialect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engagement.instruments.model import Choice, Instrument, Item, Scale
from engagement.readers import Mapping, read, suggest_mapping
from engagement.readers.redcap import form_layout

FLAT = """subject_id,redcap_data_access_group,q1,q2,paid,hours,age,note,consent_quote,pulse_complete
101,site_a,4,5,TRUE,"2,5",NA,"Good, thanks",1,2
102,site_a,3,,FALSE,.5,70,,0,0
103,site_b,,,,,,,,0
104,site_b,9,2,1,1,40,,,2
"""
FIELDS = {f: f for f in ("q1", "q2", "paid", "hours", "age", "note")}


def mapping(**extra: object) -> Mapping:
    base: dict[str, object] = {"instrument_id": "pulse", "instrument_version": "1.0.0", "fields": FIELDS,
                               "submitted_at_default": "2026-01-01T00:00:00Z"}
    return Mapping.model_validate({**base, **extra})


def codes(problems: list) -> list[tuple[str, int | None, str | None]]:
    return [(p.code, p.row, p.column) for p in problems]


def test_flat_export(write: Callable[..., Path], pulse: Instrument) -> None:
    path = write("flat.csv", FLAT)
    r = read(path, "redcap", mapping(consent_field="consent_quote", participant_prefix="P-"), pulse,
             study_id="S1")
    answers = r.responses[["submission_id", "participant_id", "item_id", "value", "source_row",
                           "source_column"]].to_records(index=False).tolist()
    assert answers == [
        ("redcap:pulse:101:::", "P-101", "q1", "4", 2, "q1"),
        ("redcap:pulse:101:::", "P-101", "q2", "5", 2, "q2"),
        ("redcap:pulse:101:::", "P-101", "paid", "1", 2, "paid"),
        ("redcap:pulse:101:::", "P-101", "hours", "2.5", 2, "hours"),
        ("redcap:pulse:102:::", "P-102", "q1", "3", 3, "q1"),
        ("redcap:pulse:102:::", "P-102", "paid", "0", 3, "paid"),
        ("redcap:pulse:102:::", "P-102", "hours", "0.5", 3, "hours"),
        ("redcap:pulse:102:::", "P-102", "age", "70", 3, "age"),
        ("redcap:pulse:104:::", "P-104", "q2", "2", 5, "q2"),
        ("redcap:pulse:104:::", "P-104", "paid", "1", 5, "paid"),
        ("redcap:pulse:104:::", "P-104", "hours", "1", 5, "hours"),
        ("redcap:pulse:104:::", "P-104", "age", "40", 5, "age"),
    ]
    assert set(r.responses["study_id"]) == {"S1"}
    assert set(r.responses["instrument_version"]) == {"1.0.0"}
    assert set(r.responses["submitted_at"]) == {"2026-01-01T00:00:00Z"}
    assert set(r.responses["source_file"]) == {"flat.csv"}
    assert r.comments.to_records(index=False).tolist() == [
        ("redcap:pulse:101:::", "note", "Good, thanks", "true")]
    assert codes(r.report.errors) == [("G405", 5, "q1")]
    assert codes(r.report.warnings) == [("G412", 3, "pulse_complete")]


def test_same_file_gives_same_frames(write: Callable[..., Path], pulse: Instrument) -> None:
    path = write("flat.csv", FLAT)
    a = read(path, "redcap", mapping(), pulse, study_id="S1")
    b = read(path, "redcap", mapping(), pulse, study_id="S1")
    assert a.responses.equals(b.responses)
    assert a.comments.equals(b.comments)


@pytest.mark.parametrize(("rule", "errors", "warnings", "subs"), [
    ("warn", [], ["G412"], 2),
    ("skip", [], ["G422"], 1),
    ("error", ["G412"], [], 2),
])
def test_incomplete_rule(write: Callable[..., Path], pulse: Instrument, rule: str, errors: list,
                         warnings: list, subs: int) -> None:
    path = write("flat.csv", FLAT.replace("104,site_b,9,", "104,site_b,1,"))
    r = read(path, "redcap", mapping(incomplete=rule, consent_field="consent_quote"), pulse, study_id="S1")
    assert [p.code for p in r.report.errors] == errors
    assert [p.code for p in r.report.warnings] == warnings
    assert r.responses["submission_id"].nunique() == subs + 1


CHECKBOX = """record_id,visit___1,visit___2,pulse_complete
1,0,0,0
2,0,0,2
3,1,0,0
"""


def test_checkboxes_unchecked_on_unsaved_form_are_not_answers(write: Callable[..., Path]) -> None:
    sel = Scale("selected", (Choice(0.0, "Not selected"), Choice(1.0, "Selected")))
    inst = Instrument("visits", "1", "Visits", (Item("visit___1", "a", "choice", "selected"),
                                                Item("visit___2", "b", "choice", "selected")),
                      {"selected": sel})
    m = Mapping(instrument_id="visits", instrument_version="1", fields={"visit___1": "visit___1",
                "visit___2": "visit___2"}, submitted_at_default="2026-01-01T00:00:00Z")
    r = read(write("cb.csv", CHECKBOX), "redcap", m, inst, study_id="S1")
    got = r.responses[["submission_id", "item_id", "value"]].to_records(index=False).tolist()
    assert got == [("redcap:visits:2:::", "visit___1", "0"), ("redcap:visits:2:::", "visit___2", "0"),
                   ("redcap:visits:3:::", "visit___1", "1"), ("redcap:visits:3:::", "visit___2", "0")]
    assert codes(r.report.warnings) == [("G412", 4, "pulse_complete")]


LONGITUDINAL = """record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,\
pulse_timestamp,q1,q2,note,pulse_complete
1,baseline_arm_1,,,2026-03-01 09:15:00,4,4,,2
1,month_3_arm_1,,,[not completed],3,,,0
1,unscheduled_arm_1,,1,2026-05-02 10:00:00,2,2,,2
1,unscheduled_arm_1,,2,2026-05-09 10:00:00,1,1,,2
2,baseline_arm_1,,,2026-03-02 11:00,5,5,,2
2,screening_arm_1,,,,,,,
2,month_6_arm_1,,,2026-09-02 11:00,5,5,"Fine",2
"""
EVENTS = {"baseline_arm_1": "t0", "month_3_arm_1": "t3", "unscheduled_arm_1:1": "u1",
          "unscheduled_arm_1": "unscheduled"}


def test_longitudinal_events_instances_and_timestamps(write: Callable[..., Path], pulse: Instrument) -> None:
    m = Mapping(instrument_id="pulse", instrument_version="1.0.0",
                fields={"q1": "q1", "q2": "q2", "note": "note"}, events=EVENTS, timezone="Europe/Berlin")
    r = read(write("long.csv", LONGITUDINAL), "redcap", m, pulse, study_id="S1")
    subs = r.responses.drop_duplicates("submission_id")[["submission_id", "timepoint_id", "submitted_at",
                                                           "source_row"]].to_records(index=False).tolist()
    assert subs == [
        ("redcap:pulse:1:baseline_arm_1::", "t0", "2026-03-01T08:15:00Z", 2),
        ("redcap:pulse:1:month_3_arm_1::", "t3", "", 3),
        ("redcap:pulse:1:unscheduled_arm_1::1", "u1", "2026-05-02T08:00:00Z", 4),
        ("redcap:pulse:1:unscheduled_arm_1::2", "unscheduled", "2026-05-09T08:00:00Z", 5),
        ("redcap:pulse:2:baseline_arm_1::", "t0", "2026-03-02T10:00:00Z", 6),
        ("redcap:pulse:2:month_6_arm_1::", "", "2026-09-02T09:00:00Z", 8),
    ]
    assert codes(r.report.errors) == [("G408", 3, "pulse_timestamp"), ("G409", 8, "redcap_event_name")]
    assert codes(r.report.warnings) == [("G412", 3, "pulse_complete")]
    assert r.comments["submission_id"].tolist() == ["redcap:pulse:2:month_6_arm_1::"]


REPEATING = """record_id,redcap_repeat_instrument,redcap_repeat_instance,age,demographics_complete,q1,\
pulse_complete
1,,,40,2,,
1,pulse,1,,,4,2
1,pulse,2,,,5,2
"""


def test_repeating_instrument_instances(write: Callable[..., Path], pulse: Instrument) -> None:
    m = mapping(fields={"q1": "q1"}, events={":1": "first"}, timepoint="later")
    r = read(write("rep.csv", REPEATING), "redcap", m, pulse, study_id="S1")
    got = r.responses[["submission_id", "timepoint_id", "value"]].to_records(index=False).tolist()
    assert got == [("redcap:pulse:1::pulse:1", "first", "4"), ("redcap:pulse:1::pulse:2", "later", "5")]
    assert codes(r.report.warnings) == []
    assert r.report.ok


def test_form_layout_from_column_order() -> None:
    cols = ["study_id", "redcap_event_name", "name", "demographics_complete", "pulse_timestamp", "q1",
            "cb___1", "pulse_complete"]
    assert form_layout(cols, "study_id") == {
        "name": "demographics", "demographics_complete": "demographics", "pulse_timestamp": "pulse",
        "q1": "pulse", "cb___1": "pulse", "pulse_complete": "pulse"}


@pytest.mark.parametrize(("text", "extra", "code"), [
    ("", {}, "G401"),
    ("\n", {}, "G401"),
    ("record_id,q1,pulse_complete\n", {}, "G401"),
    ("record_id,q2,pulse_complete\n1,3,2\n", {}, "G402"),
    ("record_id,q1,pulse_complete\n1,3,2\n", {"fields": {"q1": "nope"}}, "G414"),
    ("record_id,q1,pulse_complete\n1,3,2\n", {"participant_lookup": {"7": "P7"}}, "G410"),
    ("record_id,q1,pulse_complete\n,3,2\n", {}, "G411"),
    ("record_id,q1,pulse_complete\n1,3,2\n1,3,2\n", {}, "G416"),
    ("record_id,q1,pulse_complete\n1,3,2\n", {"submitted_at_default": None}, "G408"),
    ("record_id,q1,pulse_complete\n1,3,2\n", {"timezone": "Mars/Base"}, "G423"),
    ("record_id,q1,pulse_complete\n1,3,2\n", {"record_id_field": "subject"}, "G402"),
    ("record_id,q1,pulse_complete\n1,3,2\n", {"submitted_at_default": "yesterday"}, "G407"),
])
def test_refusals(write: Callable[..., Path], pulse: Instrument, text: str, extra: dict, code: str) -> None:
    r = read(write("x.csv", text), "redcap", mapping(**{"fields": {"q1": "q1"}, **extra}), pulse,
             study_id="S1")
    assert code in [p.code for p in r.report.errors]


def test_without_instrument_values_are_numbers(write: Callable[..., Path]) -> None:
    r = read(write("x.csv", "record_id,q1,pulse_complete\n1,7,2\n2,x,2\n"), "redcap",
             mapping(fields={"q1": "q1"}), None, study_id="S1")
    assert r.responses["value"].tolist() == ["7"]
    assert codes(r.report.errors) == [("G406", 3, "q1")]


def test_no_rows_with_data_is_a_warning(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("x.csv", "record_id,q1,pulse_complete\n1,,0\n"), "redcap", mapping(fields={"q1": "q1"}),
             pulse, study_id="S1")
    assert r.report.ok
    assert [p.code for p in r.report.warnings] == ["G418"]
    assert r.submissions == 0


def test_suggest_mapping(write: Callable[..., Path], pulse: Instrument) -> None:
    path = write("long.csv", LONGITUDINAL)
    m = suggest_mapping(path, "redcap", pulse)
    assert m.fields == {"q1": "q1", "q2": "q2", "note": "note"}
    assert m.text_fields == ["note"]
    assert m.record_id_field == "record_id"
    assert m.submitted_at_column == "pulse_timestamp"
    assert m.events == {e: e for e in ("baseline_arm_1", "month_3_arm_1", "unscheduled_arm_1",
                                       "screening_arm_1", "month_6_arm_1")}


LABELS = """record_id,q1,visit___1,visit___2,pulse_complete
1,Agree,Checked,Unchecked,Complete
2,,Unchecked,Unchecked,Incomplete
3,Strongly disagree,Unchecked,Unchecked,Incomplete
"""


def test_labels_export(write: Callable[..., Path], pulse: Instrument) -> None:
    """rawOrLabel=label: choice labels, Checked/Unchecked, Complete/Incomplete."""
    sel = Scale("selected", (Choice(0.0, "Not selected"), Choice(1.0, "Selected")))
    inst = Instrument("pulse", "1.0.0", "Pulse", (*pulse.items, Item("visit___1", "a", "choice", "selected"),
                                                  Item("visit___2", "b", "choice", "selected")),
                      {**pulse.scales, "selected": sel})
    m = mapping(fields={"q1": "q1", "visit___1": "visit___1", "visit___2": "visit___2"})
    r = read(write("labels.csv", LABELS), "redcap", m, inst, study_id="S1")
    got = r.responses[["submission_id", "item_id", "value"]].to_records(index=False).tolist()
    assert got == [("redcap:pulse:1:::", "q1", "4"), ("redcap:pulse:1:::", "visit___1", "1"),
                   ("redcap:pulse:1:::", "visit___2", "0"), ("redcap:pulse:3:::", "q1", "1"),
                   ("redcap:pulse:3:::", "visit___1", "0"), ("redcap:pulse:3:::", "visit___2", "0")]
    assert codes(r.report.warnings) == [("G412", 4, "pulse_complete")]
