"""Migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from engagement.db import make_engine
from engagement.migrate import alembic_config, upgrade
from engagement.models import Base
from tests.conftest import _postgres_engine


def test_models_and_migrations_agree(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    upgrade(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0006"


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A fresh, empty database on each backend (no migration run yet)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
        yield engine
        engine.dispose()
    else:
        yield from _postgres_engine(prepare=lambda _engine: None)


def _migrate(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _stored(engine: Engine) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        answers = conn.execute(text("SELECT submission_id, item_id, value_num, value_text FROM answers "
                                    "ORDER BY submission_id, item_id")).all()
        scores = conn.execute(text("SELECT submission_id, subscale_id, indicator, value, n_answered, n_items, "
                                   "missing_reason FROM scores ORDER BY submission_id, subscale_id")).all()
    return [tuple(r) for r in answers], [tuple(r) for r in scores]


def _submissions(conn, ids: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    """A study, an instrument version and submissions with these ids, in SQL any revision accepts."""
    conn.execute(text("INSERT INTO studies (id, title, sponsor, registry_id, current_stage, sponsor_contact, "
                      "created_at) VALUES ('ST', 'T', 'S', '', 'recruitment', '', CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO instruments (id, title, created_at) VALUES ('inst', 'Inst', CURRENT_TIMESTAMP)"))
    version = conn.execute(text(
        "INSERT INTO instrument_versions (instrument_id, version, content_hash, content, created_at) "
        "VALUES ('inst', '1.0.0', 'h', '{}', CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
    for sub in ids:
        conn.execute(text(
            "INSERT INTO submissions (id, study_id, external_id, instrument_version_id, submitted_at, "
            "channel, idempotency_key, created_at) VALUES (:i, 'ST', :e, :v, CURRENT_TIMESTAMP, 'form', :k, "
            "CURRENT_TIMESTAMP)"), {"i": sub, "e": f"S{sub}", "v": version, "k": f"ST/S{sub}"})


def test_0003_keeps_answers_and_scores_and_keys_them_by_submission(bare_engine):
    """Rows written under 0002 (surrogate ids) survive the move to (submission, item) keys, on both backends;
    the new key refuses a second answer to the same item."""
    _migrate(bare_engine, "0002")
    with bare_engine.begin() as conn:
        _submissions(conn, (1, 2))
        conn.execute(text("INSERT INTO answers (submission_id, item_id, value_num, value_text) VALUES "
                          "(2, 'b', 3.0, NULL), (1, 'b', NULL, NULL), (1, 'a', 5.0, 'five')"))
        conn.execute(text("INSERT INTO scores (submission_id, subscale_id, indicator, value, n_answered, n_items, "
                          "missing_reason) VALUES (1, 'all', 'trust', 75.0, 2, 2, NULL), "
                          "(2, 'all', 'trust', NULL, 1, 2, 'too few answers')"))
    before = _stored(bare_engine)
    _migrate(bare_engine, "head")
    assert _stored(bare_engine) == before
    assert before[0] == [(1, "a", 5.0, "five"), (1, "b", None, None), (2, "b", 3.0, None)]
    with pytest.raises(IntegrityError), bare_engine.begin() as conn:
        conn.execute(text("INSERT INTO answers (submission_id, item_id, value_num) VALUES (1, 'a', 1.0)"))
    with bare_engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("answers")}
        assert "id" not in columns
        assert inspect(conn).get_pk_constraint("scores")["constrained_columns"] == ["submission_id", "subscale_id"]


def test_0004_summarises_the_scores_already_stored(bare_engine):
    """Scores written under 0003 get their per-submission summary; deleting a submission deletes its row."""
    _migrate(bare_engine, "0003")
    with bare_engine.begin() as conn:
        _submissions(conn, (1, 2, 3))
        conn.execute(text("INSERT INTO scores (submission_id, subscale_id, indicator, value, n_answered, n_items) "
                          "VALUES (1, 'honesty', 'trust', 70.0, 3, 3), (1, 'interests', 'trust', 90.0, 2, 3), "
                          "(1, 'logistics', 'burden', 40.0, 4, 4), (2, 'honesty', 'trust', NULL, 0, 3)"))
    _migrate(bare_engine, "head")
    with bare_engine.connect() as conn:
        rows = conn.execute(text("SELECT submission_id, burden, trust, engagement, experience, other, n_answered, "
                                 "n_items FROM submission_indicators ORDER BY submission_id")).all()
    # 1: trust is the mean of its two trust subscales; 2: a score that could not be computed stays NULL;
    # 3 has no scores, so no row
    assert [tuple(r) for r in rows] == [(1, 40.0, 80.0, None, None, None, 9, 10),
                                        (2, None, None, None, None, None, 0, 3)]
    with bare_engine.begin() as conn:
        conn.execute(text("DELETE FROM submissions WHERE id = 1"))
        assert conn.execute(text("SELECT submission_id FROM submission_indicators")).scalars().all() == [2]


def test_0005_scores_comments_stored_without_sentiment(bare_engine):
    """Comments from before 0005 get the sentiment new ones are written with; blank ones stay NULL and a
    stored score is left alone."""
    from engagement import themes

    _migrate(bare_engine, "0004")
    texts = {1: "The nurses were lovely and kind.", 2: "Parking is awful and I am angry.", 3: "   "}
    with bare_engine.begin() as conn:
        _submissions(conn, (1,))
        for cid, body in texts.items():
            conn.execute(text("INSERT INTO comments (id, submission_id, item_id, text_raw, text_scrubbed, "
                                  "may_quote) VALUES (:i, 1, :item, :t, :t, false)"),
                         {"i": cid, "item": f"c{cid}", "t": body})
        conn.execute(text("INSERT INTO comments (id, submission_id, item_id, text_raw, text_scrubbed, may_quote, "
                              "sentiment) VALUES (4, 1, 'c4', 'x', 'x', false, 0.25)"))
    _migrate(bare_engine, "head")
    with bare_engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, sentiment FROM comments")).all())
    assert stored[1] == pytest.approx(themes.stored_sentiment(texts[1]))
    assert stored[1] > 0.5
    assert stored[2] == pytest.approx(themes.stored_sentiment(texts[2]))
    assert stored[2] < -0.5
    assert stored[3] is None
    assert stored[4] == 0.25
