"""The app shell: public form links, sign-in, and navigation that shows each role only its pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from engagement.permissions import Action, Viewer
from engagement.ui.auth import STUDY_KEY, current_study, current_viewer, sign_in_page, sign_out

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    action: Action
    section: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home.py", "Study overview", ":material/home:", Action.view_aggregates, "Study"),
    PageSpec("sponsor_dashboard.py", "Dashboard", ":material/monitoring:", Action.view_aggregates, "Study"),
    PageSpec("risk_overview.py", "Risk by site", ":material/groups:", Action.view_aggregates, "Study"),
    PageSpec("risk_monitor.py", "Risk monitor", ":material/support_agent:", Action.log_outreach,
             "Follow-up"),
    PageSpec("invitations.py", "Invitations", ":material/mail:", Action.manage_invitations, "Follow-up"),
    PageSpec("you_said.py", "You said, we did", ":material/campaign:", Action.manage_invitations, "Follow-up"),
    PageSpec("import_data.py", "Import data", ":material/upload_file:", Action.import_data, "Data"),
    PageSpec("lay_summary.py", "Lay summary", ":material/article:", Action.edit_lay_summary, "Results"),
    PageSpec("instrument_quality.py", "Instrument quality", ":material/fact_check:",
             Action.view_instrument_quality, "Admin"),
    PageSpec("audit_log.py", "Audit trail", ":material/history:", Action.view_audit, "Admin"),
)

PUBLIC_FORM = "feedback_form.py"


def pages_for(viewer: Viewer, study_id: str) -> dict[str, list[PageSpec]]:
    sections: dict[str, list[PageSpec]] = {}
    for spec in PAGES:
        if viewer.can_any_site(spec.action, study_id):
            sections.setdefault(spec.section, []).append(spec)
    return sections


def run() -> None:
    st.set_page_config(page_title="Engagement", page_icon=":material/diversity_3:", layout="wide")
    if "t" in st.query_params or "p" in st.query_params:  # invitation or public link: no account
        st.navigation([st.Page(PAGES_DIR / PUBLIC_FORM, title="Feedback form")], position="hidden").run()
        return
    viewer = current_viewer()
    study = current_study(viewer)
    if viewer is None or study is None:
        st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:")],
                      position="hidden").run()
        return
    _sidebar(viewer, study)
    nav = {section: [st.Page(PAGES_DIR / p.file, title=p.title, icon=p.icon) for p in specs]
           for section, specs in pages_for(viewer, study).items()}
    st.navigation(nav).run()


def _sidebar(viewer: Viewer, study: str) -> None:
    with st.sidebar:
        studies = viewer.studies()
        if len(studies) > 1:
            st.selectbox("Study", studies, key=STUDY_KEY)
        else:
            st.caption(f"Study **{study}**")
        roles = ", ".join(sorted(viewer.roles(study))).replace("_", " ")
        st.caption(f"Signed in as **{viewer.username}** ({roles})")
        if st.button("Sign out", key="sign_out"):
            sign_out()
            st.rerun()
