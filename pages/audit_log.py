"""Audit trail (admins): the latest events and a chain check."""

import pandas as pd
import streamlit as st

from engagement.audit_view import recent_events, verify_chain
from engagement.db import read_session
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
st.title("Audit trail")
entity = st.text_input("Entity (e.g. participant, answer, lay_summary)", "")
with read_session(db_engine()) as session:
    events = recent_events(session, viewer, study_id, entity=entity or None)
st.dataframe(pd.DataFrame(events), hide_index=True, width="stretch")
if st.button("Verify the hash chain"):
    with read_session(db_engine()) as session:
        result = verify_chain(session, viewer, study_id)
    if result.ok:
        st.success(f"Intact: {result.rows_checked} rows verified.")
    else:
        st.error(result.problem.message() if result.problem else "broken")
