"""Streamlit entry point: `streamlit run app.py` (or `make run`)."""

from engagement.ui.shell import run

run()
