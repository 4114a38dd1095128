"""Each check code with a tiny inline form: the valid base loads, one change breaks it with one code."""

from __future__ import annotations

import pytest

from engagement.errors import EngagementError
from engagement.instruments import check, load
from tests.instruments.forms import BASE_YAML, base, with_subscale


def codes(form: object) -> list[str]:
    _, report = check(form, origin="tiny.yaml")  # type: ignore[arg-type]
    return [p.code for p in report.errors]


def test_base_form_is_valid() -> None:
    inst = load(base())
    assert [it.id for it in inst.items] == ["a", "b", "c", "note"]
    assert inst.item("note").type == "text"
    assert inst.item("a").type == "choice"
    assert inst.subscales[0].method == "mean"
    assert inst.subscales[0].min_answered == 0.5
    assert inst.subscales[0].rescale == (0.0, 100.0)


def test_yaml_text_and_mapping_give_the_same_hash() -> None:
    assert load(BASE_YAML).content_hash == load(base()).content_hash


def test_error_names_file_item_and_key() -> None:
    form = base()
    form["items"][1]["id"] = "a"
    with pytest.raises(EngagementError) as err:
        load(form, origin="tiny.yaml")
    p = err.value.problems[0]
    assert (p.code, p.file, p.item, p.column) == ("I304", "tiny.yaml", "a", "items")


def test_all_problems_are_reported_together() -> None:
    form = base()
    form["items"][1]["id"] = "a"
    form["subscales"][0]["min_answered"] = 2
    assert sorted(codes(form)) == ["I304", "I305", "I308"]  # b is gone, so the subscale names it


def test_yaml_syntax_error_names_the_line() -> None:
    _, report = check("id: x\nitems: [\n  - broken: {\n", origin="bad.yaml")
    assert report.errors[0].code == "I300"
    assert report.errors[0].row is not None


def test_not_a_mapping() -> None:
    assert codes(["a", "b"]) == ["I300"]


def test_unreadable_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert codes(tmp_path / "missing.yaml") == ["I300"]


@pytest.mark.parametrize("key", ["id", "version", "title", "items"])
def test_required_top_keys(key: str) -> None:
    form = base()
    del form[key]
    assert "I301" in codes(form)


def test_required_subscale_key() -> None:
    form = base()
    del form["subscales"][0]["higher_is"]
    assert codes(form) == ["I301"]


def test_unknown_key() -> None:
    form = base()
    form["items"][0]["colour"] = "red"
    assert codes(form) == ["I302"]


def test_wrong_type() -> None:
    form = base()
    form["items"][0]["required"] = "yes"
    assert codes(form) == ["I303"]


def test_duplicate_item_id() -> None:
    form = base()
    form["items"][2]["id"] = "b"
    assert "I304" in codes(form)


def test_subscale_names_unknown_item() -> None:
    assert codes(with_subscale(items=["a", "b", "c", "zzz"])) == ["I305"]


def test_reverse_item_outside_its_subscale() -> None:
    assert codes(with_subscale(items=["a", "b"], reverse=["c"])) == ["I306"]


def test_scale_with_duplicate_values() -> None:
    form = base()
    form["scales"]["agree5"]["choices"][1]["value"] = 1
    assert codes(form) == ["I307"]


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_min_answered_outside_0_1(value: float) -> None:
    assert codes(with_subscale(min_answered=value)) == ["I308"]


@pytest.mark.parametrize("value", [0, 1])
def test_min_answered_edges_are_valid(value: float) -> None:
    assert codes(with_subscale(min_answered=value)) == []


def test_missing_code_that_is_also_a_value() -> None:
    form = base()
    form["scales"]["agree5"]["missing"] = [3]
    assert codes(form) == ["I309"]


def test_missing_code_inside_a_range_scale() -> None:
    form = base()
    form["scales"]["slider"] = {"range": {"min": 0, "max": 100}, "missing": [50]}
    assert codes(form) == ["I309"]


def test_unknown_scale() -> None:
    form = base()
    form["items"][0]["scale"] = "agree7"
    assert "I310" in codes(form)


def test_unknown_indicator() -> None:
    assert codes(with_subscale(indicator="happiness")) == ["I311"]


def test_unknown_method() -> None:
    assert codes(with_subscale(method="median")) == ["I312"]


def test_unknown_higher_is() -> None:
    assert codes(with_subscale(higher_is="up")) == ["I313"]


def test_duplicate_subscale_id() -> None:
    form = base()
    form["subscales"].append(dict(form["subscales"][0]))
    assert codes(form) == ["I316"]


def test_text_item_in_subscale() -> None:
    assert codes(with_subscale(items=["a", "note"], reverse=[])) == ["I317"]


def test_number_item_without_scale_in_subscale() -> None:
    form = with_subscale(items=["a", "n"], reverse=[])
    form["items"].append({"id": "n", "text": "How many?", "type": "number"})
    assert codes(form) == ["I317"]


@pytest.mark.parametrize("bad", ["has space", "-lead", "x" * 101, "ünï"])
def test_bad_identifier(bad: str) -> None:
    form = base()
    form["items"][0]["id"] = bad
    form["subscales"][0]["items"] = ["b", "c"]
    assert codes(form) == ["I318"]


def test_choice_item_without_scale() -> None:
    form = base()
    form["items"].append({"id": "d", "text": "Pick one", "type": "choice"})
    assert codes(form) == ["I319"]


def test_translation_of_unknown_item() -> None:
    form = base()
    form["translations"] = {"fr": {"items": {"zzz": {"text": "Quoi ?"}}}}
    assert codes(form) == ["I320"]


def test_translation_of_unknown_scale_value() -> None:
    form = base()
    form["translations"] = {"fr": {"scales": {"agree5": {9: "Neuf"}}}}
    assert codes(form) == ["I320"]


def test_translation_of_unknown_scale() -> None:
    form = base()
    form["translations"] = {"fr": {"scales": {"agree7": {1: "Non"}}}}
    assert codes(form) == ["I320"]


@pytest.mark.parametrize("rescale", [[100, 0], [0], "0-100"])
def test_bad_rescale(rescale: object) -> None:
    assert "I321" in codes(with_subscale(rescale=rescale))


def test_unknown_item_type() -> None:
    form = base()
    form["items"][3]["type"] = "essay"
    assert codes(form) == ["I322"]


def test_scale_without_answers() -> None:
    form = base()
    form["scales"]["empty"] = {"missing": [-99]}
    assert codes(form) == ["I323"]


def test_scale_with_choices_and_range() -> None:
    form = base()
    form["scales"]["agree5"]["range"] = {"min": 1, "max": 5}
    assert codes(form) == ["I323"]


def test_item_listed_twice_in_subscale() -> None:
    assert codes(with_subscale(items=["a", "a", "b", "c"])) == ["I324"]


def test_top_values_not_on_scale() -> None:
    assert codes(with_subscale(method="top_box", top_values=[6])) == ["I325"]


def test_bad_version() -> None:
    form = base()
    form["version"] = "version one"
    assert codes(form) == ["I326"]


def test_subscale_mixing_ranges() -> None:
    form = base()
    form["scales"]["ten"] = {"choices": [{"value": v, "label": str(v)} for v in range(11)]}
    form["items"][1]["scale"] = "ten"
    assert codes(form) == ["I327"]


def test_unknown_audience() -> None:
    form = base()
    form["audience"] = ["patient", "investor"]
    assert codes(form) == ["I329"]


def test_subscale_without_items() -> None:
    assert codes(with_subscale(items=[], reverse=[])) == ["I331"]


def test_top_values_with_mean() -> None:
    assert codes(with_subscale(top_values=[5])) == ["I332"]


def test_zero_subscales_is_valid() -> None:
    form = base()
    del form["subscales"]
    inst = load(form)
    assert inst.subscales == ()


def test_bare_missing_codes_and_defaults() -> None:
    form = base()
    form["scales"]["agree5"]["missing"] = [-99, -98]
    inst = load(form)
    assert inst.scales["agree5"].missing_codes == (-99.0, -98.0)
    assert inst.item("a").required is False
    assert inst.item("a").help == ""


def test_range_scale_and_number_item() -> None:
    form = base()
    form["scales"]["slider"] = {"range": {"min": 0, "max": 100, "step": 5}}
    form["items"].append({"id": "n", "text": "Pain today", "type": "number", "scale": "slider"})
    inst = load(form)
    assert inst.scales["slider"].range == (0.0, 100.0, 5.0)
    assert inst.item("n").scored


def test_objects_are_immutable() -> None:
    inst = load(base())
    with pytest.raises(AttributeError):
        inst.items[0].text = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        inst.id = "other"  # type: ignore[misc]


def test_content_round_trips_to_the_same_hash() -> None:
    inst = load(base())
    assert load(inst.to_content()).content_hash == inst.content_hash
    assert load(inst.to_content()).to_content() == inst.to_content()


def test_localized_swaps_texts_and_labels() -> None:
    form = base()
    form["translations"] = {"fr": {"title": "Petit", "items": {"a": {"text": "Première", "help": "Aide"}},
                                   "scales": {"agree5": {1: "Non", -99: "Sans objet"}}}}
    inst = load(form)
    fr = inst.localized("fr")
    assert fr.title == "Petit"
    assert fr.item("a").text == "Première"
    assert fr.item("a").help == "Aide"
    assert fr.item("b").text == "Second question"
    assert fr.scales["agree5"].label(1) == "Non"
    assert fr.scales["agree5"].label(2) == "Rather no"
    assert fr.scales["agree5"].label(-99) == "Sans objet"
    assert fr.content_hash == inst.content_hash
    assert inst.localized("de") is inst


def test_text_items() -> None:
    assert [it.id for it in load(base()).text_items()] == ["note"]


def test_unknown_item_lookup_is_coded() -> None:
    with pytest.raises(EngagementError) as err:
        load(base()).item("zzz")
    assert err.value.code == "B117"


def test_evolution_allows_rewording_and_removal_but_not_a_new_meaning() -> None:
    from engagement.instruments import check_evolution

    old = load(base())
    reworded = base()
    reworded["version"] = "1.1.0"
    reworded["items"][0]["text"] = "First question, reworded"
    reworded["items"] = [it for it in reworded["items"] if it["id"] != "note"]
    assert check_evolution([old], load(reworded)) == []
    retyped = base()
    retyped["version"] = "2.0.0"
    retyped["items"][3] = {"id": "note", "text": "How many?", "type": "number"}
    problems = check_evolution([old], load(retyped), origin="tiny-2.yaml")
    assert [(p.code, p.item, p.file) for p in problems] == [("I314", "note", "tiny-2.yaml")]
