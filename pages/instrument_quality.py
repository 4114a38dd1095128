"""Instrument quality (admins): reliability of each subscale for the instruments answered in the study."""

import pandas as pd
import streamlit as st

from engagement.db import read_session
from engagement.errors import EngagementError
from engagement.psychometrics import quality_report
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

viewer, study_id = require_viewer()
st.title("Instrument quality")
st.caption("Cronbach's alpha per subscale (0.70 or more is usually taken as acceptable), alpha if an "
           "item is left out, and each item's correlation with the rest of its subscale. Reverse-keyed "
           "items are turned round first; 'does not apply' answers are left out.")

try:
    with read_session(db_engine()) as session:
        report = quality_report(session, viewer, study_id)
except EngagementError as exc:
    st.error(exc.problems[0].message())
    st.stop()

if not report["instruments"]:
    st.info(f"No answers in study {study_id} yet.")
for inst in report["instruments"]:
    st.subheader(f"{inst['title']} ({inst['instrument_id']} {inst['version']})")
    st.write(f"{inst['respondents']} respondents")
    subscales = inst["subscales"]
    if not subscales:
        st.write("No scored subscales with answers.")
        continue
    st.dataframe(pd.DataFrame([
        {"subscale": sid, "indicator": s["indicator"], "items": s["n_items"], "alpha": s["alpha"],
         "alpha (pairwise)": s["alpha_pairwise"], "n complete": s["n"]}
        for sid, s in subscales.items()]), hide_index=True, width="stretch")
    for sid, s in subscales.items():
        if s["n_items"] < 2:
            continue
        with st.expander(f"Items of {sid}"):
            st.dataframe(pd.DataFrame([
                {"item": item, "alpha if deleted": v["alpha_if_deleted"], "item-total r": v["item_total_r"],
                 "answered": v["n_answered"]} for item, v in s["items"].items()]),
                hide_index=True, width="stretch")
