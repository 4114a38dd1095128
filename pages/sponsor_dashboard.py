"""Sponsor dashboard: burden, trust and engagement across the lifecycle, suppressed for sponsors.

Reads the filter widgets, calls engagement.indicators_dashboard.dashboard_view once, renders it.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from engagement import indicators_figures as figures
from engagement.db import read_session
from engagement.errors import EngagementError
from engagement.indicators import IndicatorFilters
from engagement.indicators_dashboard import DashboardView, dashboard_view
from engagement.ui.auth import require_viewer
from engagement.ui.state import db_engine

ALL = "All"
KEYS = {"stage": "dash_stage", "site": "dash_site", "role": "dash_role"}
DATES = "dash_dates"


def _chosen(name: str) -> str | None:
    value = st.session_state.get(KEYS[name], ALL)
    return None if value in (None, ALL) else value


def _filters(dates_allowed: bool) -> IndicatorFilters:
    # A range left in the browser session by a staff sign-in must not reach an aggregate-only viewer.
    dates = (st.session_state.get(DATES) or ()) if dates_allowed else ()
    start = dates[0] if len(dates) >= 1 else None
    end = dates[1] if len(dates) == 2 else None
    return IndicatorFilters(stage=_chosen("stage"), site=_chosen("site"), role=_chosen("role"),
                            date_from=start, date_to=end)


def _load(viewer, study: str, filters: IndicatorFilters) -> DashboardView:  # type: ignore[no-untyped-def]
    with read_session(db_engine()) as session:
        return dashboard_view(session, viewer, study, filters)


def _widgets(view: DashboardView) -> None:
    options = {"stage": view.stages, "site": [code for code, _ in view.sites], "role": view.roles}
    names = dict(view.sites)
    cols = st.columns(4)
    for col, (name, values) in zip(cols, options.items(), strict=False):
        if st.session_state.get(KEYS[name], ALL) not in [ALL, *values]:
            st.session_state[KEYS[name]] = ALL  # the study changed under a stale choice
        col.selectbox(name.capitalize(), [ALL, *values], key=KEYS[name],
                      format_func=(lambda v: v if v == ALL else f"{v} – {names.get(v, v)}")
                      if name == "site" else (lambda v: str(v).replace("_", " ")))
    if view.date_filter_allowed:
        cols[3].date_input("Date range", value=(), key=DATES, max_value=dt.datetime.now(dt.UTC).date())
    else:
        cols[3].caption("Date ranges are for study staff: comparing two ranges could reveal a small "
                        "group. Use stage instead.")


def _tiles(view: DashboardView) -> None:
    for col, tile in zip(st.columns(len(view.tiles)), view.tiles, strict=True):
        col.metric(tile.label, tile.value, help=tile.detail or None)
        if tile.detail:
            col.caption(tile.detail)


def _chart(fig, caption: str, key: str, view: DashboardView, part: str) -> None:  # type: ignore[no-untyped-def]
    st.plotly_chart(fig, key=f"fig_{key}", config={"displaylogo": False})
    st.caption(caption)
    st.download_button(f"Download {part.replace('_', ' ')} (CSV)", view.csv(part),
                       file_name=f"{view.study_id}_{part}.csv", mime="text/csv", key=f"dl_{key}")


def main() -> None:
    viewer, study = require_viewer()
    st.title("Dashboard")
    try:
        view = _load(viewer, study, _filters(not viewer.aggregate_only(study)))
    except EngagementError as exc:
        st.error(exc.problems[0].message())
        st.stop()
    st.caption(f"{view.title} · " + ("Groups of fewer than "
               f"{view.threshold} people are hidden." if view.aggregate_only else
               "Study staff view: small groups are shown."))
    _widgets(view)
    _tiles(view)
    fewer = f"fewer than {view.threshold}"
    _chart(figures.timeline(view.timeline, fewer), view.captions["timeline"], "timeline", view,
           "timeline")
    left, right = st.columns(2)
    with left:
        indicators = sorted(set(view.heatmap["indicator"])) or ["burden"]
        chosen = st.selectbox("Heatmap indicator", indicators, key="dash_heat")
        _chart(figures.heatmap(view.heatmap, chosen, view.stages, fewer),
               view.captions.get(f"heatmap:{chosen}", ""), "heatmap", view, "heatmap")
    with right:
        _chart(figures.by_role(view.by_role, fewer), view.captions["by_role"], "by_role", view, "by_role")
    left, right = st.columns(2)
    with left:
        _chart(figures.response(view.response, fewer), view.captions["response"], "response", view,
               "response")
    with right:
        _chart(figures.completeness(view.completeness), view.captions["completeness"], "completeness",
               view, "completeness")
    breakdown = st.radio("Retention by", ["site", "role"], horizontal=True, key="dash_km")
    _chart(figures.retention(view.retention, breakdown), view.captions["retention"], "retention", view,
           "retention")
    _chart(figures.themes(view.themes), view.captions["themes"], "themes", view, "themes")
    if view.quotes:
        st.subheader("In their own words")
        st.caption("Only comments whose authors agreed to be quoted, with identifying details removed.")
        for theme, quote in view.quotes:
            st.markdown(f"> {quote}\n\n— theme: *{theme}*")


main()
