"""REDCap data dictionaries: small inline dictionaries in both dialects, CSV and API JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engagement.converters import convert
from engagement.errors import EngagementError
from engagement.instruments import load

UI_HEADER = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note",'
    '"Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max",'
    'Identifier?,"Branching Logic (Show field only if...)","Required Field?","Custom Alignment",'
    '"Question Number (surveys only)","Matrix Group Name","Matrix Ranking?","Field Annotation"\n'
)


def ui_row(
    name: str,
    form: str,
    kind: str,
    label: str,
    choices: str = "",
    note: str = "",
    validation: str = "",
    low: str = "",
    high: str = "",
    identifier: str = "",
    branching: str = "",
    required: str = "",
) -> str:
    cells = [
        name,
        form,
        "",
        kind,
        label,
        choices,
        note,
        validation,
        low,
        high,
        identifier,
        branching,
        required,
        "",
        "",
        "",
        "",
        "",
    ]
    return ",".join(f'"{c}"' if c else "" for c in cells) + "\n"


def write(tmp_path: Path, text: str, name: str = "dictionary.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / "myproject" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    rows = [
        ui_row("record_id", "intake", "text", "Record ID"),
        ui_row("name", "intake", "text", "Your name", identifier="y"),
        ui_row(
            "travel",
            "intake",
            "radio",
            "<b>Travel</b> was easy",
            "1, Disagree | 2, Neutral | 3, Agree",
            required="y",
        ),
        ui_row("grade", "intake", "dropdown", "Grade", "a, Poor|b, Fair, or so|c, Good"),
        ui_row("help", "intake", "checkbox", "Help used", "1, Driver | -99, Prefer not to say | Aa, Other"),
        ui_row("intro", "intake", "descriptive", "Welcome"),
        ui_row("score", "intake", "calc", "Score", "[travel]*2"),
        ui_row("again", "followup", "yesno", "Would you take part again?", branching="[travel] = '3'"),
        ui_row("sure", "followup", "truefalse", "I am sure"),
        ui_row("mood", "followup", "slider", "Mood", "Very sad | Indifferent | Very happy"),
        ui_row("visits", "followup", "text", "Visits", validation="integer", low="0", high="20"),
        ui_row("when", "followup", "text", "When", validation="date_dmy"),
        ui_row("comments", "followup", "notes", "Anything else?", note="Optional"),
    ]
    return write(tmp_path, "\ufeff" + UI_HEADER + "".join(rows))


def item(mapping: dict, item_id: str) -> dict:
    return next(i for i in mapping["items"] if i["id"] == item_id)


def test_ui_dialect_converts_every_field_type(survey: Path) -> None:
    result = convert(survey, "redcap")
    m = result.mapping
    assert m["id"] == "myproject"
    assert [i["id"] for i in m["items"]] == [
        "travel",
        "grade",
        "help___1",
        "help____99",
        "help___aa",
        "again",
        "sure",
        "mood",
        "visits",
        "when",
        "comments",
    ]
    assert item(m, "travel") == {
        "id": "travel",
        "text": "Travel was easy",
        "type": "choice",
        "scale": "travel",
        "required": True,
    }
    assert m["scales"]["travel"]["choices"] == [
        {"value": 1, "label": "Disagree"},
        {"value": 2, "label": "Neutral"},
        {"value": 3, "label": "Agree"},
    ]
    assert item(m, "again")["scale"] == "yesno"
    assert item(m, "sure")["scale"] == "truefalse"
    assert m["scales"]["truefalse"]["choices"] == [
        {"value": 0, "label": "False"},
        {"value": 1, "label": "True"},
    ]
    assert item(m, "help____99")["text"] == "Help used: Prefer not to say"
    assert item(m, "comments") == {
        "id": "comments",
        "text": "Anything else?",
        "type": "text",
        "help": "Optional",
    }
    assert item(m, "when")["type"] == "text"
    load(m)  # the result is a valid instrument


def test_letter_codes_become_positions_and_codes_are_kept(survey: Path) -> None:
    result = convert(survey, "redcap")
    # labels keep their commas: the split is on the first comma only
    assert result.mapping["scales"]["grade"]["choices"] == [
        {"value": 1, "label": "Poor"},
        {"value": 2, "label": "Fair, or so"},
        {"value": 3, "label": "Good"},
    ]
    assert result.choice_codes == {"grade": {"a": 1, "b": 2, "c": 3}}
    assert result.warning_codes.count("I358") == 1


def test_slider_and_bounded_integer_get_range_scales(survey: Path) -> None:
    m = convert(survey, "redcap").mapping
    mood, visits = item(m, "mood"), item(m, "visits")
    assert mood["type"] == "number"
    assert m["scales"][mood["scale"]] == {"range": {"min": 0, "max": 100, "step": 1}}
    assert mood["help"] == "Slider: 0 = Very sad; middle = Indifferent; 100 = Very happy"
    assert m["scales"][visits["scale"]] == {"range": {"min": 0, "max": 20, "step": 1}}


def test_skipped_fields_are_warned_with_their_row(survey: Path) -> None:
    result = convert(survey, "redcap")
    skipped = {(w.item, w.row) for w in result.warnings if w.code == "I355"}
    assert skipped == {("record_id", 2), ("name", 3), ("intro", 7), ("score", 8)}
    assert [w.code for w in result.warnings if w.code in ("I370", "I374")] == ["I374", "I370"]


def test_identifiers_can_be_included(survey: Path) -> None:
    m = convert(survey, "redcap", include_identifiers=True).mapping
    assert item(m, "name")["type"] == "text"


def test_one_form_can_be_picked(survey: Path) -> None:
    m = convert(survey, "redcap", form="followup").mapping
    assert m["id"] == "followup"
    assert [i["id"] for i in m["items"]] == ["again", "sure", "mood", "visits", "when", "comments"]


def test_unknown_form_is_refused(survey: Path) -> None:
    with pytest.raises(EngagementError) as exc:
        convert(survey, "redcap", form="nope")
    assert exc.value.codes == ["I353"]


API_HEADER = (
    '"field_name","form_name","section_header","field_type","field_label",'
    '"select_choices_or_calculations","field_note","text_validation_type_or_show_slider_number",'
    '"text_validation_min","text_validation_max","identifier","branching_logic","required_field",'
    '"custom_alignment","question_number","matrix_group_name","matrix_ranking","field_annotation"\n'
)


def test_api_dialect_with_literal_na(tmp_path: Path) -> None:
    text = API_HEADER + (
        '"record_id","f",NA,"text","ID",NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA\n'
        '"q1","f",NA,"radio","Q one","0, No | 1, Yes",NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA\n'
        '"q2","f",NA,"notes","Q two",NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA\n'
    )
    m = convert(write(tmp_path, text, "metadata.csv"), "redcap").mapping
    assert m["items"] == [
        {"id": "q1", "text": "Q one", "type": "choice", "scale": "q1"},
        {"id": "q2", "text": "Q two", "type": "text"},
    ]


def test_api_json(tmp_path: Path) -> None:
    fields = [
        {
            "field_name": "record_id",
            "form_name": "f",
            "field_type": "text",
            "field_label": "ID",
            "select_choices_or_calculations": "",
        },
        {
            "field_name": "q1",
            "form_name": "f",
            "field_type": "dropdown",
            "field_label": "Q&amp;A",
            "select_choices_or_calculations": "1, Low|2, High",
            "required_field": "y",
        },
    ]
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(fields), encoding="utf-8")
    m = convert(path, "redcap").mapping
    assert m["items"] == [{"id": "q1", "text": "Q&A", "type": "choice", "scale": "q1", "required": True}]


def test_windows_1252_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        UI_HEADER + ui_row("id", "f", "text", "ID") + ui_row("q", "f", "text", "Café"),
        encoding="cp1252",
    )
    result = convert(path, "redcap")
    assert result.mapping["items"][0]["text"] == "Café"
    assert result.warning_codes[0] == "I380"


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        (ui_row("q", "f", "radio", "Q", "1 Yes | 2 No"), "I356"),
        (ui_row("q", "f", "radio", "Q", ""), "I356"),
        (ui_row("q", "f", "radio", "Q", "1, Yes | 1, Also yes"), "I357"),
        (ui_row("q", "f", "descriptive", "Just text"), "I354"),
    ],
)
def test_bad_dictionaries_are_refused(tmp_path: Path, rows: str, code: str) -> None:
    path = write(tmp_path, UI_HEADER + ui_row("id", "f", "text", "ID") + rows)
    with pytest.raises(EngagementError) as exc:
        convert(path, "redcap")
    assert exc.value.codes == [code]
    assert exc.value.problems[0].file == "dictionary.csv"


def test_not_a_dictionary(tmp_path: Path) -> None:
    with pytest.raises(EngagementError) as exc:
        convert(write(tmp_path, "record_id,age\n1,30\n", "data.csv"), "redcap")
    assert exc.value.codes == ["I352"]


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(EngagementError) as exc:
        convert(tmp_path / "nope.csv", "redcap")
    assert exc.value.codes == ["I350"]
    with pytest.raises(EngagementError) as exc:
        convert(tmp_path / "nope.csv", "qualtrics")
    assert exc.value.codes == ["I351"]


def test_missing_codes_option_moves_answers_to_missing(tmp_path: Path) -> None:
    rows = ui_row("id", "f", "text", "ID") + ui_row(
        "q", "f", "radio", "Q", "1, Yes | 0, No | -99, Rather not say"
    )
    m = convert(write(tmp_path, UI_HEADER + rows), "redcap", missing=[-99]).mapping
    assert m["scales"]["q"] == {
        "choices": [{"value": 1, "label": "Yes"}, {"value": 0, "label": "No"}],
        "missing": [{"value": -99, "label": "Rather not say"}],
    }
    assert load(m).scales["q"].missing_codes == (-99.0,)


def test_options_of_another_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EngagementError) as exc:
        convert(tmp_path / "form.xlsx", "xlsform", form="intake")
    assert exc.value.codes == ["E003"]
