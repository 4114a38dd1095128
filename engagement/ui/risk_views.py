"""Risk views shared by pages: the suppressed aggregate of risk by site and stage."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from engagement.db import read_session
from engagement.permissions import Viewer
from engagement.risk.monitor import risk_by_site_stage
from engagement.ui.state import db_engine


def aggregate_view(viewer: Viewer, study_id: str, as_of: dt.date) -> None:
    st.caption(
        "Share of active participants at elevated or high risk of disengaging in the next six weeks, "
        "by site and stage. Groups under the minimum size are hidden."
    )
    with read_session(db_engine()) as session:
        table = risk_by_site_stage(session, viewer, study_id, as_of)
    shown = table[["site", "stage", "n_label", "share_elevated", "mean_risk"]].rename(
        columns={"n_label": "people", "share_elevated": "share at elevated or high risk",
                 "mean_risk": "mean risk"})
    st.dataframe(shown, hide_index=True, width="stretch")
