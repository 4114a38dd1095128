"""Study overview: where the study is in its lifecycle, who takes part, and who answers."""

import plotly.express as px
import streamlit as st

from engagement.db import read_session
from engagement.overview import study_overview
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
with read_session(db_engine()) as session:
    ov = study_overview(session, viewer, study_id)

st.title(ov.title)
st.caption(f"{ov.study_id} · sponsor {ov.sponsor} · {ov.registry_id} · current stage: "
           f"{(ov.current_stage or 'not set').replace('_', ' ')} · showing {ov.scope_note}")

st.subheader("Lifecycle")
stages = ov.stages.copy()
stages["start"] = stages["actual_start"].fillna(stages["planned_start"])
stages["end"] = stages["actual_end"].fillna(stages["planned_end"])
stages["label"] = stages["stage"].str.replace("_", " ")
timeline = stages.dropna(subset=["start", "end"])
if timeline.empty:
    st.info("No stage dates yet.")
else:
    fig = px.timeline(timeline, x_start="start", x_end="end", y="label", color="label")
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_layout(showlegend=False, height=300, margin={"t": 10, "b": 10})
    st.plotly_chart(fig, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader("Participants by status and role")
    shown = ov.participants.pivot_table(index="role", columns="status", values="n_label",
                                        aggfunc="first").fillna("0")
    st.dataframe(shown, width="stretch")
with right:
    st.subheader("Response rate by timepoint")
    resp = ov.response.dropna(subset=["rate"])
    if resp.empty:
        st.info("No timepoint has closed yet.")
    else:
        fig = px.bar(resp, x="timepoint", y="rate", color="stage", range_y=[0, 1],
                     labels={"rate": "share of due surveys returned"})
        fig.update_layout(height=320, margin={"t": 10, "b": 10})
        st.plotly_chart(fig, width="stretch")
    st.dataframe(ov.response, hide_index=True, width="stretch")
if ov.suppressed_note:
    st.caption(ov.suppressed_note)
