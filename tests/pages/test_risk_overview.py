"""Sponsors see disengagement risk only as suppressed aggregates by site and stage, with no codes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO


def test_sponsor_sees_suppressed_risk_by_site_and_stage(app_env):
    at = AppTest.from_file(str(REPO / "pages" / "risk_overview.py"), default_timeout=120)
    at.session_state["auth_username"] = "sponsor"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["site", "stage", "people", "share at elevated or high risk", "mean risk"]
    shown = table[~table["people"].isin(["hidden"]) & ~table["people"].astype(str).str.startswith("<")]
    assert (shown["people"].astype(int) >= 5).all()
    hidden = table[table["people"].astype(str).str.startswith("<") | (table["people"] == "hidden")]
    assert hidden["share at elevated or high risk"].isna().all()
    assert not table.astype(str).apply(lambda c: c.str.contains(r"S0\d-\d{4}|ADV-\d{3}")).any().any()
