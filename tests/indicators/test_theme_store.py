"""Theme labels are stored with the comments by their writers; the dashboard reads them, and fits afresh
only when a label is missing or names a participant code."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import select

from engagement import indicators_data, indicators_text, theme_store, themes
from engagement.demo_comments import SENTENCES
from engagement.indicators import IndicatorFilters, prepare
from engagement.indicators_dashboard import dashboard_view
from engagement.models import AuditEvent, Comment, ThemeModelRow
from engagement.permissions import Grant, Viewer
from tests.indicators.ind_factory import make_study, person, submit

AS_OF = IndicatorFilters(as_of=dt.date(2026, 12, 31))
BANK = [s for tone in SENTENCES["en"].values() for s in tone]  # 26 English sentences


def _text(i: int) -> str:
    """Distinct texts of one or two sentences, so the model has words to learn from."""
    return BANK[i % len(BANK)] + ("" if i % 3 else " " + BANK[(7 * i + 3) % len(BANK)])


def _build(session, n: int = 40):  # type: ignore[no-untyped-def]
    b = make_study(session, sites=("A", "B"))
    for i in range(n):
        person(session, b, f"p{i}", "A" if i % 2 else "B")
        submit(session, b, f"p{i}", "T1", {"burden": 50.0}, comment=(_text(i), True))
    return b


def _add(session, b, i: int) -> int:  # type: ignore[no-untyped-def]
    person(session, b, f"p{i}", "A")
    sub = submit(session, b, f"p{i}", "T1", {"burden": 50.0}, comment=(_text(i), True))
    return session.scalar(select(Comment.id).where(Comment.submission_id == sub))


def _labels(session) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return dict(session.execute(select(Comment.text_scrubbed, Comment.theme)).all())


def test_refresh_stores_what_a_fresh_fit_of_the_study_gives(session) -> None:
    _build(session)
    counts = theme_store.refresh(session, "S1")
    stored = _labels(session)
    # the dashboard's own order: by person (all named here), then submission
    texts = pd.Series([_text(i) for i in range(40)])
    expected = dict(zip(texts, themes.assign_themes(texts), strict=True))
    assert stored == expected
    assert sum(counts.values()) == 40
    assert len(counts) >= 2
    row = session.get(ThemeModelRow, "S1")
    assert row.n_comments == 40
    assert sorted(row.model["labels"]) == sorted(set(expected.values()) - {themes.OTHER})


def test_a_stored_model_labels_texts_exactly_as_its_fit_did() -> None:
    texts = pd.Series([_text(i) for i in range(200)] + ["", "12 34"])
    model, by_text = themes.fit(texts)
    again = themes.ThemeModel.from_json(json.loads(json.dumps(model.as_json())))
    labelled = again.label(texts)
    assert labelled.tolist() == [by_text.get(t, themes.OTHER) for t in texts]
    assert labelled.iloc[-2:].tolist() == [themes.OTHER, themes.OTHER]  # no words: no theme
    assert again.label(pd.Series(["The parking charges are too high."])).iloc[0] in model.labels


def test_form_comments_take_the_stored_model_until_the_study_grows(session) -> None:
    b = _build(session)
    theme_store.refresh(session, "S1")
    fitted = session.get(ThemeModelRow, "S1").model
    new = _add(session, b, 40)
    theme_store.label_new(session, "S1", [new])
    model = themes.ThemeModel.from_json(fitted)
    assert _labels(session)[_text(40)] == model.label(pd.Series([_text(40)])).iloc[0]
    assert session.get(ThemeModelRow, "S1").n_comments == 40  # not refitted for one comment
    for i in range(41, 50):  # 50 comments: a quarter more than the 40 fitted on
        theme_store.label_new(session, "S1", [_add(session, b, i)])
    row = session.get(ThemeModelRow, "S1")
    assert row.n_comments == 50
    stored = _labels(session)
    assert None not in stored.values()
    texts = pd.Series([_text(i) for i in range(50)])
    assert stored == dict(zip(texts, themes.assign_themes(texts), strict=True))


def test_the_dashboard_reads_stored_labels_without_fitting(session, monkeypatch) -> None:
    _build(session)
    counts = theme_store.refresh(session, "S1")

    def no_fit(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("themes were fitted on a view although every comment has a label")

    monkeypatch.setattr(themes, "fit", no_fit)
    indicators_data.clear_cache()
    v = dashboard_view(session, Viewer("spons", (Grant("S1", "sponsor"),)), "S1", AS_OF)
    shown = v.themes[~v.themes["suppressed"].astype(bool)]
    assert len(shown) >= 2
    assert dict(zip(shown["theme"], shown["comments"].astype(int), strict=True)) == {
        t: counts[t] for t in shown["theme"]}
    assert set(v.themes["theme"]) <= set(counts)


def _spy_fits(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    real = themes.fit

    def spy(texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(themes, "fit", spy)
    return calls


def test_a_missing_label_makes_the_view_fit_and_upgrade_labels_it(session, system, monkeypatch) -> None:
    b = _build(session)
    theme_store.refresh(session, "S1")
    _add(session, b, 40)  # written outside the services: no label
    calls = _spy_fits(monkeypatch)
    indicators_data.clear_cache()
    frame = indicators_text.comments_frame(session, prepare(session, system, "S1", AS_OF))
    assert calls == [41]
    assert frame["theme"].notna().all()
    assert theme_store.label_unlabelled(session, system) == ["S1"]
    assert None not in _labels(session).values()
    assert session.scalar(select(AuditEvent.entity_id).where(AuditEvent.action == "refit")) == "S1"
    assert theme_store.label_unlabelled(session, system) == []  # nothing left to label


def test_a_label_that_names_a_participant_code_is_not_shown(session, system, monkeypatch) -> None:
    b = _build(session)
    theme_store.refresh(session, "S1")
    word = session.get(ThemeModelRow, "S1").model["labels"][0].split(", ")[0]
    person(session, b, word.upper(), "A")  # registered after the fit, with a code made of letters
    calls = _spy_fits(monkeypatch)
    indicators_data.clear_cache()
    frame = indicators_text.comments_frame(session, prepare(session, system, "S1", AS_OF))
    assert calls == [40]
    assert not any(word in label.split(", ") for label in frame["theme"])


def test_imports_label_their_comments_and_an_unchanged_reimport_changes_nothing(session, system,
                                                                                 tmp_path) -> None:
    from engagement.bundle.importer import import_bundle
    from tests.bundle_factory import STUDY, base_rows, write_bundle

    rows = base_rows()
    rows["comments.csv"] = [{"submission_id": f"S{i}", "item_id": "pulse_comment", "text": _text(i),
                             "may_quote": "true"} for i in (1, 2)]
    import_bundle(session, system, write_bundle(tmp_path / "a", rows))
    first = _labels(session)
    assert set(first) == {_text(1), _text(2)}
    assert set(first.values()) == {themes.OTHER}  # two texts: too few to learn themes from
    fitted_at = session.get(ThemeModelRow, STUDY).fitted_at
    assert session.get(ThemeModelRow, STUDY).model is None
    import_bundle(session, system, write_bundle(tmp_path / "b", rows))
    session.expire_all()
    assert session.get(ThemeModelRow, STUDY).fitted_at == fitted_at
    rows["comments.csv"][0]["text"] = _text(5)  # an edited comment: the study is refitted
    import_bundle(session, system, write_bundle(tmp_path / "c", rows))
    assert _labels(session) == {_text(5): themes.OTHER, _text(2): themes.OTHER}
    assert session.get(ThemeModelRow, STUDY).fitted_at > fitted_at
