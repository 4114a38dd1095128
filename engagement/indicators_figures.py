"""Plotly figures for the dashboard, drawn from a DashboardView's tables (no data access here).

Suppressed cells are drawn as gaps with a "fewer than N" label, never as zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engagement.indicators_data import NO_ROLE, ROLE_ORDER

COLOURS = {"burden": "#c0392b", "trust": "#2471a3", "engagement": "#229954", "experience": "#7d3c98",
           "other": "#7f8c8d"}
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 340,
          "yaxis": {"range": [0, 100], "title": "out of 100"}}


def _nice(value: object) -> str:
    return str(value).replace("_", " ")


def timeline(table: pd.DataFrame, fewer_than: str) -> go.Figure:
    fig = go.Figure()
    for indicator, rows in table.groupby("indicator", sort=False):
        fig.add_trace(go.Scatter(
            x=[_nice(s) for s in rows["stage"]], y=rows["mean"], mode="lines+markers",
            name=_nice(indicator).capitalize(), line={"color": COLOURS.get(str(indicator))},
            error_y={"type": "data", "symmetric": False,
                     "array": (rows["ci_high"] - rows["mean"]).to_numpy(),
                     "arrayminus": (rows["mean"] - rows["ci_low"]).to_numpy()},
            text=[(fewer_than if st == "small" else "hidden") if h else f"n = {n}"
                  for h, st, n in zip(rows["suppressed"], rows["suppression"], rows["n_label"], strict=True)],
            hovertemplate="%{x}: %{y:.0f} (%{text})<extra></extra>", connectgaps=False))
    order = [_nice(s) for s in dict.fromkeys(table["stage"])]  # the table is in lifecycle order
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_layout(title="Indicators through the study lifecycle (95% intervals)", **LAYOUT)
    return fig


def heatmap(table: pd.DataFrame, indicator: str, stages: list[str], fewer_than: str) -> go.Figure:
    rows = table[table["indicator"] == indicator]
    sites = sorted(rows["site"].unique())
    cols = [s for s in stages if s in set(rows["stage"])]
    z = np.full((len(sites), len(cols)), np.nan)
    text = [["" for _ in cols] for _ in sites]
    for _, r in rows.iterrows():
        i, j = sites.index(r["site"]), cols.index(r["stage"])
        if r["suppressed"]:
            text[i][j] = fewer_than if r["suppression"] == "small" else "hidden"
        else:
            z[i, j] = r["mean"]
            text[i][j] = f"{r['mean']:.0f}"
    fig = go.Figure(go.Heatmap(z=z, x=[_nice(c) for c in cols], y=[f"Site {s}" for s in sites],
                               text=text, texttemplate="%{text}", zmin=0, zmax=100,
                               colorscale="Reds" if indicator == "burden" else "Blues",
                               hovertemplate="%{y}, %{x}: %{text}<extra></extra>"))
    fig.update_layout(title=f"{indicator.capitalize()} by site and stage", height=340,
                      margin=LAYOUT["margin"], yaxis={"autorange": "reversed"})  # first site on top
    return fig


def by_role(table: pd.DataFrame, fewer_than: str) -> go.Figure:
    fig = go.Figure()
    for indicator, rows in table.groupby("indicator", sort=False):
        fig.add_trace(go.Bar(
            x=[_nice(r) for r in rows["role"]], y=rows["mean"], name=_nice(indicator).capitalize(),
            marker_color=COLOURS.get(str(indicator)),
            error_y={"type": "data", "symmetric": False,
                     "array": (rows["ci_high"] - rows["mean"]).to_numpy(),
                     "arrayminus": (rows["mean"] - rows["ci_low"]).to_numpy()}))
    hidden = table[table["suppressed"].astype(bool)]
    if len(hidden):  # a hidden bar has no height, so say why it is missing where it would stand
        why = hidden.assign(why=[f"{i}: {fewer_than if s == 'small' else 'hidden'}"
                                 for i, s in zip(hidden["indicator"], hidden["suppression"], strict=True)])
        labels = why.groupby("role", sort=False)["why"].agg("<br>".join)
        fig.add_trace(go.Scatter(x=[_nice(r) for r in labels.index], y=[4] * len(labels), mode="text",
                                 text=list(labels), showlegend=False, textposition="top center",
                                 hoverinfo="skip"))
    # patients first, anonymous last (bars would otherwise follow the first indicator's roles)
    order = [*ROLE_ORDER, NO_ROLE]
    roles = sorted(dict.fromkeys(table["role"]), key=lambda r: order.index(r) if r in order else len(order))
    fig.update_xaxes(categoryorder="array", categoryarray=[_nice(r) for r in roles])
    fig.update_layout(title="Differences by role", barmode="group", **LAYOUT)
    return fig


def response(table: pd.DataFrame, fewer_than: str) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=list(table["timepoint"]), y=table["rate"] * 100, marker_color="#2471a3",
        text=[fewer_than if h else f"{r:.0%}" for h, r in zip(table["suppressed"], table["rate"],
                                                               strict=True)],
        textposition="outside"))
    fig.update_layout(title="Response rate by timepoint (% of due surveys answered)",
                      **{**LAYOUT, "yaxis": {"range": [0, 110], "title": "%"}})
    return fig


def completeness(table: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for level, colour in (("complete", "#229954"), ("partial", "#f5b041"), ("break_off", "#c0392b")):
        fig.add_trace(go.Bar(x=list(table["timepoint"]), y=table[f"{level}_share"] * 100,
                             name=_nice(level), marker_color=colour))
    fig.update_layout(title="How complete submissions were", barmode="stack",
                      **{**LAYOUT, "yaxis": {"range": [0, 100], "title": "% of submissions"}})
    return fig


def retention(curves: pd.DataFrame, breakdown: str) -> go.Figure:
    fig = go.Figure()
    for group, c in curves[curves["breakdown"].isin(["all", breakdown])].groupby("group", sort=False):
        fig.add_trace(go.Scatter(x=c["time"], y=c["survival"] * 100, mode="lines", line_shape="hv",
                                 name=str(group) if group != "All" else "Everyone"))
    fig.update_layout(title=f"Still engaged, by {breakdown} (Kaplan-Meier)",
                      xaxis={"title": "days since enrolment"},
                      **{**LAYOUT, "yaxis": {"range": [0, 100], "title": "% still engaged"}})
    return fig


def themes(table: pd.DataFrame) -> go.Figure:
    shown = table[~table["suppressed"].astype(bool)]
    fig = go.Figure(go.Bar(y=list(shown["theme"]), x=shown["comments"], orientation="h",
                           marker_color=[{"negative": "#c0392b", "positive": "#229954"}.get(t, "#7f8c8d")
                                         for t in shown["tone"]],
                           text=list(shown["tone"]), textposition="auto"))
    fig.update_layout(title="Themes in free-text comments (colour: tone)", height=340,
                      margin=LAYOUT["margin"], yaxis={"autorange": "reversed"})
    return fig
