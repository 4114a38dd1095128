"""Qualtrics CSV exports of the three header generations, written inline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engagement.instruments.model import Instrument
from engagement.readers import Mapping, read, suggest_mapping
from engagement.readers.qualtrics import read_header

LEGACY = (
    "\ufeffV1,V2,V3,V4,V5,V6,V7,V8,V9,V10,Q1,Q2,Q3_TEXT,\n"
    "ResponseID,ResponseSet,Name,ExternalDataReference,EmailAddress,IPAddress,Status,StartDate,EndDate,"
    "Finished,The visits fit my week,Staff explained things well,Anything else?,\n"
    "R_1,Default,Anonymous,P01,,1.2.3.4,0,2017-07-18 08:28:09,2017-07-18 08:28:48,1,4,-99,Nice team,\n"
    "R_2,Default,Anonymous,P02,,1.2.3.4,0,2017-07-19 08:28:09,2017-07-19 08:30:00,0,2,3,,\n"
)
DICT_STYLE = (
    "StartDate,EndDate,Status,Finished,RecordedDate,ResponseId,ExternalReference,visit,Q1,Q2,Q3_TEXT\n"
    "Start Date,End Date,Response Type,Finished,Recorded Date,Response ID,External Data Reference,visit,"
    "The visits fit my week,Staff explained things well,Anything else? - Text\n"
    "\"{'ImportId': 'startDate'}\",\"{'ImportId': 'endDate'}\",\"{'ImportId': 'status'}\","
    "\"{'ImportId': 'finished'}\",\"{'ImportId': 'recordedDate'}\",\"{'ImportId': '_recordId'}\","
    "\"{'ImportId': 'externalDataReference'}\",\"{'ImportId': 'visit'}\",\"{'ImportId': 'QID1'}\","
    "\"{'ImportId': 'QID2'}\",\"{'ImportId': 'QID3-TEXT'}\"\n"
    "2019-01-01 10:00:00,2019-01-01 10:05:00,IP Address,True,2019-01-01 10:05:01,R_a,P01,baseline,11,12,\n"
    "2019-01-02 10:00:00,2019-01-02 10:05:00,Survey Preview,True,2019-01-02 10:05:01,R_b,,,11,11,\n"
)


def _json_row(ids: list[str]) -> str:
    cells = [
        f'{{"ImportId":"{i}","timeZone":"Europe/Berlin"}}'
        if i in ("startDate", "endDate")
        else f'{{"ImportId":"{i}"}}'
        for i in ids
    ]
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


CURRENT = (
    "StartDate,EndDate,Status,Finished,RecordedDate,ResponseId,Q1,Q2,Q3_TEXT,Q3_TEXT - Topics\n"
    'Start Date,End Date,Response Type,Finished,Recorded Date,Response ID,"The visits\nfit my week",'
    "Staff explained things well,Anything else? - Text,Q3 - Topics\n"
    + _json_row(
        [
            "startDate",
            "endDate",
            "status",
            "finished",
            "recordedDate",
            "_recordId",
            "QID1",
            "QID2",
            "QID3_TEXT",
            "QID3_TEXT_abcTopics",
        ]
    )
    + '2024-05-01 10:00:00,2024-05-01 10:07:00,0,1,2024-05-01 10:07:01,R_x,5,4,"Parking was hard, '
    'honestly",\n'
    "2024-05-02 10:00:00,2024-05-02 10:07:00,0,0,2024-05-02 10:07:01,R_y,,,,\n"
    "2024-05-03 10:00:00,5/3/2024 10:07,0,1,2024-05-03 10:07:01,R_z,7,-99,,\n"
)
FIELDS = {"Q1": "q1", "Q2": "q2", "Q3_TEXT": "note"}


def mapping(**extra: object) -> Mapping:
    return Mapping.model_validate(
        {"instrument_id": "pulse", "instrument_version": "1.0.0", "fields": FIELDS, **extra}
    )


def rows(r) -> list[tuple]:
    return (
        r.responses[
            [
                "submission_id",
                "participant_id",
                "timepoint_id",
                "submitted_at",
                "item_id",
                "value",
                "source_row",
            ]
        ]
        .to_records(index=False)
        .tolist()
    )


def where(problems: list) -> list[tuple]:
    return [(p.code, p.row, p.column) for p in problems]


def test_header_generations(write: Callable[..., Path]) -> None:
    legacy = read_header(write("a.csv", LEGACY))
    assert (legacy.generation, legacy.rows) == ("legacy", 2)
    assert legacy.columns[:3] == ["ResponseID", "ResponseSet", "Name"]
    assert legacy.question_columns() == ["Q1", "Q2", "Q3_TEXT"]
    old = read_header(write("b.csv", DICT_STYLE))
    assert (old.generation, old.rows) == ("dict", 3)
    assert old.import_ids["Q3_TEXT"] == {"ImportId": "QID3-TEXT"}
    assert old.text_columns() == {"Q3_TEXT"}
    new = read_header(write("c.csv", CURRENT))
    assert (new.generation, new.rows) == ("json", 3)
    assert new.labels["Q1"] == "The visits fit my week"
    assert new.question_columns() == ["Q1", "Q2", "Q3_TEXT"]  # Text iQ topics are not answers


def test_legacy(write: Callable[..., Path], pulse: Instrument) -> None:
    m = mapping(participant_column="ExternalDataReference", timepoint="t0")
    r = read(write("legacy.csv", LEGACY), "qualtrics", m, pulse, study_id="S1")
    assert rows(r) == [
        ("qualtrics:pulse:R_1", "P01", "t0", "2017-07-18T08:28:48Z", "q1", "4", 3),
        ("qualtrics:pulse:R_1", "P01", "t0", "2017-07-18T08:28:48Z", "q2", "", 3),  # -99: seen, not answered
        ("qualtrics:pulse:R_2", "P02", "t0", "2017-07-19T08:30:00Z", "q1", "2", 4),
        ("qualtrics:pulse:R_2", "P02", "t0", "2017-07-19T08:30:00Z", "q2", "3", 4),
    ]
    assert r.comments.to_records(index=False).tolist() == [
        ("qualtrics:pulse:R_1", "note", "Nice team", "false")
    ]
    assert where(r.report.errors) == []
    assert where(r.report.warnings) == [("G412", 4, "Finished")]


def test_dict_style_with_recodes_events_and_zone(write: Callable[..., Path], pulse: Instrument) -> None:
    m = mapping(
        recodes={"Q1": {"11": "4", "12": "5"}, "Q2": {"11": "4", "12": "5"}},
        timepoint_column="visit",
        events={"baseline": "t0"},
        participant_column="ExternalReference",
        timezone="America/New_York",
    )
    r = read(write("dict.csv", DICT_STYLE), "qualtrics", m, pulse, study_id="S1")
    assert rows(r) == [
        ("qualtrics:pulse:R_a", "P01", "t0", "2019-01-01T15:05:00Z", "q1", "4", 4),
        ("qualtrics:pulse:R_a", "P01", "t0", "2019-01-01T15:05:00Z", "q2", "5", 4),
    ]
    assert where(r.report.warnings) == [("G427", 5, "Status")]
    assert r.report.ok


def test_current_json_with_export_time_zone(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("cur.csv", CURRENT), "qualtrics", mapping(), pulse, study_id="S1")
    assert rows(r) == [
        ("qualtrics:pulse:R_x", "", "", "2024-05-01T08:07:00Z", "q1", "5", 4),
        ("qualtrics:pulse:R_x", "", "", "2024-05-01T08:07:00Z", "q2", "4", 4),
        ("qualtrics:pulse:R_z", "", "", "2024-05-03T08:07:00Z", "q2", "", 6),
    ]
    assert r.comments["text"].tolist() == ["Parking was hard, honestly"]
    assert where(r.report.errors) == [("G405", 6, "Q1")]
    assert where(r.report.warnings) == [("G418", 5, None)]


def test_mapping_zone_wins_over_export_zone(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(write("cur.csv", CURRENT), "qualtrics", mapping(timezone="UTC"), pulse, study_id="S1")
    assert r.responses["submitted_at"].iloc[0] == "2024-05-01T10:07:00Z"


def test_unrecognised_header(write: Callable[..., Path], pulse: Instrument) -> None:
    r = read(
        write("x.csv", "ResponseId,Q1\nR_1,3\n"),
        "qualtrics",
        mapping(fields={"Q1": "q1"}),
        pulse,
        study_id="S1",
    )
    assert where(r.report.errors) == [("G419", 1, None)]


def test_without_response_id_ids_come_from_the_row(write: Callable[..., Path], pulse: Instrument) -> None:
    text = CURRENT.replace("ResponseId,", "Rid,").replace('""_recordId""', '""rid""')
    path = write("norid.csv", text)
    a = read(path, "qualtrics", mapping(), pulse, study_id="S1")
    b = read(path, "qualtrics", mapping(), pulse, study_id="S1")
    assert "G428" in [p.code for p in a.report.warnings]
    assert a.responses["submission_id"].tolist() == b.responses["submission_id"].tolist()
    assert a.responses["submission_id"].iloc[0].startswith("qualtrics:pulse:row-")


def test_suggest_mapping_by_label(write: Callable[..., Path], pulse: Instrument) -> None:
    m = suggest_mapping(write("cur.csv", CURRENT), "qualtrics", pulse)
    assert m.fields == {"Q1": "q1", "Q2": "q2", "Q3_TEXT": "note"}
    assert m.text_fields == ["Q3_TEXT"]
    assert m.submitted_at_column == "EndDate"
    assert m.missing_values == ["-99"]


def test_display_order_and_timing_columns_are_not_questions(write: Callable[..., Path]) -> None:
    ids = ["_recordId", "endDate", "QID1", "QID1_DO", "QID9_FIRST_CLICK", "QID9_PAGE_SUBMIT"]
    text = (
        "ResponseId,EndDate,Q1,Q1_DO,Q9_First Click,Q9_Page Submit\n"
        "Response ID,End Date,Q one,Q one - Display Order,Timing - First Click,Timing - Page Submit\n"
        + ",".join('"{""ImportId"":""' + i + '""}"' for i in ids)
        + "\n"
        "R_1,2024-01-01 10:00:00,3,2|1,1.2,8.5\n"
    )
    header = read_header(write("t.csv", text))
    assert header.question_columns() == ["Q1"]
