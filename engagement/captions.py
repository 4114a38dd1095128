"""One sentence under every chart, written from the numbers, so a reader who skips charts gets the point.

Captions use only what the viewer may see: suppressed cells are never described by value.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from engagement.indicators_dashboard import DashboardView

NAMES = {"burden": "Burden", "trust": "Trust", "engagement": "Engagement", "experience": "Experience"}


def _nice(stage: str) -> str:
    return str(stage).replace("_", " ")


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return table[~table["suppressed"].astype(bool)] if "suppressed" in table else table


def timeline(changes: pd.DataFrame, where: str) -> str:
    shown = _shown(changes).dropna(subset=["change"])
    if shown.empty:
        return f"Too few answers to compare stages{where}."
    biggest = shown.loc[shown["change"].abs().idxmax()]
    name = NAMES.get(biggest["indicator"], str(biggest["indicator"]).capitalize())
    before = biggest["to_mean"] - biggest["change"]
    verb = "rose" if biggest["change"] > 0 else "fell"
    sure = ("" if biggest["ci_low"] > 0 or biggest["ci_high"] < 0
            else ", a change the 95% interval does not rule out being chance")
    return (f"{name} {verb} from {before:.0f} to {biggest['to_mean']:.0f} out of 100 between "
            f"{_nice(biggest['from_stage'])} and {_nice(biggest['to_stage'])}{where}{sure}.")


def heatmap(cells: pd.DataFrame, indicator: str, threshold: int) -> str:
    rows = cells[cells["indicator"] == indicator]
    shown = _shown(rows).dropna(subset=["mean"])
    hidden = int(rows["suppressed"].astype(bool).sum()) if "suppressed" in rows else 0
    tail = (f"; {hidden} cell{'s are' if hidden != 1 else ' is'} hidden because fewer than {threshold} "
            "people answered or because it would reveal such a cell" if hidden else "")
    if shown.empty:
        return f"No site and stage has enough answers to show {indicator}{tail}."
    top = shown.loc[shown["mean"].idxmax()]
    return (f"{NAMES.get(indicator, indicator.capitalize())} was highest at site {top['site']} during "
            f"{_nice(top['stage'])} ({top['mean']:.0f} out of 100){tail}.")


def by_role(cells: pd.DataFrame) -> str:
    """The indicator on which roles differ most, and by how much."""
    shown = _shown(cells).dropna(subset=["mean"])
    shown = shown[~shown["role"].astype(str).str.startswith("(")]  # not "(anonymous)"
    best = None
    for indicator, rows in shown.groupby("indicator"):
        if len(rows) >= 2:
            hi, lo = rows.loc[rows["mean"].idxmax()], rows.loc[rows["mean"].idxmin()]
            if best is None or hi["mean"] - lo["mean"] > best[1]["mean"] - best[2]["mean"]:
                best = (indicator, hi, lo)
    if best is None:
        return "Too few people in each role answered to compare roles."
    indicator, hi, lo = best
    return (f"Roles differed most on {indicator}: {_nice(hi['role'])}s scored {hi['mean']:.0f} out of 100 "
            f"and {_nice(lo['role'])}s {lo['mean']:.0f}.")


def response(table: pd.DataFrame) -> str:
    shown = _shown(table).dropna(subset=["rate"])
    if shown.empty:
        return "No survey has closed with enough people due to show a response rate."
    first, last = shown.iloc[0], shown.iloc[-1]
    if len(shown) == 1:
        return f"{first['rate']:.0%} of due surveys were answered at {first['timepoint']}."
    verb = "fell" if last["rate"] < first["rate"] else "rose" if last["rate"] > first["rate"] else "stayed"
    return (f"The response rate {verb} from {first['rate']:.0%} at {first['timepoint']} to "
            f"{last['rate']:.0%} at {last['timepoint']} ({round(last['rate'] * 100)} out of every 100 "
            "people due).")


def completeness(table: pd.DataFrame) -> str:
    shown = _shown(table).dropna(subset=["break_off_share"])
    if shown.empty:
        return "Too few submissions to show how complete they were."
    worst = shown.loc[shown["break_off_share"].idxmax()]
    return (f"Most break-offs (under half the questions answered) were at {worst['timepoint']}: "
            f"{worst['break_off_share']:.0%} of submissions.")


def retention(curves: pd.DataFrame, day: int = 180) -> str:
    from engagement.retention import survival_at

    overall = curves[curves["breakdown"] == "all"]
    if overall.empty:
        return "Too few participants to draw a retention curve."
    horizon = min(day, int(overall["time"].max()))
    s = survival_at(overall, horizon)
    text = f"After {horizon} days, {s:.0%} of participants were still engaged"
    sites = curves[curves["breakdown"] == "site"]
    if sites["group"].nunique() >= 2:
        at = {g: survival_at(c, horizon) for g, c in sites.groupby("group")}
        at = {g: v for g, v in at.items() if not math.isnan(v)}
        if at:
            worst = min(at, key=lambda g: at[g])
            text += f"; site {worst} kept the fewest ({at[worst]:.0%})"
    return text + "."


def themes(table: pd.DataFrame) -> str:
    shown = _shown(table)
    if shown.empty:
        return "Too few people wrote comments to show themes."
    top = shown.iloc[0]
    return (f"The most common theme was \u201c{top['theme']}\u201d ({int(top['comments'])} comments; "
            f"average tone {top['tone']}, {top['negative_share']:.0%} negative).")


def all_captions(v: DashboardView) -> dict[str, str]:
    f = v.filters
    where = f" at site {f.site}" if f.site else ""
    where += f" among {f.role}s" if f.role else ""
    return {
        "timeline": timeline(v.changes.assign(to_mean=_to_means(v)), where),
        **{f"heatmap:{i}": heatmap(v.heatmap, i, v.threshold) for i in sorted(set(v.heatmap["indicator"]))},
        "by_role": by_role(v.by_role),
        "response": response(v.response),
        "completeness": completeness(v.completeness),
        "retention": retention(v.retention),
        "themes": themes(v.themes),
    }


def _to_means(v: DashboardView) -> pd.Series:
    means = v.timeline.set_index(["indicator", "stage"])["mean"]
    keys = list(zip(v.changes["indicator"], v.changes["to_stage"], strict=True))
    return pd.Series([means.get(k) for k in keys], index=v.changes.index, dtype=float)
