"""Comments carry their sentiment from the moment they are written, so no view runs VADER on them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engagement import indicators_data, indicators_text, themes
from engagement.bundle.importer import import_bundle
from engagement.indicators import IndicatorFilters, prepare
from engagement.models import Comment
from tests.bundle_factory import STUDY, base_rows, write_bundle


def _stored(session) -> dict[str, tuple[str, float | None]]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {c.text_raw: (c.text_scrubbed, c.sentiment) for c in session.scalars(select(Comment))}


def test_imports_store_the_sentiment_of_the_scrubbed_text_and_edits_refresh_it(session, system, tmp_path):
    rows = base_rows()
    import_bundle(session, system, write_bundle(tmp_path / "a", rows))
    stored = _stored(session)
    assert len(stored) == 2
    for scrubbed, sentiment in stored.values():
        assert sentiment == pytest.approx(themes.compound(scrubbed))
    assert stored["Staff were kind, \"thank you\".\nSecond line."][1] > 0.5  # "kind", "thank you"
    rows["comments.csv"][0]["text"] = "The parking is awful and I am angry and exhausted."
    import_bundle(session, system, write_bundle(tmp_path / "b", rows))
    edited = _stored(session)["The parking is awful and I am angry and exhausted."]
    assert edited[1] == pytest.approx(themes.compound(edited[0]))
    assert edited[1] < -0.5


def test_the_dashboard_uses_stored_sentiment_without_running_vader(session, system, tmp_path, monkeypatch):
    import_bundle(session, system, write_bundle(tmp_path / "a"))
    stored = sorted(s for _, s in _stored(session).values())

    def no_vader(_text: str) -> float:
        raise AssertionError("VADER ran on a stored comment")

    monkeypatch.setattr(themes, "compound", no_vader)
    indicators_data.clear_cache()
    frame = indicators_text.comments_frame(session, prepare(session, system, STUDY, IndicatorFilters()))
    assert sorted(frame["sentiment"]) == pytest.approx(stored)
