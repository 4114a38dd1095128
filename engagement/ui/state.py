"""Process-wide resources for the Streamlit app."""

from __future__ import annotations

import os

import streamlit as st
from sqlalchemy import Engine

from engagement.db import database_url, make_engine


def db_engine() -> Engine:
    """The engine for ENGAGEMENT_DATABASE_URL (or the default SQLite file), one per URL per process."""
    return _engine_for(database_url(os.environ.get("ENGAGEMENT_DATABASE_URL")))


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)
