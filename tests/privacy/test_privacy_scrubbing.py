"""Free-text scrubbing: hand-written examples with exact outputs, and recall on the planted set."""

from __future__ import annotations

import unicodedata

import pytest

from benchmarks.bench_scrub_recall import PLANTED_TYPES, measure, planted_comments, planted_roster
from engagement.errors import EngagementError
from engagement.scrubbing import Finding, build_roster, scrub

ROSTER = build_roster(
    ["María José García-López", "Will Turner", "Aoife O'Brien", "Jürgen Müller", "Rose Kelly"],
    ["P-0012", "S1-P003"])

EVERYDAY = ("It took 2 hours, 3 visits, 50 km, 10000 steps, €25000, 10/10, 7 out of 10, in 2023, "
            "1.5 hours, 3-4 times.")
EXAMPLES = [
    ("Email me at john.doe+trial@gmail.com or JOHN [at] example [dot] org please",
     "Email me at [REDACTED:email] or [REDACTED:email] please"),
    ("Call 07700 900123 or +44 (0)20 7946 0958 in the evening.",
     "Call [REDACTED:phone] or [REDACTED:phone] in the evening."),
    ("Mon numéro: 06 12 34 56 78. Meine Nummer: 030/1234567.",
     "Mon numéro: [REDACTED:phone]. Meine Nummer: [REDACTED:phone]."),
    ("US office (555) 123-4567, Madrid 612 34 56 78, Roma +39 06 1234 5678.",
     "US office [REDACTED:phone], Madrid [REDACTED:phone], Roma [REDACTED:phone]."),
    ("See https://www.trial-site.org/info?x=1. Also www.patients.co.uk and bit.ly/3xYz!",
     "See [REDACTED:url]. Also [REDACTED:url] and [REDACTED:url]!"),
    ("Surgery on 12/03/2024, follow-up 3rd of March 2024 and le 1er mars.",
     "Surgery on [REDACTED:date], follow-up [REDACTED:date] and le [REDACTED:date]."),
    ("Am 3. März 2024 und 3 de marzo de 2024, then March 2025.",
     "Am [REDACTED:date] und [REDACTED:date], then [REDACTED:date]."),
    ("I live at SW1A 1AA, my old zip was 90210-1234 and now 75011 Paris.",
     "I live at [REDACTED:postcode], my old zip was [REDACTED:postcode] and now "
     "[REDACTED:postcode] Paris."),
    ("Postcode 1012 AB Amsterdam, or K1A 0B6 in Ottawa.",
     "Postcode [REDACTED:postcode] Amsterdam, or [REDACTED:postcode] in Ottawa."),
    ("My MRN 1234567 and NHS number 943 476 5919 were on the letter.",
     "My MRN [REDACTED:record_number] and NHS number [REDACTED:record_number] were on the "
     "letter."),
    ("maria garcia's nurse was great, dr müller too. Will was kind and I will come back.",
     "[REDACTED:name]'s nurse was great, dr [REDACTED:name] too. [REDACTED:name] was kind and I "
     "will come back."),
    ("Aoife O'Brien’s tea, Mueller's jokes, ask Rose. p0012 and S1 P003 here.",
     "[REDACTED:name]’s tea, [REDACTED:name]'s jokes, ask [REDACTED:name]. [REDACTED:record_number] and "
     "[REDACTED:record_number] here."),
    (EVERYDAY, EVERYDAY),
    ("You may 2 times, and may 16 was my visit; at 10:30 I set 3 alarms.",
     "You may 2 times, and [REDACTED:date] was my visit; at 10:30 I set 3 alarms."),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_hand_written_examples(text: str, expected: str) -> None:
    assert scrub(text, ROSTER).text == expected


def test_findings_point_at_the_original_text() -> None:
    result = scrub("Ring 07700 900123 or mail a@b.org", None)
    assert result.found == (Finding("phone", 5, 17), Finding("email", 26, 33))


def test_decomposed_accents_are_redacted_with_their_letters() -> None:
    text = unicodedata.normalize("NFD", "Merci à Chloé Martin!")
    roster = build_roster(["Chloé Martin"], [])
    assert scrub(text, roster).text == unicodedata.normalize("NFD", "Merci à ") + "[REDACTED:name]!"


def test_without_a_roster_names_stay() -> None:
    assert scrub("Will Turner was kind", None).text == "Will Turner was kind"
    assert scrub("", ROSTER).text == ""


def test_known_contacts_in_odd_formats_are_redacted() -> None:
    roster = build_roster([], [], contacts=["+44 7700 900 123", "Jo.Bloggs@Example.org"])
    assert scrub("text 7700-900-123 or jo.bloggs@example.org", roster).text == \
        "text [REDACTED:phone] or [REDACTED:email]"


@pytest.mark.parametrize(("names", "codes"), [([42], []), (["Ann Lee"], [None, 7])])
def test_roster_entries_that_are_not_text_are_refused(names: list, codes: list) -> None:
    with pytest.raises(EngagementError) as err:
        build_roster(names, codes)
    assert err.value.code == "S506"


def test_blank_roster_entries_are_skipped() -> None:
    roster = build_roster(["", None, "  ", "Ann Lee"], ["", None])
    assert scrub("Ann was lovely", roster).text == "[REDACTED:name] was lovely"


def test_account_and_role_words_are_not_names() -> None:
    roster = build_roster(["Demo site staff (first site only)", "Demo trial manager (all sites)"], [])
    text = "The site staff and the trial manager were great, first visit only."
    assert scrub(text, roster).text == text


def test_recall_on_the_planted_set_is_at_least_98_percent_for_every_type() -> None:
    comments = planted_comments(600, seed=4)
    assert len(comments) == 600
    result = measure(comments, planted_roster())
    assert set(result["recall"]) == set(PLANTED_TYPES)
    assert all(n >= 70 for n in result["planted"].values())
    for kind, recall in result["recall"].items():
        assert recall >= 0.98, f"{kind}: {recall}"
    assert result["false_redactions_per_100_comments"] <= 0.5
    assert result["everyday_numbers_damaged"].startswith("0/")


def test_the_planted_set_is_deterministic() -> None:
    first, again = planted_comments(50, seed=9), planted_comments(50, seed=9)
    assert [c.text for c in first] == [c.text for c in again]
    assert [c.spans for c in first] == [c.spans for c in again]
