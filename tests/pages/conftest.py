from __future__ import annotations

import pytest

from tests.pages.apptest_db import demo_database


@pytest.fixture(scope="session")
def pages_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory.mktemp("pages"))


@pytest.fixture
def app_env(pages_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ENGAGEMENT_DATABASE_URL", pages_db)
    return pages_db
