"""Every real third-party data file under ../shared/fixtures reads into rows or is refused with codes.

Each file is read with an instrument made from its own REDCap dictionary or FHIR Questionnaire (through
engagement.converters), or drafted from the data when there is none (engagement.readers.inferred).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engagement.readers.fixture_cases import Case, cases

ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"

# file -> (submissions, answers, comments, error codes); no error codes means the file imports
EXPECTED = {
    "redcapr-blank-for-gray-status/data.csv": (5, 50, 15, ["G426"]),      # heights 6-7 under min 130
    "redcapr-checkboxes-1/data.csv": (3, 27, 3, []),
    "redcapr-clinical-trial-1/data.csv": (500, 2500, 500, []),
    "redcapr-decimal-comma/data.csv": (4, 8, 0, []),
    "redcapr-longitudinal/data.csv": (16, 307, 34, []),
    "redcapr-potentially-problematic-dictionary/data.csv": (0, 0, 0, ["G401"]),   # a single newline
    "redcapr-potentially-problematic-values/data.csv": (2, 0, 4, ["G406"]),       # text in integer field
    "redcapr-repeating-instruments/data.csv": (6, 14, 8, []),
    "redcapr-repeating-instruments-sparse/data.csv": (8, 24, 8, []),     # 2 hold only text: 10 blanks
    "redcapr-simple/data.csv": (5, 46, 10, ["G426"]),
    "redcapr-survey/data.csv": (2, 4, 2, []),
    "redcapr-validation-types-1/data.csv": (0, 0, 0, []),                  # never-saved form: nothing
    "redcapr-vignette-repeating/data.csv": (12, 38, 8, []),               # 4 hold only text: 20 blanks
    "qualtRics/sample.csv": (1, 1, 1, []),
    "qualtRics/sample_legacy.csv": (1, 1, 1, []),
    "hl7-fhir-r4-core-examples/questionnaireresponse-example-bluebook.json": (1, 5, 5, []),
    "hl7-fhir-r4-core-examples/questionnaireresponse-example-f201-lifelines.json": (1, 1, 4, ["G405"]),
    "hl7-fhir-r4-core-examples/questionnaireresponse-example-gcs.json": (1, 3, 0, []),
    "hl7-fhir-r4-core-examples/questionnaireresponse-example-ussg-fht-answers.json": (1, 21, 5, ["G415"]),
    "hl7-fhir-r4-core-examples/questionnaireresponse-example.json": (1, 4, 0, []),
    "hl7-sdc-3.0-examples/adaptive-questionnaireresponse-sdc-profile-example-PHQ9.json": (1, 9, 0, []),
    "hl7-sdc-3.0-examples/questionnaireresponse-sdc-profile-example-PHQ9.json": (1, 9, 0, []),
}


@pytest.fixture(scope="module")
def fixture_cases() -> dict[str, Case]:
    if not ROOT.is_dir():
        pytest.skip(f"{ROOT} is absent")
    return {c.name: c for c in cases(ROOT)}


def test_every_data_file_has_an_expectation(fixture_cases: dict[str, Case]) -> None:
    assert sorted(fixture_cases) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_outcome(fixture_cases: dict[str, Case], name: str) -> None:
    result = fixture_cases[name].read()
    errors = sorted({p.code for p in result.report.errors})
    assert (result.submissions, len(result.responses), len(result.comments), errors) == EXPECTED[name]
    for problem in result.report.errors:
        assert problem.file == Path(name).name
    if not errors:
        iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"
        assert result.responses["submitted_at"].str.match(iso).all()
        assert result.responses["value"].str.match(r"^-?\d+(\.\d+)?$|^$").all()


def values(case: Case) -> dict[tuple[str, str], str]:
    r = case.read()
    return {(sid, item): v for sid, item, v in r.responses[["submission_id", "item_id", "value"]].to_numpy()}


def test_decimal_comma_and_r_booleans(fixture_cases: dict[str, Case]) -> None:
    comma = values(fixture_cases["redcapr-decimal-comma/data.csv"])
    assert comma[("redcap:redcapr-decimal-comma:1:::", "height")] == "1.54"
    assert comma[("redcap:redcapr-decimal-comma:3:::", "weight")] == "123.4"
    simple = values(fixture_cases["redcapr-simple/data.csv"])
    assert simple[("redcap:redcapr-simple:1:::", "sex")] == "0"     # FALSE as R wrote it
    assert simple[("redcap:redcapr-simple:2:::", "sex")] == "1"


def test_gcs_and_phq9_codings(fixture_cases: dict[str, Case]) -> None:
    gcs = values(fixture_cases["hl7-fhir-r4-core-examples/questionnaireresponse-example-gcs.json"])
    assert sorted(gcs.values()) == ["4", "4", "5"]                    # ordinalValue of the LOINC answers
    phq = values(fixture_cases["hl7-sdc-3.0-examples/questionnaireresponse-sdc-profile-example-PHQ9.json"])
    # codes without system; the resource's own total says 13, but its nine answers sum to 10
    assert sum(int(v) for v in phq.values()) == 10


def test_survey_timestamps_and_longitudinal_events(fixture_cases: dict[str, Case]) -> None:
    survey = fixture_cases["redcapr-survey/data.csv"].read()
    assert sorted(set(survey.responses["submitted_at"])) == ["2018-03-06T15:52:43Z", "2018-03-06T15:53:15Z"]
    longitudinal = fixture_cases["redcapr-longitudinal/data.csv"].read()
    assert "dose_1_arm_1" in set(longitudinal.responses["timepoint_id"])
    assert longitudinal.responses["submission_id"].str.startswith("redcap:redcapr-longitudinal:").all()


def test_qualtrics_generations_agree(fixture_cases: dict[str, Case]) -> None:
    modern = fixture_cases["qualtRics/sample.csv"].read()
    legacy = fixture_cases["qualtRics/sample_legacy.csv"].read()
    cols = ["submission_id", "submitted_at", "value"]
    assert modern.responses[cols].to_numpy().tolist() == [
        ["qualtrics:qualtrics-sample:R_2YPOQ602ER1jkf1", "2017-07-18T08:28:48Z", "2"]]
    assert legacy.responses[cols].to_numpy().tolist() == [
        ["qualtrics:qualtrics-sample_legacy:R_2YPOQ602ER1jkf1", "2017-07-18T08:28:48Z", "2"]]
    assert (modern.responses["source_row"].tolist(), legacy.responses["source_row"].tolist()) == ([4], [3])
    assert modern.comments["text"].tolist() == ["Hello World!"]
