"""Invitations: who is due, overdue and done; personal links for due timepoints; the public link."""

import datetime as dt

import streamlit as st

from engagement.db import read_session, write_session
from engagement.errors import EngagementError
from engagement.invitations import enable_public_link, issue_links, links_csv, schedule_status
from engagement.permissions import Action
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
st.title("Invitations")
today = dt.datetime.now(dt.UTC).date()
base_url = st.text_input("Address of this app, for the links", value="http://localhost:8501")

with read_session(db_engine()) as session:
    status = schedule_status(session, viewer, study_id, today)
if status.empty:
    st.info("No participant or timepoint yet.")
    st.stop()

c1, c2 = st.columns(2)
site = c1.selectbox("Site", ["All sites", *sorted(status["site_id"].unique())])
timepoint = c2.selectbox("Timepoint", ["All timepoints", *status["timepoint_id"].unique()])
shown = status
if site != "All sites":
    shown = shown[shown["site_id"] == site]
if timepoint != "All timepoints":
    shown = shown[shown["timepoint_id"] == timepoint]

counts = shown["state"].value_counts()
k = st.columns(4)
for col, state in zip(k, ["due", "overdue", "done", "upcoming"], strict=True):
    col.metric(state.capitalize(), int(counts.get(state, 0)))
st.dataframe(shown.drop(columns=["pid", "tid"]), hide_index=True, width="stretch")

st.subheader("Links for due timepoints")
st.caption("A link is personal, works once, and expires 30 days after its window closes. Making new links "
           "withdraws the older unused links of the same people.")
if st.button("Make links", type="primary"):
    try:
        with write_session(db_engine()) as session:
            links = issue_links(session, viewer, study_id, base_url, today,
                                site_code=None if site == "All sites" else site,
                                timepoint_code=None if timepoint == "All timepoints" else timepoint)
    except EngagementError as exc:
        st.error(exc.problems[0].message())
    else:
        st.session_state["issued_links"] = links_csv(links)
        st.success(f"{len(links)} new links.")
if st.session_state.get("issued_links"):
    st.download_button("Download links for mail merge (CSV)", st.session_state["issued_links"],
                       file_name=f"{study_id}-links-{today}.csv", mime="text/csv")

if viewer.can(Action.manage_study, study_id):
    st.subheader("Public link")
    st.caption("An anonymous link anyone can use for the quick check-in. Making a new one stops the old one.")
    if st.button("Make a new public link"):
        with write_session(db_engine()) as session:
            st.code(enable_public_link(session, viewer, study_id, base_url))
