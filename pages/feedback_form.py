"""The feedback form: opened from a personal invitation link (?t=...) or a study's public link (?p=...)."""

import uuid

import streamlit as st

from engagement.db import read_session, write_session
from engagement.errors import EngagementError
from engagement.feedback import open_invitation, open_public, submit
from engagement.ui.state import db_engine

token = st.query_params.get("t")
public = st.query_params.get("p")
lang = st.query_params.get("lang")
done_key = f"submitted:{token or public}"
nonce_key = f"nonce:{token or public}"
sending_key = f"sending:{token or public}"  # set before the write: a rerun may interrupt what follows it


def thank_you(earlier: list[tuple[str, str]]) -> None:
    st.success("Thank you. Your answers were received.")
    st.markdown("**What happens next:** the study team reads every form. Answers are put together with "
                "other people's answers before anyone outside your hospital team sees them. If you "
                "wrote a comment, names and contact details are removed first. You do not need to do "
                "anything else. You will get a new link when the next form is due.")
    if earlier:
        st.markdown("#### What the team did with earlier feedback")
        for said, did in earlier:
            st.markdown(f"- **You said:** {said}  \n  **We did:** {did}")


if st.session_state.get(done_key):
    thank_you(st.session_state[done_key])
    st.stop()

try:
    with read_session(db_engine()) as session:
        ctx = open_invitation(session, token, lang) if token else open_public(session, public, lang)
except EngagementError as exc:
    problem = exc.problems[0]
    if problem.code == "G453" and st.session_state.get(sending_key):
        thank_you([])  # this browser sent it; a double click's second run lands here
    elif problem.code == "G453":
        st.info("This link was already used. Your answers were received: thank you. "
                "Nothing else is needed.")
    else:
        st.error(f"{problem.summary.capitalize()}. {problem.how_to_fix.capitalize()}.")
    st.stop()

form = ctx.instrument
st.title(form.title)
if form.description:
    st.write(form.description)
others = [code for code in form.languages if code != ctx.language]
if others:
    st.caption("Other languages: " + " · ".join(f"[{code}](?{'t' if token else 'p'}="
                                                f"{token or public}&lang={code})" for code in others))
st.caption("Questions marked * need an answer. There are no right or wrong answers.")

answers: dict[str, float | None] = {}
texts: dict[str, str] = {}
with st.form("feedback", clear_on_submit=False, enter_to_submit=False):
    for item in form.items:
        label = f"{item.text}{' *' if item.required else ''}"
        if item.type == "text":
            texts[item.id] = st.text_area(label, help=item.help or None, key=f"q_{item.id}", max_chars=2000)
        elif item.scale:
            scale = form.scales[item.scale]
            options = [*scale.choices, *scale.missing]
            choice = st.radio(label, options, index=None, format_func=lambda c: c.label,
                              help=item.help or None, key=f"q_{item.id}", horizontal=len(options) > 5)
            answers[item.id] = None if choice is None else choice.value
        else:
            answers[item.id] = st.number_input(label, value=None, help=item.help or None, key=f"q_{item.id}")
    may_quote = st.checkbox("You may quote my comment, without my name, in reports about this study.",
                            value=False, key="may_quote")
    sent = st.form_submit_button("Send my answers", type="primary")

if sent:
    nonce = st.session_state.setdefault(nonce_key, uuid.uuid4().hex)
    st.session_state[sending_key] = True
    try:
        with write_session(db_engine()) as session:
            submit(session, ctx, answers, texts, may_quote=may_quote, nonce=nonce)
    except EngagementError as exc:
        for p in exc.problems:
            item = form.item(p.item) if p.item and form.has_item(p.item) else None
            st.error(f"{p.summary.capitalize()}: {item.text if item else p.detail}")
    else:
        st.session_state[done_key] = ctx.earlier_feedback
        st.rerun()
