"""The auth gate: who is signed in, which study they look at, the sign-in page and sign-out.

Only the username is kept in the browser session; the viewer's grants are read from the database on
every rerun, so a revoked membership takes effect at the next click.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import select

from engagement.accounts import authenticate, demo_accounts, demo_mode, viewer_for, viewer_for_oidc
from engagement.db import read_session, write_session
from engagement.errors import EngagementError
from engagement.models import User
from engagement.permissions import Viewer
from engagement.ui.state import db_engine

USER_KEY = "auth_username"
STUDY_KEY = "study_id"


def current_viewer() -> Viewer | None:
    username = st.session_state.get(USER_KEY)
    if not username:
        return None
    with read_session(db_engine()) as session:
        user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
        return viewer_for(session, user) if user is not None else None


def current_study(viewer: Viewer | None = None) -> str | None:
    viewer = viewer or current_viewer()
    if viewer is None:
        return None
    studies = viewer.studies()
    chosen = st.session_state.get(STUDY_KEY)
    if chosen not in studies:
        chosen = studies[0] if studies else None
        st.session_state[STUDY_KEY] = chosen
    return chosen


def require_viewer() -> tuple[Viewer, str]:
    """For pages: the viewer and study, or stop the script with a sign-in hint."""
    viewer = current_viewer()
    study = current_study(viewer)
    if viewer is None or study is None:
        st.warning("Please sign in first.")
        st.stop()
    return viewer, study


def sign_out() -> None:
    for key in (USER_KEY, STUDY_KEY):
        st.session_state.pop(key, None)
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def _oidc_sign_in() -> None:
    """After st.login, map the identity provider's subject/e-mail to a local account."""
    if not getattr(st.user, "is_logged_in", False) or st.session_state.get(USER_KEY):
        return
    try:
        with write_session(db_engine()) as session:
            viewer = viewer_for_oidc(session, str(st.user.get("sub", "")), st.user.get("email"))
        st.session_state[USER_KEY] = viewer.username
    except EngagementError as exc:
        st.error(exc.problems[0].message())


def sign_in_page() -> None:
    st.title("Sign in")
    st.caption("Patient and advocate engagement: burden, trust and engagement across the study.")
    with read_session(db_engine()) as session:
        demo = demo_mode(session)
        accounts = demo_accounts(session) if demo else []
    if demo:
        lines = "\n".join(f"- **{u}**: {d}" for u, d in accounts)
        st.info("**Demo mode.** This database holds a fictional demo study. Demo accounts, all with "
                f"the password `demo`:\n{lines}\n\nReal deployments have no demo accounts: an admin "
                "creates accounts with `python -m engagement users add`.")
    with st.form("sign_in"):
        username = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            with read_session(db_engine()) as session:
                viewer = authenticate(session, username.strip(), password)
        except EngagementError:
            st.error("Unknown user name or wrong password.")
        else:
            st.session_state[USER_KEY] = viewer.username
            st.rerun()
    if _oidc_configured():
        _oidc_sign_in()
        if st.button("Sign in with your organisation (single sign-on)"):
            st.login()
