"""Risk monitor: trial managers see who to call and why, and log the call; sponsors see aggregates only."""

import datetime as dt

import pandas as pd
import streamlit as st

from engagement.db import read_session, write_session
from engagement.errors import EngagementError
from engagement.permissions import Action
from engagement.risk.flags import flags_csv
from engagement.risk.monitor import (
    OUTREACH_ACTIONS,
    OUTREACH_OUTCOMES,
    log_outreach,
    monitor,
    participant_detail,
)
from engagement.ui.auth import require_viewer
from engagement.ui.risk_views import aggregate_view
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
st.title("Risk monitor")
as_of = st.date_input("As of", value=dt.datetime.now(dt.UTC).date(), key="risk_as_of")


def _label(value: str) -> str:
    return value.replace("_", " ")


def _detail(code: str) -> None:
    with read_session(db_engine()) as session:
        person = participant_detail(session, viewer, study_id, code, as_of)
    st.subheader(f"Participant {code}")
    risk = "not scored (not active)" if person["risk"] is None else f"{person['risk']:.0%} ({person['band']})"
    st.markdown(f"Site **{person['site_id']}** · status **{_label(person['status'])}** · risk **{risk}**")
    for reason in person["reasons"]:
        st.markdown(f"- {reason}")
    if person["history"]:
        st.line_chart(pd.DataFrame({"risk": person["history"]}), height=140)
    st.markdown("Missed: " + (", ".join(person["missed"]) or "none"))
    if person["outreach"]:
        st.dataframe(pd.DataFrame(person["outreach"]), hide_index=True, width="stretch")
    with st.form("outreach", clear_on_submit=True):
        st.markdown("**Log an outreach action**")
        action = st.selectbox("Action", OUTREACH_ACTIONS, format_func=_label)
        outcome = st.selectbox("Outcome", OUTREACH_OUTCOMES, format_func=_label)
        note = st.text_input("Note (no names or contact details)")
        if st.form_submit_button("Log action", type="primary"):
            try:
                with write_session(db_engine()) as session:
                    log_outreach(session, viewer, study_id, code, action=action, outcome=outcome, note=note)
            except EngagementError as exc:
                st.error(exc.problems[0].message())
            else:
                st.session_state["risk_logged"] = f"Logged: {_label(action)}, {_label(outcome)} for {code}."
                st.rerun()


if not viewer.can_any_site(Action.view_participants, study_id):
    aggregate_view(viewer, study_id, as_of)
    st.stop()

not_contacted = st.checkbox("Not contacted yet (no outreach in the last six weeks)", key="risk_not_contacted")
try:
    # May train and save the study's first model, so this is a write.
    with write_session(db_engine()) as session:
        view = monitor(session, viewer, study_id, as_of, not_contacted_only=not_contacted)
except EngagementError as exc:
    st.error(exc.problems[0].message())
    st.stop()
method = _label(view.method)
st.caption(
    f"{len(view.rows)} flagged participants · scored with {method}"
    + (f" · {view.fallback}" if view.fallback else "")
)
if st.session_state.get("risk_logged"):
    st.success(st.session_state.pop("risk_logged"))
if view.rows.empty:
    st.info("Nobody is flagged for your sites at this date.")
    st.stop()

rows = view.rows.assign(
    missed=view.rows["missed"].map(", ".join),
    last_contact=view.rows["last_contact"].map(
        lambda c: f"{c['date']}: {_label(c['action'])}, {_label(c['outcome'])}" if c else "never"
    ),
)
st.dataframe(
    rows[["participant_id", "site_id", "risk", "band", "history", "missed", "last_contact", "reasons"]],
    hide_index=True,
    width="stretch",
    column_config={
        "participant_id": "participant",
        "site_id": "site",
        "risk": st.column_config.ProgressColumn("risk", min_value=0.0, max_value=1.0, format="percent"),
        "history": st.column_config.LineChartColumn("last 8 weeks", y_min=0.0, y_max=1.0),
        "last_contact": "last contact",
        "reasons": st.column_config.TextColumn("reasons", width="large"),
    },
)
st.download_button(
    "Download flags (CSV)", flags_csv(view.rows), file_name=f"{study_id}-flags-{as_of}.csv", mime="text/csv"
)
chosen = st.selectbox("Open a participant", list(view.rows["participant_id"]), key="risk_participant")
if chosen:
    _detail(chosen)
