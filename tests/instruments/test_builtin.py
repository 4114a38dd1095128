"""The five built-in instruments: ids, shapes the dashboards rely on, plain wording, translations."""

from __future__ import annotations

import pytest

from engagement.instruments import builtin_paths, load, load_builtin

EXPECTED = {"participant-burden", "trust-in-team", "engagement-quality", "participant-experience",
            "pulse-check"}


@pytest.fixture(scope="module")
def builtins():  # type: ignore[no-untyped-def]
    return {i.id: i for i in load_builtin()}


def test_exactly_the_five_ids(builtins) -> None:  # type: ignore[no-untyped-def]
    assert set(builtins) == EXPECTED
    assert {p.stem for p in builtin_paths()} == EXPECTED  # file name = id
    assert {i.version for i in builtins.values()} == {"1.0.0"}


def test_burden(builtins) -> None:  # type: ignore[no-untyped-def]
    b = builtins["participant-burden"]
    assert len(b.scored_items()) >= 9
    subs = {s.id: s for s in b.subscales}
    assert {"logistical_burden", "psychological_burden", "physical_burden"} <= set(subs)
    assert {s.indicator for s in subs.values()} == {"burden"}
    assert {s.higher_is for s in subs.values()} == {"worse"}


def test_trust_has_reverse_keyed_items(builtins) -> None:  # type: ignore[no-untyped-def]
    t = builtins["trust-in-team"]
    assert len(t.scored_items()) >= 6
    trust = t.subscale("trust")
    assert trust.indicator == "trust"
    assert len(trust.reverse) >= 2


def test_engagement_quality(builtins) -> None:  # type: ignore[no-untyped-def]
    e = builtins["engagement-quality"]
    assert len(e.scored_items()) >= 8
    assert "advocate" in e.audience
    assert {s.indicator for s in e.subscales} == {"engagement"}


def test_experience_is_top_box(builtins) -> None:  # type: ignore[no-untyped-def]
    x = builtins["participant-experience"]
    assert {s.method for s in x.subscales} == {"top_box"}
    assert {s.indicator for s in x.subscales} == {"experience"}
    assert {"respected", "listened", "informed_at_consent", "recommend"} <= {s.id for s in x.subscales}


def test_pulse_check_feeds_burden_and_trust(builtins) -> None:  # type: ignore[no-untyped-def]
    p = builtins["pulse-check"]
    assert 3 <= len(p.items) <= 4
    assert {"burden", "trust"} <= {s.indicator for s in p.subscales}


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED))
def test_free_text_and_translation(builtins, instrument_id: str) -> None:  # type: ignore[no-untyped-def]
    inst = builtins[instrument_id]
    assert len(inst.text_items()) >= 1
    others = [lang for lang in inst.translations if lang != inst.language]
    assert others
    for lang in others:
        loc = inst.localized(lang)
        untranslated = [it.id for it, orig in zip(loc.items, inst.items, strict=True) if it.text == orig.text]
        assert untranslated == [], f"{instrument_id} {lang} lacks {untranslated}"
        assert loc.title != inst.title


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED))
def test_plain_wording(builtins, textstat_offline, instrument_id: str) -> None:  # type: ignore[no-untyped-def]
    inst = builtins[instrument_id]
    texts = [inst.title, inst.description, *(it.text for it in inst.items), *(it.help for it in inst.items)]
    sentences = [t if t.endswith((".", "?", "!")) else t + "." for t in texts if t]
    assert textstat_offline.flesch_kincaid_grade(" ".join(sentences)) <= 8
    for sentence in sentences:
        assert textstat_offline.flesch_kincaid_grade(sentence) <= 8, sentence


def test_builtin_files_round_trip(builtins) -> None:  # type: ignore[no-untyped-def]
    for inst in builtins.values():
        assert load(inst.to_content()).content_hash == inst.content_hash
