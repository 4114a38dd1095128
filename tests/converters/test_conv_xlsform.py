"""XLSForms written inline: .xlsx through openpyxl, pyxform's CSV and Markdown flavours."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from engagement.converters import convert
from engagement.errors import EngagementError
from engagement.instruments import load

Rows = list[list[object]]


def xlsx(tmp_path: Path, sheets: dict[str, Rows], name: str = "form.xlsx", pad: int = 0) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for i in range(pad):  # Excel pads sheets with blank, styled rows
            ws.cell(row=len(rows) + 1 + i, column=1, value="")
    path = tmp_path / name
    wb.save(path)
    return path


SURVEY: Rows = [
    ["Type", "NAME", "Label::English (en)", "label::Français (fr)", "hint", "Required", "relevance"],
    [
        "select_one agree",
        "travel",
        "Travel was easy",
        "Le trajet était facile",
        "Think of last visit",
        "yes",
        "",
    ],
    ["begin group", "more", "More", "Plus"],
    ["select one from agree", "staff", "Staff were kind", "", "", "", "${travel} = '3'"],
    ["select_multiple help or_other", "help", "Help used", "Aide"],
    ["integer", "visits", "Visits"],
    ["end group"],
    ["note", "thanks", "Thank you"],
    ["text", "other-thoughts", "Anything else?"],
]
CHOICES: Rows = [
    ["LIST NAME", "name", "label::English (en)", "label::Français (fr)"],
    ["agree", 1.0, "Disagree", "Pas d'accord"],
    ["agree", 2.0, "Neutral", "Neutre"],
    ["agree", 3.0, "Agree", "D'accord"],
    ["help", "car", "Car", "Voiture"],
    ["help", "bus", "Bus", "Bus"],
]


def test_xlsx_with_translations_groups_and_selects(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        {
            "SURVEY": SURVEY,
            "Choices": CHOICES,
            "settings": [["form_id", "form_title", "version"], ["Visit-Form", "Visit form", 2]],
        },
        pad=1000,
    )
    result = convert(path, "xlsform")
    m = result.mapping
    assert (m["id"], m["title"], m["version"], m["language"]) == ("visit-form", "Visit form", "2.0.0", "en")
    assert [(i["id"], i["type"], i.get("scale")) for i in m["items"]] == [
        ("travel", "choice", "agree"),
        ("staff", "choice", "agree"),
        ("help___car", "choice", "selected"),
        ("help___bus", "choice", "selected"),
        ("help___other", "choice", "selected"),
        ("help_other", "text", None),
        ("visits", "number", None),
        ("other-thoughts", "text", None),
    ]
    assert m["items"][0] == {
        "id": "travel",
        "text": "Travel was easy",
        "type": "choice",
        "scale": "agree",
        "required": True,
        "help": "Think of last visit",
    }
    assert m["scales"]["agree"]["choices"] == [
        {"value": 1, "label": "Disagree"},
        {"value": 2, "label": "Neutral"},
        {"value": 3, "label": "Agree"},
    ]
    fr = m["translations"]["fr"]
    assert fr["items"]["travel"] == {"text": "Le trajet était facile"}
    assert fr["items"]["help___car"] == {"text": "Aide: Voiture"}
    assert fr["scales"]["agree"] == {1: "Pas d'accord", 2: "Neutre", 3: "D'accord"}
    assert result.choice_codes == {}
    assert sorted(set(result.warning_codes)) == ["I355", "I370", "I373", "I374"]
    instrument = load(m)
    assert instrument.localized("fr").item("travel").text == "Le trajet était facile"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (["begin repeat", "members", "Members"], "I362"),
        (["begin loop over agree", "loop", "Loop"], "I362"),
        (["include", "other_form", "Other"], "I362"),
        (["select_one_external agree", "ext", "External"], "I362"),
        (["select_one nolist", "q", "Q"], "I363"),
        (["integer", "", "No name"], "I364"),
    ],
)
def test_unsupported_rows_are_refused_naming_the_row(tmp_path: Path, row: list[object], code: str) -> None:
    path = xlsx(
        tmp_path,
        {
            "survey": [["type", "name", "label"], ["text", "a", "A"], row],
            "choices": [["list_name", "name", "label"], ["agree", "y", "Yes"]],
        },
    )
    with pytest.raises(EngagementError) as exc:
        convert(path, "xlsform")
    assert exc.value.codes == [code]
    assert exc.value.problems[0].row == 3


def test_duplicate_headers_are_refused(tmp_path: Path) -> None:
    path = xlsx(tmp_path, {"survey": [["type", "name", "label", "Label"], ["text", "a", "A", "B"]]})
    with pytest.raises(EngagementError) as exc:
        convert(path, "xlsform")
    assert exc.value.codes == ["I361"]
    assert "columns C and D" in exc.value.problems[0].detail


def test_no_survey_sheet(tmp_path: Path) -> None:
    with pytest.raises(EngagementError) as exc:
        convert(xlsx(tmp_path, {"questions": [["type", "name"], ["text", "a"]]}), "xlsform")
    assert exc.value.codes == ["I360"]


def test_letter_choice_names_become_positions(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        {
            "survey": [["type", "name", "label"], ["select_one yn", "q", "Q?"]],
            "choices": [
                ["list_name", "name", "label"],
                ["yn", "yes", "Yes"],
                ["yn", "no", "No"],
                ["yn", "yes", "Yes"],
            ],
        },
    )
    result = convert(path, "xlsform")
    assert result.mapping["scales"]["yn"]["choices"] == [
        {"value": 1, "label": "Yes"},
        {"value": 2, "label": "No"},
    ]
    assert result.choice_codes == {"yn": {"yes": 1, "no": 2}}
    assert result.warning_codes == ["I376", "I358"]


CSV_FORM = """survey,,,
,type,name,label:English
,select one from yn,q1,Are you well?
,range,q2,How well?
choices,,,
,list name,name,label:English
,yn,1,Yes
,yn,0,No
"""

MD_FORM = """
| survey |
| | type | name | label |
| | select_one yn | q1 | Are you well? |
| | range | q2 | How well? |
| choices |
| | list_name | name | label |
| | yn | 1 | Yes |
| | yn | 0 | No |
"""


@pytest.mark.parametrize(("name", "text"), [("form.csv", CSV_FORM), ("form.md", MD_FORM)])
def test_flat_flavours(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    m = convert(path, "xlsform").mapping
    assert [(i["id"], i["text"], i.get("scale")) for i in m["items"]] == [
        ("q1", "Are you well?", "yn"),
        ("q2", "How well?", "q2_range"),
    ]
    assert m["scales"]["yn"]["choices"] == [{"value": 1, "label": "Yes"}, {"value": 0, "label": "No"}]
    assert m["scales"]["q2_range"] == {"range": {"min": 1, "max": 10, "step": 1}}
    load(m)
