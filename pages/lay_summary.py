"""Lay summary: write the ten Annex V sections, see plain-language problems inline, review, download."""

from __future__ import annotations

import streamlit as st

from engagement.db import read_session, write_session
from engagement.errors import EngagementError
from engagement.lay_summary import annex, export, gate, service
from engagement.permissions import Action
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

STATUS_LABEL = {"draft": "Draft", "in_review": "In review", "approved": "Approved"}

viewer, study_id = require_viewer()
engine = db_engine()
st.title("Lay summary")
st.caption("A plain-language summary of the study results for participants and the public, with the ten "
           "elements of Annex V of EU Regulation 536/2014.")


def show_error(exc: EngagementError) -> None:
    st.error("\n\n".join(p.message() for p in exc.problems[:12]))


def write(action, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
    """Run one service write in its own unit of work; show coded errors instead of raising."""
    try:
        with write_session(engine) as session:
            action(session, viewer, *args, **kwargs)
    except EngagementError as exc:
        show_error(exc)  # shown where the button was pressed; nothing was written
        return False
    return True


try:
    with read_session(engine) as session:
        versions = service.versions(session, viewer, study_id)
except EngagementError as exc:  # e.g. a sponsor opening the page's address directly
    show_error(exc)
    st.stop()

if not versions:
    st.info("There is no summary for this study yet. Start one: the study's title, registry numbers, "
            "sponsor, dates, countries and numbers of participants are filled in for you.")
    if st.button("Start a summary", type="primary") and write(service.create_draft, study_id):
        st.rerun()
    st.stop()

current = versions[-1]
approved = [v for v in versions if v.status == "approved"]

# ------------------------------------------------------------------------------- targets and status
with st.sidebar.expander("Plain-language targets"):
    max_grade = st.number_input("Highest reading grade", 1.0, 20.0, 8.0, 0.5, key="lay_max_grade")
    max_words = st.number_input("Longest sentence (words)", 5, 60, 25, 1, key="lay_max_words")
targets = gate.Targets(max_grade=float(max_grade), max_sentence_words=int(max_words))

with read_session(engine) as session:
    report = service.gate_report(session, viewer, current.id, targets)
missing = annex.missing_elements(current.content)

st.subheader(f"Version {current.version_no}: {STATUS_LABEL[current.status]}")
who = [f"written by {current.created_by}"]
if current.submitted_by:
    who.append(f"sent for review by {current.submitted_by}")
if current.reviewed_by:
    who.append(f"approved by {current.reviewed_by} on {current.reviewed_at:%Y-%m-%d %H:%M} UTC")
st.caption("; ".join(who))
if current.gate_override_reason:
    st.warning(f"Gate overridden: {current.gate_override_reason}")
if current.status == "approved":
    st.info("This version is approved and will not change. Saving an edit makes a new draft version.")

o = report.overall
c1, c2, c3, c4 = st.columns(4)
c1.metric("Reading grade", "–" if o.fk_grade is None else f"{o.fk_grade:.1f}",
          help=f"target {targets.max_grade:g} or below")
c2.metric("Reading ease", "–" if o.reading_ease is None else f"{o.reading_ease:.0f}", help="higher is easier")
c3.metric("Words per sentence", "–" if o.avg_sentence_words is None else f"{o.avg_sentence_words:.1f}")
c4.metric("Problems", len(report.findings) + len(missing))
for f in report.for_section("overall"):
    st.warning(f"Whole summary: {f.message}. {f.suggestion}")


def render_findings(key: str) -> None:
    for f in report.for_section(key):
        where = f"Sentence {f.sentence_no}: “{f.sentence}”" if f.sentence_no else "This section"
        st.warning(f"**{where}**  \n{f.message}.  \n**Suggestion:** {f.suggestion}", icon="✏️")


# ---------------------------------------------------------------------------------------- sections
sections = annex.sections(current.content)
figures = {s.key: s.figures for s in report.sections}
with st.form(f"lay_form_{current.id}"):
    edited = []
    for s in sections:
        element = annex.BY_KEY[s["key"]]
        st.markdown(f"#### {s['heading']}")
        heading = st.text_input("Heading", s["heading"], key=f"h_{current.id}_{s['key']}",
                                help=f"Annex V: {element.annex}")
        text = st.text_area(s["heading"], s["text"], key=f"t_{current.id}_{s['key']}", height=140,
                            label_visibility="collapsed", placeholder=element.annex)
        fig = figures.get(s["key"])
        if fig and fig.fk_grade is not None:
            st.caption(f"Grade {fig.fk_grade:.1f} · reading ease {fig.reading_ease:.0f} · "
                       f"{fig.avg_sentence_words:.1f} words per sentence")
        if any(p.item == s["key"] for p in missing):
            st.error("This Annex V element is empty. Write it before the summary can be approved.")
        render_findings(s["key"])
        edited.append({"key": s["key"], "heading": heading, "text": text})
    saved = st.form_submit_button("Save changes", type="primary")
if saved:
    content = {**current.content, "sections": edited}
    if write(service.save_content, current.id, content):
        st.toast("Saved.")
        st.rerun()

# ------------------------------------------------------------------------ order and optional section
with st.expander("Order of sections"):
    keys = [s["key"] for s in sections]
    names = {s["key"]: s["heading"] for s in sections}
    pick = st.selectbox("Section", keys, format_func=names.get, key="lay_move_pick")
    up, down = st.columns(2)
    if up.button("Move up", key="lay_up") and write(service.move_section, current.id, pick, -1):
        st.rerun()
    if down.button("Move down", key="lay_down") and write(service.move_section, current.id, pick, 1):
        st.rerun()

with st.expander("What did participants tell us? (optional)"):
    st.caption("Written from the study's engagement survey results exactly as a sponsor sees them (small "
               "groups hidden), and from comments whose authors agreed to be quoted (with names removed).")
    if st.button("Write this section from the survey results", key="lay_told_us"):
        with read_session(engine) as session:
            try:
                rows = service.indicator_rows(session, viewer, study_id)
            except EngagementError as exc:
                show_error(exc)
                rows = None
        if rows is not None and write(service.write_participants_section, current.id, rows):
            st.rerun()
    if ("participants_told_us" in keys and st.button("Remove this section", key="lay_told_us_rm")
            and write(service.remove_section, current.id, "participants_told_us")):
        st.rerun()

# ----------------------------------------------------------------------------- adverse reactions
with st.expander("Side effects table"):
    table = annex.adverse_reactions(current.content)
    st.caption("One column per treatment group with the number of people in it; one row per side effect "
               "with how many people in each group had it.")
    arms_in = st.data_editor([dict(a) for a in table["arms"]] or [{"name": "", "n": 0}],
                             num_rows="dynamic", key=f"arms_{current.id}",
                             column_config={"name": "Group", "n": st.column_config.NumberColumn(
                                 "People in group", min_value=1, step=1)})
    arm_names = [a["name"] for a in table["arms"]]
    rows_in = st.data_editor([{"term": r["term"], **r["counts"]} for r in table["rows"]]
                             or [{"term": "", **dict.fromkeys(arm_names, 0)}],
                             num_rows="dynamic", key=f"rows_{current.id}",
                             column_config={"term": "Side effect"})
    if st.button("Save table", key="lay_table"):
        arms = [{"name": str(a.get("name") or "").strip(), "n": int(a.get("n") or 0)}
                for a in arms_in if str(a.get("name") or "").strip()]
        rows = [{"term": str(r.get("term") or "").strip(),
                 "counts": {a["name"]: int(r.get(a["name"]) or 0) for a in arms}}
                for r in rows_in if str(r.get("term") or "").strip()]
        if write(service.set_adverse_reactions, current.id, {"arms": arms, "rows": rows}):
            st.rerun()

# ---------------------------------------------------------------------------------------- review
st.subheader("Review")
gate_ok = report.passed
if not gate_ok:
    st.warning(f"The plain-language check found {len(report.findings)} problems. Fix them, or give a "
               "written reason to go ahead anyway; the reason is recorded.")
if current.status == "draft":
    reason = "" if gate_ok else st.text_area("Reason to override the check", key=f"sub_reason_{current.id}")
    if (st.button("Send for review", type="primary", key="lay_submit")
            and write(service.submit, current.id, override_reason=reason or None, targets=targets)):
        st.rerun()
elif current.status == "in_review":
    if viewer.can(Action.approve_lay_summary, study_id):
        reason = "" if gate_ok else st.text_area("Reason to override the check",
                                                 key=f"app_reason_{current.id}")
        if (st.button("Approve", type="primary", key="lay_approve")
                and write(service.approve, current.id, override_reason=reason or None, targets=targets)):
            st.rerun()
        back = st.text_input("Or send it back, saying what to change", key=f"back_{current.id}")
        if st.button("Send back", key="lay_send_back") and write(service.send_back, current.id, back):
            st.rerun()
    else:
        st.info("Waiting for an admin to approve it.")

# -------------------------------------------------------------------------------------- downloads
st.subheader("Download")
if not approved:
    st.caption("Downloads are available once a version is approved.")
else:
    latest = approved[-1]
    st.caption(f"Approved version {latest.version_no}.")
    cache = st.session_state.setdefault("lay_exports", {})
    cols = st.columns(len(export.FORMATS))
    for col, fmt in zip(cols, export.FORMATS, strict=True):
        key = (latest.id, fmt)
        if key not in cache:
            with read_session(engine) as session:
                cache[key] = export.export(session, viewer, study_id, fmt)
        col.download_button(f"Download {fmt.upper()}", cache[key], key=f"dl_{fmt}",
                            file_name=export.filename(study_id, latest.version_no, fmt),
                            mime=export.MEDIA_TYPES[fmt])
