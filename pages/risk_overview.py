"""Disengagement risk by site and stage: aggregates only, suppressed like every sponsor view."""

import datetime as dt

import streamlit as st

from engagement.ui.auth import require_viewer
from engagement.ui.risk_views import aggregate_view

viewer, study_id = require_viewer()
st.title("Risk by site and stage")
as_of = st.date_input("As of", value=dt.datetime.now(dt.UTC).date(), key="risk_overview_as_of")
aggregate_view(viewer, study_id, as_of)
