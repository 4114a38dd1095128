"""Every dictionary, form and questionnaire under ../shared/fixtures: converted (N items, M scored) or
refused with exact codes. A new fixture file fails test_every_fixture_has_an_expected_outcome until
its outcome is written here (and in the issue note's table: benchmarks/fixture_conversion_table.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engagement.converters import convert
from engagement.converters.batch import fixture_files, try_convert

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"

# file -> (items, scored items) when it converts and loads; a tuple of codes when it is refused
EXPECTED: dict[str, tuple[int, int] | tuple[str, ...]] = {
    "redcap/redcapr-blank-for-gray-status/dictionary.csv": (14, 11),
    "redcap/redcapr-checkboxes-1/dictionary.csv": (10, 9),
    "redcap/redcapr-clinical-trial-1/dictionary.csv": (6, 5),
    "redcap/redcapr-decimal-comma/dictionary.csv": (2, 2),
    "redcap/redcapr-longitudinal/dictionary.csv": (106, 64),
    "redcap/redcapr-potentially-problematic-dictionary/dictionary.csv": (5, 5),
    "redcap/redcapr-potentially-problematic-values/dictionary.csv": (3, 0),
    "redcap/redcapr-repeating-instruments/dictionary.csv": (8, 3),
    "redcap/redcapr-repeating-instruments-sparse/dictionary.csv": (7, 3),
    "redcap/redcapr-simple/dictionary.csv": (12, 10),
    "redcap/redcapr-survey/dictionary.csv": (19, 14),
    "redcap/redcapr-validation-types-1/dictionary.csv": (46, 8),
    "redcap/redcapr-vignette-repeating/dictionary.csv": (7, 5),
    "redcap/redcapr-simple/metadata.csv": (11, 10),
    "xlsform/pyxform/bug_duplicate_columns.xlsx": ("I361",),
    "xlsform/pyxform/bug_xl_date_ambiguous.xlsx": (4, 1),
    "xlsform/pyxform/case_insensitivity.csv": ("I362",),
    "xlsform/pyxform/case_insensitivity.md": ("I362",),
    "xlsform/pyxform/case_insensitivity.xlsx": ("I362",),
    "xlsform/pyxform/choice_filter_test.xlsx": (3, 3),
    "xlsform/pyxform/flat_xlsform_test.xlsx": (22, 10),
    "xlsform/pyxform/group.csv": (3, 0),
    "xlsform/pyxform/group.md": (3, 0),
    "xlsform/pyxform/group.xlsx": (3, 0),
    "xlsform/pyxform/include.md": ("I362",),
    "xlsform/pyxform/include.xlsx": ("I362",),
    "xlsform/pyxform/loop.csv": ("I362",),
    "xlsform/pyxform/loop.md": ("I362",),
    "xlsform/pyxform/loop.xlsx": ("I362",),
    "xlsform/pyxform/or_other.xlsx": (3, 2),
    "xlsform/pyxform/specify_other.csv": (2, 1),
    "xlsform/pyxform/specify_other.md": (2, 1),
    "xlsform/pyxform/specify_other.xlsx": (2, 1),
    "xlsform/pyxform/text_and_integer.csv": (2, 0),
    "xlsform/pyxform/text_and_integer.md": (2, 0),
    "xlsform/pyxform/text_and_integer.xlsx": (2, 0),
    "xlsform/pyxform/tutorial.xls": ("I362",),
    "xlsform/pyxform/utf_csv.csv": (1, 0),
    "xlsform/pyxform/widgets.csv": (19, 12),
    "xlsform/pyxform/widgets.xls": (35, 28),
    "xlsform/pyxform/xlsform_spec_test.xlsx": ("I362",),
    "xlsform/pyxform/yes_or_no_question.csv": (1, 1),
    "xlsform/pyxform/yes_or_no_question.md": (1, 1),
    "xlsform/pyxform/yes_or_no_question.xlsx": (1, 1),
    "fhir/hl7-fhir-r4-core-examples/questionnaire-example-bluebook.json": (10, 3),
    "fhir/hl7-fhir-r4-core-examples/questionnaire-example-f201-lifelines.json": (7, 3),
    "fhir/hl7-fhir-r4-core-examples/questionnaire-example-gcs.json": (3, 3),
    "fhir/hl7-fhir-r4-core-examples/questionnaire-example.json": ("I367", "I368"),
    "fhir/hl7-fhir-r4-core-examples/questionnaireresponse-example-bluebook.json": ("I366",),
    "fhir/hl7-fhir-r4-core-examples/questionnaireresponse-example-f201-lifelines.json": ("I366",),
    "fhir/hl7-fhir-r4-core-examples/questionnaireresponse-example-gcs.json": ("I366",),
    "fhir/hl7-fhir-r4-core-examples/questionnaireresponse-example-ussg-fht-answers.json": ("I366",),
    "fhir/hl7-fhir-r4-core-examples/questionnaireresponse-example.json": ("I366",),
    "fhir/hl7-sdc-3.0-examples/questionnaire-sdc-profile-example-PHQ9.json": (9, 9),
    "fhir/hl7-sdc-3.0-examples/questionnaire-sdc-profile-example-hunger-vital-signs.json": (2, 2),
    "fhir/hl7-sdc-3.0-examples/questionnaire-sdc-test-all-data-types.json": ("I367",),
    "fhir/hl7-sdc-3.0-examples/questionnaire-sdc-test-enablewhen.json": ("I367",),
    "fhir/hl7-sdc-3.0-examples/questionnaire-sdc-test-repeatable-nested-groups.json": ("I369", "I367"),
    "fhir/hl7-sdc-3.0-examples/questionnaireresponse-sdc-profile-example-PHQ9.json": ("I366",),
    "fhir/hl7-sdc-3.0-examples/adaptive-questionnaireresponse-sdc-profile-example-PHQ9.json": (9, 9),
}


def fixtures_or_skip() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"{FIXTURES} is absent")
    return FIXTURES


def test_every_fixture_has_an_expected_outcome() -> None:
    root = fixtures_or_skip()
    assert sorted(str(p.relative_to(root)) for p, _ in fixture_files(root)) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_outcome(name: str) -> None:
    root = fixtures_or_skip()
    fmt = {str(p.relative_to(root)): f for p, f in fixture_files(root)}[name]
    outcome = try_convert(root / name, fmt, name)
    expected = EXPECTED[name]
    if isinstance(expected[0], str):
        assert (outcome.converted, outcome.refused) == (False, expected), outcome.reason
    else:
        assert (outcome.converted, outcome.items, outcome.scored_items) == (True, *expected), outcome.reason


def test_phq9_ordinal_values_become_the_scale() -> None:
    root = fixtures_or_skip()
    result = convert(root / "fhir/hl7-sdc-3.0-examples/questionnaire-sdc-profile-example-PHQ9.json", "fhir")
    assert result.mapping["scales"]["VSPHQ9"]["choices"] == [
        {"value": 0, "label": "Not at all"},
        {"value": 1, "label": "Several days"},
        {"value": 2, "label": "More than half the days"},
        {"value": 3, "label": "Nearly every day"},
    ]
    assert result.choice_codes["VSPHQ9"] == {
        "Not-at-all": 0,
        "Several-days": 1,
        "More than half the days": 2,
        "Nearly every day": 3,
    }
    assert [i["id"] for i in result.mapping["items"]][:2] == ["H1_T1_Q1", "H1_T1_Q2"]


def test_redcap_letter_checkbox_and_bom() -> None:
    root = fixtures_or_skip()
    ids = [
        i["id"]
        for i in convert(root / "redcap/redcapr-checkboxes-1/dictionary.csv", "redcap").mapping["items"]
    ]
    assert ids[4:9] == ["check_two___a", "check_two___b", "check_two___c", "check_two___d", "check_two___e"]
    bom = convert(root / "redcap/redcapr-potentially-problematic-dictionary/dictionary.csv", "redcap")
    assert bom.warnings[0].item == "record_id"  # the BOM did not end up in the first header
    assert bom.mapping["items"][2]["text"] == 'Maybe I don\'t "look the part"'


def test_xls_float_choice_names_and_formula_cells() -> None:
    root = fixtures_or_skip()
    widgets = convert(root / "xlsform/pyxform/widgets.xls", "xlsform").mapping
    assert [c["value"] for c in widgets["scales"]["list2"]["choices"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    dates = convert(root / "xlsform/pyxform/bug_xl_date_ambiguous.xlsx", "xlsform").mapping
    assert [c["label"] for c in dates["scales"]["names_list"]["choices"]] == [
        "${name1}",
        "${name2}",
        "${name3}",
    ]


def test_gcs_codes_map_to_positions_in_listed_order() -> None:
    root = fixtures_or_skip()
    result = convert(root / "fhir/hl7-fhir-r4-core-examples/questionnaire-example-gcs.json", "fhir")
    assert result.choice_codes["verbal"] == {
        "LA6557-8": 1,
        "LA6558-6": 2,
        "LA6559-4": 3,
        "LA6560-2": 4,
        "LA6561-0": 5,
    }
