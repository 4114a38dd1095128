"""A sponsor filters the dashboard to one site in Chromium and downloads a CSV with no cell under N."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from engagement.suppression import DEFAULT_MIN_CELL
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _choose(page, label: str, option_prefix: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option").filter(has_text=option_prefix).first.click()


def test_sponsor_filters_to_a_site_and_downloads_no_small_cell(live_app, page) -> None:  # type: ignore[no-untyped-def]
    login(page, live_app, "sponsor")
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Dashboard").first.click()
    page.get_by_text("Indicators through the study lifecycle").first.wait_for()
    _choose(page, "Site", "S01")
    page.get_by_text("Download heatmap (CSV)").first.wait_for()
    page.wait_for_timeout(1500)  # the rerun after the filter change finishes drawing
    with page.expect_download() as info:
        page.get_by_role("button", name="Download heatmap (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text
    assert {r["site"] for r in rows} == {"S01"}
    for r in rows:
        assert r["n"] in {f"<{DEFAULT_MIN_CELL}", "hidden"} or int(r["n"]) >= DEFAULT_MIN_CELL, r
        if r["n"] in {f"<{DEFAULT_MIN_CELL}", "hidden"}:
            assert r["mean"] == "", r
            assert r["ci_low"] == "", r
    assert "P0" not in text  # no participant code
