"""The plain-language gate: exact readability figures and each check caught (and not over-caught)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagement.errors import EngagementError
from engagement.lay_summary import gate
from engagement.lay_summary.annex import ELEMENTS

# Figures computed by hand from the Flesch formulas with CMU syllable counts:
#   FK = 0.39 * words/sentences + 11.8 * syllables/words - 15.59
#   FRE = 206.835 - 1.015 * words/sentences - 84.6 * syllables/words
FIXED = [
    # text, words, sentences, syllables
    ("The cat sat on the mat.", 6, 1, 6),
    ("Participants received the medication every morning.", 6, 1, 16),
    ("We asked people how they felt. Most said the visits were long. Some said travel cost too much money.",
     19, 3, 23),
]


@pytest.mark.parametrize(("text", "w", "s", "syl"), FIXED)
def test_readability_figures_match_hand_computed_values(text: str, w: int, s: int, syl: int) -> None:
    fig = gate.check_text(text).overall
    assert fig.n_words == w
    assert fig.n_sentences == s
    assert fig.fk_grade == pytest.approx(0.39 * w / s + 11.8 * syl / w - 15.59, abs=1e-9)
    assert fig.reading_ease == pytest.approx(206.835 - 1.015 * w / s - 84.6 * syl / w, abs=1e-9)
    assert fig.avg_sentence_words == pytest.approx(w / s)


def test_fixed_figures_literal() -> None:
    fig = gate.check_text("The cat sat on the mat.").overall
    assert round(fig.fk_grade, 3) == -1.45
    assert round(fig.reading_ease, 3) == 116.145


def test_identifiers_are_left_out_of_the_figures() -> None:
    with_ids = gate.check_text("The cat sat on https://example.org/x the mat NCT06543210.").overall
    assert round(with_ids.reading_ease, 3) == 116.145


CLEAN = "We asked people how they felt. Most said the visits were long."


def codes(text: str, **targets: float) -> list[str]:
    return gate.check_text(text, gate.Targets(**targets) if targets else None).codes()


def test_clean_text_passes() -> None:
    report = gate.check_text(CLEAN)
    assert report.passed
    assert report.findings == []


def test_thirty_word_sentence_is_listed() -> None:
    long = ("People in the study went to the clinic every two weeks and gave blood and filled in forms "
            "and talked to the nurse about how they felt and what they ate.")
    assert len(gate.words(long)) == 31
    report = gate.check_text(CLEAN + " " + long)
    found = [f for f in report.findings if f.code == "L751"]
    assert len(found) == 1
    assert found[0].sentence_no == 3
    assert found[0].sentence == long
    assert "31 words" in found[0].message


def test_sentence_of_exactly_25_words_passes() -> None:
    s = " ".join(["word"] * 24) + " end."
    assert "L751" not in codes(s)


@pytest.mark.parametrize("term", ["placebo", "randomised", "adverse event", "efficacy", "cohort",
                                  "double-blind", "endpoint"])
def test_unexplained_jargon_is_caught_with_a_plain_alternative(term: str) -> None:
    report = gate.check_text(f"Some people had the {term} in the study. They went home.")
    found = [f for f in report.findings if f.code == "L752"]
    assert [f.match.lower() for f in found] == [term]
    assert found[0].sentence_no == 1
    assert found[0].suggestion


@pytest.mark.parametrize("text", [
    "Some people got a placebo (a dummy treatment). Later the placebo group went home.",
    "Some people got a dummy treatment called a placebo. The placebo group went home.",
    "Some people got a placebo. This means a dummy treatment with no medicine in it.",
    "A placebo is a dummy treatment with no medicine in it.",
    "The official title is “A placebo-controlled study”.",
])
def test_explained_or_quoted_jargon_passes(text: str) -> None:
    assert "L752" not in codes(text)


def test_only_first_use_counts() -> None:
    report = gate.check_text("Some people got a placebo. A placebo (a dummy treatment) is harmless.")
    assert [(f.code, f.sentence_no) for f in report.findings] == [("L752", 1)]


def test_bare_percentage_is_caught_and_natural_frequency_passes() -> None:
    report = gate.check_text("About 30% of people felt better.")
    found = [f for f in report.findings if f.code == "L753"]
    assert [f.match for f in found] == ["30%"]
    assert "30 out of 100" in found[0].suggestion
    assert "L753" not in codes("About 30 out of 100 people (30%) felt better.")
    assert "L753" not in codes("About 3 in 10 people felt better.")


def test_relative_risk_without_absolute_numbers() -> None:
    assert "L754" in codes("The medicine cut the risk of a stroke in half.")
    assert "L754" in codes("People on the medicine were twice as likely to feel sick.")
    ok = ("People on the medicine were twice as likely to feel sick. "
          "This was 20 out of 100 people, compared with 10 out of 100 on the dummy treatment.")
    assert "L754" not in codes(ok)


@pytest.mark.parametrize("word", ["breakthrough", "miracle", "proven", "safe and effective", "best"])
def test_promotional_words_are_caught(word: str) -> None:
    report = gate.check_text(f"The study found a {word} result for people.")
    assert [f.match.lower() for f in report.findings if f.code == "L755"] == [word]


def test_grade_target_is_configurable() -> None:
    hard = "Participants received the medication every morning."
    assert "L750" in codes(hard)
    assert "L750" not in codes(hard, max_grade=20)
    assert "L756" in codes(CLEAN, min_reading_ease=120)
    assert "L751" in codes(CLEAN, max_sentence_words=5)


def test_findings_locate_the_section() -> None:
    report = gate.check_sections([("results", "What were the results?", CLEAN),
                                  ("meaning", "What do the results mean?", "It is a breakthrough.")])
    (f,) = report.findings
    assert (f.code, f.section, f.sentence_no) == ("L755", "meaning", 1)
    assert f.heading == "What do the results mean?"
    assert [s.key for s in report.sections] == ["results", "meaning"]
    assert f.as_problem().item == "meaning"


def test_bad_targets_and_language() -> None:
    with pytest.raises(EngagementError) as e:
        gate.Targets.from_mapping({"max_grade": -1})
    assert e.value.code == "L714"
    with pytest.raises(EngagementError) as e:
        gate.Targets.from_mapping({"grade": 8})
    assert e.value.code == "L714"
    assert gate.Targets.from_mapping({"max_grade": 6}).max_grade == 6
    with pytest.raises(EngagementError) as e:
        gate.check_text(CLEAN, language="fr")
    assert e.value.code == "L713"


def test_sentence_splitting() -> None:
    text = "Hello, e.g. this one. Next one!\n- bullet one\n- bullet two\n\nwrapped\nline. End"
    assert gate.split_sentences(text) == ["Hello, e.g. this one.", "Next one!", "bullet one", "bullet two",
                                          "wrapped line.", "End"]


def test_ten_elements_have_unique_keys_and_question_headings() -> None:
    assert len(ELEMENTS) == 10
    assert len({e.key for e in ELEMENTS}) == 10
    assert all(e.heading.endswith("?") for e in ELEMENTS)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300))
def test_gate_never_crashes_and_counts_every_sentence(text: str) -> None:
    report = gate.check_text(text)
    sentences = gate.split_sentences(text)
    assert report.overall.n_sentences == len(sentences)
    assert report.overall.n_words == sum(len(gate.words(s)) for s in sentences)
    assert all(f.sentence_no is None or 1 <= f.sentence_no <= len(sentences) for f in report.findings)
