from __future__ import annotations

import pytest

from engagement import indicators_data


@pytest.fixture(autouse=True)
def _fresh_indicator_cache():
    # Rolled-back tests can reuse ids, so a cached frame from one test must never serve the next.
    indicators_data.clear_cache()
    yield
    indicators_data.clear_cache()
