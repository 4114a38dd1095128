"""Synthetic study frames for tests and benchmarks (not the demo study: engagement/demo.py makes that).

Rising burden and falling trust make missed surveys and withdrawals likelier, with plenty of noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engagement.risk.frames import RiskFrames, make_frames

START_DAY = 20_000  # 2024-10-04; any fixed day will do


def simulate(
    n: int = 2000,
    *,
    seed: int = 7,
    n_sites: int = 10,
    n_timepoints: int = 8,
    step_days: int = 28,
    window_days: int = 14,
    enrol_span: int = 365,
) -> RiskFrames:
    rng = np.random.default_rng(seed)
    pid = np.arange(1, n + 1)
    site = rng.integers(1, n_sites + 1, n)
    enrolled = START_DAY + rng.integers(0, enrol_span, n)
    role = rng.choice(["patient", "caregiver", "advocate"], n, p=[0.7, 0.2, 0.1])
    schedule = pd.DataFrame(
        {
            "tp_id": np.arange(1, n_timepoints + 1),
            "tp_code": [f"T{k}" for k in range(n_timepoints)],
            "stage_order": 1 + np.arange(n_timepoints) * 3 // n_timepoints,
            "due_day": np.arange(n_timepoints) * step_days,
            "window_days": window_days,
        }
    )
    schedule["stage"] = "stage" + schedule["stage_order"].astype(str)
    frailty = rng.normal(0, 1, n) + 0.3 * (site - n_sites / 2) / n_sites
    burden = np.clip(40 + 10 * frailty + rng.normal(0, 8, n), 0, 100)
    trust = np.clip(70 - 8 * frailty + rng.normal(0, 8, n), 0, 100)
    alive = np.ones(n, dtype=bool)
    missed_prev = np.zeros(n, dtype=bool)
    end = START_DAY + enrol_span + n_timepoints * step_days
    subs, scores, comments, status = [], [], [], []
    sub_id = 0
    for k in range(n_timepoints):
        shock = rng.normal(0, 1, n) + 0.25 * frailty
        burden = np.clip(burden + 6 * shock + rng.normal(0, 4, n), 0, 100)
        trust = np.clip(trust - 4 * shock + rng.normal(0, 4, n), 0, 100)
        due = enrolled + k * step_days
        risk = -2.6 + 0.05 * (burden - 45) - 0.04 * (trust - 65) + 1.0 * missed_prev + 0.4 * shock
        miss = rng.random(n) < 1 / (1 + np.exp(-risk))
        withdraw = alive & (rng.random(n) < 0.4 / (1 + np.exp(-(risk - 1.5))))
        w_day = due - rng.integers(1, step_days, n)
        for i in np.flatnonzero(withdraw & (w_day <= end) & (k > 0)):
            status.append((pid[i], "withdrawn", int(w_day[i])))
        alive &= ~(withdraw & (k > 0))
        answer = alive & ~miss & (due <= end)
        late = rng.random(n) < 0.1
        lag = np.where(late, window_days + rng.integers(1, 10, n), rng.integers(0, window_days + 1, n))
        for i in np.flatnonzero(answer):
            sub_id += 1
            subs.append((sub_id, pid[i], k + 1, int(due[i] + lag[i])))
            scores.append((sub_id, "burden", float(burden[i])))
            scores.append((sub_id, "trust", float(trust[i])))
            scores.append((sub_id, "engagement", float(np.clip(100 - burden[i] + rng.normal(0, 10), 0, 100))))
            if rng.random() < 0.4:
                comments.append((sub_id, float(np.tanh((55 - burden[i]) / 20 + rng.normal(0, 0.5)))))
        missed_prev = alive & miss
    participants = pd.DataFrame(
        {
            "pid": pid,
            "code": [f"P{i:06d}" for i in pid],
            "site_id": site,
            "site": [f"S{s:02d}" for s in site],
            "role": role,
            "enrolled": enrolled,
            "status": "active",
            "status_day": enrolled,
        }
    )
    finish = enrolled + (n_timepoints - 1) * step_days + window_days + 1
    for i in np.flatnonzero(alive & (finish <= end)):
        status.append((pid[i], "completed", int(finish[i])))
    st = pd.DataFrame(status, columns=["pid", "status", "day"])
    last = st.sort_values("day").groupby("pid").last()
    has = participants["pid"].isin(last.index)
    participants.loc[has, "status"] = last["status"].reindex(participants.loc[has, "pid"]).to_numpy()
    participants.loc[has, "status_day"] = last["day"].reindex(participants.loc[has, "pid"]).to_numpy()
    sub_frame = pd.DataFrame(subs, columns=["sub_id", "pid", "tp_id", "day"])
    sub_frame["tp_id"] = sub_frame["tp_id"].astype("float64")
    return make_frames(
        "SIM",
        participants,
        st,
        schedule,
        sub_frame,
        scores=pd.DataFrame(scores, columns=["sub_id", "indicator", "value"]),
        comments=pd.DataFrame(comments, columns=["sub_id", "sentiment"]),
    )
