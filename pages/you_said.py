"""You said, we did: tell respondents what the team changed because of their feedback."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from engagement import you_said
from engagement.db import read_session, write_session
from engagement.errors import EngagementError
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
engine = db_engine()
today = dt.datetime.now(dt.UTC).date()
st.title("You said, we did")
st.caption(f"After every form of this study, respondents see the {you_said.SHOWN} newest entries published "
           "by today. Every respondent reads them: write plainly, and name nobody (no names, participant "
           "codes, contacts or dates).")

# not cleared on submit: a refused entry keeps its text, so it can be fixed rather than retyped
with st.form("you_said_entry"):
    said = st.text_area("You said", max_chars=you_said.MAX_CHARS["you_said"],
                        placeholder="Evening visits were hard to get to after work.")
    did = st.text_area("We did", max_chars=you_said.MAX_CHARS["we_did"],
                       placeholder="From March, every site offers visits until 7 pm on Thursdays.")
    when = st.date_input("Publish on", value=today, help="Respondents see it from this day.")
    publish = st.form_submit_button("Publish", type="primary")
if publish:
    try:
        with write_session(engine) as session:
            you_said.record(session, viewer, study_id, said, did, when)
    except EngagementError as exc:
        st.error("\n\n".join(p.message() for p in exc.problems))
    else:
        st.success("Published." if when <= today else f"Saved: respondents see it from {when:%d %B %Y}.")

with read_session(engine) as session:
    rows = you_said.entries(session, viewer, study_id)
st.subheader("Entries")
if not rows:
    st.info("Nothing yet. The thank-you page says only what happens next until there is an entry.")
else:
    st.dataframe(pd.DataFrame([{"publish on": r.published_on, "you said": r.you_said, "we did": r.we_did,
                                "shown now": r.published_on <= today} for r in rows]),
                 hide_index=True, width="stretch")
