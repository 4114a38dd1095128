"""Read a generated demo bundle back and compute what the tests check, with pandas and plain PyYAML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
SURVEYS = REPO / "surveys"
FILES = ("studies.csv", "stages.csv", "sites.csv", "participants.csv", "schedule.csv", "responses.csv",
         "comments.csv")


def read(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(folder / name, dtype=str, keep_default_na=False) for name in FILES}


def instruments() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SURVEYS.glob("*.yaml"))}


def allowed_values(inst: dict) -> dict[str, set[float]]:
    """item id -> values its scale allows (choices and missing codes)."""
    scales = {}
    for sid, scale in inst["scales"].items():
        vals = {float(c["value"]) for c in scale.get("choices", [])}
        vals |= {float(c["value"] if isinstance(c, dict) else c) for c in scale.get("missing") or []}
        scales[sid] = vals
    return {it["id"]: scales[it["scale"]] for it in inst["items"] if it.get("scale")}


def burden_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """Per submission: mean burden (0 none, 1 most) over burden items, reverse-keyed, missing codes out."""
    rows = []
    for iid, inst in instruments().items():
        lo_hi = {sid: (min(vals), max(vals)) for sid, s in inst["scales"].items() if s.get("choices")
                 for vals in [[float(c["value"]) for c in s["choices"]]]}
        scale_of = {it["id"]: it.get("scale") for it in inst["items"]}
        for sub in inst.get("subscales", []):
            if sub["indicator"] != "burden":
                continue
            for item in sub["items"]:
                lo, hi = lo_hi[scale_of[item]]
                rows.append((iid, item, lo, hi, item in (sub.get("reverse") or [])))
    keys = pd.DataFrame(rows, columns=["instrument_id", "item_id", "lo", "hi", "rev"]).drop_duplicates(
        ["instrument_id", "item_id"])
    x = responses.merge(keys, on=["instrument_id", "item_id"])
    x["v"] = x["value"].astype(float)
    x = x[(x["v"] >= x["lo"]) & (x["v"] <= x["hi"])].copy()
    x["s"] = (x["v"] - x["lo"]) / (x["hi"] - x["lo"])
    x.loc[x["rev"], "s"] = 1 - x.loc[x["rev"], "s"]
    return (x.groupby(["submission_id", "participant_id", "timepoint_id", "submitted_at"])["s"].mean()
            .rename("burden").reset_index())


def cronbach_alpha(responses: pd.DataFrame, instrument_id: str, subscale_id: str) -> float:
    inst = instruments()[instrument_id]
    sub = next(s for s in inst["subscales"] if s["id"] == subscale_id)
    r = responses[responses["instrument_id"] == instrument_id]
    wide = r.pivot(index="submission_id", columns="item_id", values="value").astype(float)
    m = wide[sub["items"]].where(wide[sub["items"]] >= 0).dropna()
    scale = inst["scales"][next(it["scale"] for it in inst["items"] if it["id"] == sub["items"][0])]
    flip = min(float(c["value"]) for c in scale["choices"]) + max(float(c["value"]) for c in scale["choices"])
    for item in sub.get("reverse") or []:
        m[item] = flip - m[item]
    k = m.shape[1]
    return float(k / (k - 1) * (1 - m.var().sum() / m.sum(axis=1).var()))


def withdrawal_ratio(bundle: dict[str, pd.DataFrame]) -> tuple[float, float]:
    """Share withdrawn among people whose last burden score is in the top quartile, and in the bottom."""
    scores = burden_scores(bundle["responses.csv"]).sort_values(["submitted_at", "submission_id"])
    last = scores.groupby("participant_id")["burden"].last()
    people = bundle["participants.csv"].set_index("participant_id").join(last, how="inner")
    q1, q3 = np.quantile(people["burden"], [0.25, 0.75])
    top = people[people["burden"] >= q3]
    bottom = people[people["burden"] <= q1]
    return float((top["status"] == "withdrawn").mean()), float((bottom["status"] == "withdrawn").mean())
