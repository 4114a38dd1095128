"""Generate the demo study as a native bundle (folder of CSV files; see docs/bundle.md).

The data is simulated, not sampled: every person has latent burden, trust, experience and engagement
that move over the study, answers are drawn from those latents item by item (reverse-keyed items
answered the other way), and missed surveys, withdrawals and losses to follow-up come from a hazard
that rises with burden and falling trust measured at the previous timepoint. So a model trained on
these files finds a real, lagged signal, not a label copied into a feature.

Same seed and sizes give byte-identical files.
"""

from __future__ import annotations

import csv
import itertools
import math
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from engagement import demo_comments as bank
from engagement.errors import EngagementError, Problem, fail

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SURVEYS_DIR = Path(__file__).resolve().parents[1] / "surveys"
TODAY = np.datetime64("2026-11-21", "D")  # the demo's "now": nothing in the bundle lies after it
PROTOCOL_DAYS = 548  # each patient's time on study, enrolment to completion (18 months)

STUDY_ID = "DEMO-ONC-01"
STUDY = {
    "study_id": STUDY_ID,
    "title": "A new tablet treatment for advanced bowel cancer (demo study)",
    "sponsor": "Lumenvale Oncology Ltd (fictional)",
    "registry_id": "EU CT 2024-512345-12-00; NCT06543210",
    "current_stage": "follow_up",
}

# (stage, planned start, planned end, actual start, actual end). The study runs about nine months
# behind plan (recruitment started late and took longer): a slip the dashboards should make visible.
STAGES: tuple[tuple[str, str, str, str, str], ...] = (
    ("protocol_design", "2024-01-08", "2024-03-29", "2024-01-15", "2024-04-12"),
    ("start_up", "2024-04-01", "2024-06-28", "2024-04-15", "2024-10-31"),
    ("recruitment", "2024-07-01", "2025-01-31", "2024-11-04", "2025-09-26"),
    ("active_treatment", "2025-02-03", "2025-09-30", "2025-09-29", "2026-05-29"),
    ("follow_up", "2025-10-01", "2026-06-30", "2026-06-01", ""),
    ("close_out", "2026-07-01", "2026-09-30", "", ""),
    ("results_dissemination", "2026-10-01", "2026-11-20", "", ""),
)
RECRUIT_START = np.datetime64("2024-11-04", "D")
RECRUIT_END = np.datetime64("2025-09-26", "D")
PANEL_START = np.datetime64("2024-01-15", "D")  # advocates join the advisory panel from protocol design
PANEL_END = np.datetime64("2024-05-31", "D")


@dataclass(frozen=True)
class SiteSpec:
    site_id: str
    name: str
    country: str
    weight: float      # share of enrolment
    start_lag: int     # days after recruitment opens that the site activates
    treatment_burden: float  # how strongly burden rises during active treatment (the "hot" sites)
    language: str      # language most local comments are written in


SITES: tuple[SiteSpec, ...] = (
    SiteSpec("S01", "Northgate University Hospital", "GB", 0.20, 0, 0.15, "en"),
    SiteSpec("S02", "Riverside Cancer Centre", "GB", 0.16, 21, 1.80, "en"),
    SiteSpec("S03", "Hôpital Universitaire Saint-Aubin", "FR", 0.18, 35, 0.80, "fr"),
    SiteSpec("S04", "Centre Hospitalier des Tilleuls", "FR", 0.14, 56, 0.15, "fr"),
    SiteSpec("S05", "Hospital Universitario Sierra Clara", "ES", 0.18, 42, 1.80, "es"),
    SiteSpec("S06", "Klinikum am Lindenpark", "DE", 0.14, 90, 0.10, "en"),
)


@dataclass(frozen=True)
class TimepointSpec:
    timepoint_id: str
    stage: str
    instrument_id: str
    due_day: int
    window_days: int
    ramp: float  # share of a hot site's treatment burden present at this timepoint


PATIENT_SCHEDULE: tuple[TimepointSpec, ...] = (
    TimepointSpec("P1_consent", "recruitment", "participant-experience", 0, 14, 0.0),
    TimepointSpec("P2_early_burden", "active_treatment", "participant-burden", 42, 14, 0.35),
    TimepointSpec("P3_pulse", "active_treatment", "pulse-check", 112, 10, 0.8),
    TimepointSpec("P4_trust", "active_treatment", "trust-in-team", 182, 21, 1.0),
    TimepointSpec("P5_late_burden", "active_treatment", "participant-burden", 266, 21, 1.1),
    TimepointSpec("P6_followup_pulse", "follow_up", "pulse-check", 420, 21, 0.3),
)
ADVOCATE_SCHEDULE: tuple[TimepointSpec, ...] = (
    TimepointSpec("A1_panel_design", "protocol_design", "engagement-quality", 28, 21, 0.0),
    TimepointSpec("A2_panel_recruitment", "recruitment", "engagement-quality", 455, 21, 0.0),
)
INDICATORS = ("burden", "trust", "experience", "engagement")
# Where the average person sits on each construct: most people trust the team and feel respected,
# and most do not find taking part very hard.
INDICATOR_SHIFT = {"burden": -0.4, "trust": 0.8, "experience": 0.9, "engagement": 0.4, "other": 0.0}
ITEM_NOISE = 1.0     # per-answer noise; with the latent spread this puts alpha near 0.8
DOMAIN_NOISE = 0.35  # shared by the items of one subscale within a submission


# ------------------------------------------------------------------------------------ instruments


@dataclass(frozen=True)
class DemoItem:
    id: str
    values: tuple[float, ...]      # allowed answer values, ascending
    missing: tuple[float, ...]     # missing codes ("prefer not to say")
    indicator: str
    domain: str                    # the narrowest subscale holding the item: items share its noise
    sign: int                      # +1: a higher latent gives a higher value; -1: reverse-keyed
    required: bool


@dataclass(frozen=True)
class DemoInstrument:
    id: str
    version: str
    items: tuple[DemoItem, ...]    # numeric items, in form order
    text_items: tuple[str, ...]


def load_instruments(ids: Iterable[str], surveys_dir: Path = SURVEYS_DIR) -> dict[str, DemoInstrument]:
    return {i: _load_instrument(surveys_dir / f"{i}.yaml", i) for i in sorted(set(ids))}


def _load_instrument(path: Path, instrument_id: str) -> DemoInstrument:
    if not path.is_file():
        raise fail("D800", f"instrument {instrument_id!r} is needed by the demo schedule", file=str(path))
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 (safe loader)
        return _parse_instrument(raw, instrument_id)
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise fail("D801", f"{type(exc).__name__}: {exc}", file=str(path)) from exc


def _parse_instrument(raw: dict[str, Any], instrument_id: str) -> DemoInstrument:
    scales = {sid: _scale_values(s) for sid, s in (raw.get("scales") or {}).items()}
    roles = _item_roles(raw.get("subscales") or [])
    items, texts = [], []
    for it in raw["items"]:
        if it.get("type") == "text" or not it.get("scale"):
            texts.append(str(it["id"]))
            continue
        values, missing = scales[it["scale"]]
        indicator, domain, sign = roles.get(it["id"], ("experience", "_loose", 1))
        items.append(DemoItem(str(it["id"]), values, missing, indicator, domain, sign,
                              bool(it.get("required", False))))
    if not items:
        raise ValueError(f"instrument {instrument_id} has no scored item")
    return DemoInstrument(str(raw.get("id", instrument_id)), str(raw["version"]), tuple(items), tuple(texts))


def _scale_values(scale: dict[str, Any]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    def num(c: Any) -> float:
        return float(c["value"] if isinstance(c, dict) else c)

    if scale.get("choices"):
        values = tuple(sorted(num(c) for c in scale["choices"]))
    else:
        rng = scale["range"]
        step = float(rng.get("step", 1))
        count = round((float(rng["max"]) - float(rng["min"])) / step) + 1
        values = tuple(float(rng["min"]) + step * i for i in range(count))
    return values, tuple(num(c) for c in scale.get("missing") or ())


def _item_roles(subscales: Sequence[dict[str, Any]]) -> dict[str, tuple[str, str, int]]:
    """item -> (indicator, domain, sign), taken from the narrowest subscale that holds the item."""
    roles: dict[str, tuple[str, str, int]] = {}
    for sub in sorted(subscales, key=lambda s: (len(s["items"]), str(s["id"]))):
        indicator = str(sub.get("indicator", "other"))
        # A latent is "more of" its indicator; burden is the one construct where more is worse.
        aligned = (str(sub.get("higher_is", "better")) == "worse") == (indicator == "burden")
        for item in sub["items"]:
            if item not in roles:
                sign = (1 if aligned else -1) * (-1 if item in (sub.get("reverse") or ()) else 1)
                roles[item] = (indicator, str(sub["id"]), sign)
    return roles


# -------------------------------------------------------------------------------------- simulation


@dataclass
class Cohort:
    """People followed over one schedule; latents[indicator] has shape (n, len(schedule))."""

    ids: list[str]
    site: np.ndarray          # index into SITES
    role: list[str]
    enrolled: np.ndarray      # datetime64[D]
    latents: dict[str, np.ndarray]
    schedule: tuple[TimepointSpec, ...]
    status: list[str] | None = None
    status_date: np.ndarray | None = None
    submitted: np.ndarray | None = None   # bool (n, K)
    submit_ts: np.ndarray | None = None   # int64 seconds since epoch (n, K)


def _ar_noise(rng: np.random.Generator, n: int, k: int, sd: float, rho: float = 0.5) -> np.ndarray:
    out = np.empty((n, k))
    out[:, 0] = rng.normal(0, sd, n)
    for j in range(1, k):
        out[:, j] = rho * out[:, j - 1] + rng.normal(0, sd, n)
    return out


def _enrolment(rng: np.random.Generator, site: np.ndarray) -> np.ndarray:
    lag = np.array([s.start_lag for s in SITES])[site]
    span = (RECRUIT_END - RECRUIT_START).astype(int) - lag
    # Enrolment speeds up once a site is running: a square-root draw puts more people late.
    return RECRUIT_START + lag + np.floor(np.sqrt(rng.random(len(site))) * span).astype(int)


def _patient_cohort(rng: np.random.Generator, n: int) -> Cohort:
    k = len(PATIENT_SCHEDULE)
    weights = np.array([s.weight for s in SITES])
    site = rng.choice(len(SITES), size=n, p=weights / weights.sum())
    caregiver = rng.random(n) < 0.28
    enrolled = _enrolment(rng, site)
    hot = np.array([s.treatment_burden for s in SITES])[site]
    ramp = np.array([t.ramp for t in PATIENT_SCHEDULE])

    burden0 = rng.normal(0, 0.6, n) - 0.15 * caregiver
    slope = rng.normal(0, 0.15, n)
    spikes = np.zeros((n, k))  # side-effect flares that fade over the next timepoint
    for j in range(1, k):
        flare = (rng.random(n) < 0.10) * rng.uniform(0.8, 1.6, n) * (ramp[j] > 0.5)
        spikes[:, j] = 0.5 * spikes[:, j - 1] + flare
    burden = (burden0[:, None] + hot[:, None] * ramp[None, :] + spikes
              + slope[:, None] * np.arange(k) + _ar_noise(rng, n, k, 0.3))

    trust0 = rng.normal(0, 0.6, n)
    eroder = rng.random(n) < np.where(hot > 0.5, 0.40, 0.22)
    rate = rng.uniform(0.15, 0.4, n) * eroder
    rise = np.clip(burden - burden0[:, None], 0, None)
    trust = (trust0[:, None] - rate[:, None] * np.arange(k) - 0.35 * rise + _ar_noise(rng, n, k, 0.25))
    experience = (0.6 * trust0 + rng.normal(0, 0.9, n))[:, None] + 0.5 * (trust - trust0[:, None])
    engagement = 0.6 * trust - 0.6 * burden + rng.normal(0, 0.3, (n, k))
    ids = _site_codes(site)
    order = np.argsort(ids, kind="stable")  # rows and random streams follow participant id order
    return Cohort(
        ids=[ids[i] for i in order], site=site[order],
        role=["caregiver" if caregiver[i] else "patient" for i in order], enrolled=enrolled[order],
        latents={"burden": burden[order], "trust": trust[order], "experience": experience[order],
                 "engagement": engagement[order]},
        schedule=PATIENT_SCHEDULE)


def _site_codes(site: np.ndarray) -> list[str]:
    width = max(4, len(str(len(site))))
    counters = [0] * len(SITES)
    codes = []
    for s in site.tolist():
        counters[s] += 1
        codes.append(f"{SITES[s].site_id}-{counters[s]:0{width}d}")
    return codes


def _advocate_cohort(rng: np.random.Generator, n: int) -> Cohort:
    k = len(ADVOCATE_SCHEDULE)
    site = np.arange(n) % len(SITES)
    span = (PANEL_END - PANEL_START).astype(int)
    enrolled = PANEL_START + np.floor(rng.random(n) * span).astype(int)
    engaged0 = rng.normal(0, 0.7, n)
    fading = (rng.random(n) < 0.3) * rng.uniform(0.3, 0.9, n)  # a panel member who feels ignored
    engagement = engaged0[:, None] - fading[:, None] * np.arange(k) + _ar_noise(rng, n, k, 0.25)
    width = max(3, len(str(n)))
    zeros = np.zeros((n, k))
    return Cohort(ids=[f"ADV-{i + 1:0{width}d}" for i in range(n)], site=site, role=["advocate"] * n,
                  enrolled=enrolled,
                  latents={"burden": -engagement / 2, "trust": engagement, "experience": engagement,
                           "engagement": engagement + zeros},
                  schedule=ADVOCATE_SCHEDULE)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Hazard:
    """Logit coefficients for leaving the study before timepoint k and for missing timepoint k."""

    leave0: float
    leave_burden: float
    leave_trust: float
    miss0: float
    miss_burden: float
    miss_trust: float


PATIENT_HAZARD = Hazard(-4.9, 1.4, -0.9, -2.7, 1.1, -0.6)
ADVOCATE_HAZARD = Hazard(-3.0, 0.0, -1.0, -1.8, 0.0, -0.9)


@dataclass
class _Fate:
    """Where each person stands while the cohort is walked through its schedule."""

    alive: np.ndarray        # still taking part
    status: np.ndarray
    status_date: np.ndarray  # int days since epoch

    def end(self, who: np.ndarray, status: np.ndarray | str, when: np.ndarray) -> None:
        self.status[who] = status if isinstance(status, str) else status[who]
        self.status_date[who] = when[who]
        self.alive &= ~who


def _follow(rng: np.random.Generator, c: Cohort, hz: Hazard) -> None:
    """Walk the cohort through its schedule: who answers when, who misses, who leaves, who completes."""
    n, k = len(c.ids), len(c.schedule)
    today = TODAY.astype(int)
    enrolled = c.enrolled.astype(int)
    burden, trust = c.latents["burden"], c.latents["trust"]
    frailty = rng.normal(0, 0.6, n)  # some people miss surveys whatever their state
    fate = _Fate(np.ones(n, bool), np.array(["active"] * n, dtype=object), enrolled.copy())
    submitted = np.zeros((n, k), bool)
    ts = np.zeros((n, k), np.int64)
    miss_run = np.zeros(n, int)
    for j, tp in enumerate(c.schedule):
        due = enrolled + tp.due_day
        if j > 0:  # leaving in the gap before this timepoint depends on the state at the last one
            prev = c.schedule[j - 1]
            logit = hz.leave0 + hz.leave_burden * burden[:, j - 1] + hz.leave_trust * trust[:, j - 1]
            _leave(rng, logit, fate, enrolled + prev.due_day + prev.window_days + 1, due)
        miss_logit = hz.miss0 + hz.miss_burden * burden[:, j] + hz.miss_trust * trust[:, j] + frailty
        misses = rng.random(n) < _sigmoid(miss_logit)
        day = due + np.floor(tp.window_days * rng.beta(1.0, 2.2, n)).astype(int)
        seconds = rng.integers(7 * 3600, 22 * 3600, n)
        done = fate.alive & ~misses & (day <= today)
        submitted[:, j] = done
        ts[:, j] = day.astype(np.int64) * 86400 + seconds
        closed = fate.alive & ~done & (due + tp.window_days < today)
        miss_run = np.where(done, 0, np.where(closed, miss_run + 1, miss_run))
        # Two missed surveys in a row: the site often cannot reach the person any more.
        when = due + tp.window_days + rng.integers(14, 61, n)
        fate.end(fate.alive & (miss_run >= 2) & (rng.random(n) < 0.45) & (when <= today),
                 "lost_to_follow_up", when)
    last = c.schedule[-1]
    logit = hz.leave0 + hz.leave_burden * burden[:, -1] + hz.leave_trust * trust[:, -1]
    _leave(rng, logit, fate, enrolled + last.due_day + last.window_days + 1, enrolled + PROTOCOL_DAYS)
    if c.schedule is PATIENT_SCHEDULE:  # advocates stay on the panel for the life of the study
        finish = enrolled + PROTOCOL_DAYS
        fate.end(fate.alive & (finish <= today), "completed", finish)
    c.status, c.status_date = list(fate.status), fate.status_date.astype("datetime64[D]")
    c.submitted, c.submit_ts = submitted, ts


def _leave(rng: np.random.Generator, logit: np.ndarray, fate: _Fate, start: np.ndarray,
           end: np.ndarray) -> None:
    n = len(logit)
    leaves = rng.random(n) < _sigmoid(logit + rng.normal(0, 0.5, n))
    when = start + np.floor(rng.random(n) * np.maximum(end - start, 1)).astype(int)
    kind = np.where(rng.random(n) < 0.8, "withdrawn", "lost_to_follow_up")
    fate.end(fate.alive & leaves & (when <= TODAY.astype(int)), kind, when)


# ----------------------------------------------------------------------------------------- answers


@dataclass
class Answers:
    """All submissions of one timepoint: who, when, and the answer matrix."""

    cohort: Cohort
    tp: TimepointSpec
    instrument: DemoInstrument
    people: np.ndarray        # row index into the cohort
    ts: np.ndarray            # int64 seconds
    values: np.ndarray        # float (n_sub, n_items)
    answered: np.ndarray      # bool (n_sub, n_items)
    tone: np.ndarray          # how the person feels overall, for comment tone


def _thresholds(count: int) -> np.ndarray:
    half = 1.5 if count <= 7 else 2.2
    return np.linspace(-half, half, count - 1)


def _answer_matrix(rng: np.random.Generator, inst: DemoInstrument, lat: dict[str, np.ndarray],
                   offsets: dict[str, float]) -> np.ndarray:
    m = len(next(iter(lat.values())))
    domains = {d: rng.normal(0, DOMAIN_NOISE, m) for d in sorted({it.domain for it in inst.items})}
    out = np.empty((m, len(inst.items)))
    for col, it in enumerate(inst.items):
        base = lat.get(it.indicator, lat["experience"]) + INDICATOR_SHIFT.get(it.indicator, 0.0)
        y = it.sign * (base + domains[it.domain]) + offsets[it.id] + rng.normal(0, ITEM_NOISE, m)
        out[:, col] = np.asarray(it.values)[np.searchsorted(_thresholds(len(it.values)), y)]
    return out


def _answered_mask(rng: np.random.Generator, inst: DemoInstrument, burden: np.ndarray) -> np.ndarray:
    """Most forms are complete; some skip optional items; a few break off part-way (more when burdened)."""
    m, p = len(burden), len(inst.items)
    mask = np.ones((m, p), bool)
    optional = np.array([not it.required for it in inst.items])
    partial = rng.random(m) < 0.07
    mask[partial] &= ~((rng.random((m, p)) < 0.35) & optional)[partial]
    if p >= 4:
        breaks = rng.random(m) < 0.02 + 0.03 * (burden > 1.0)
        keep = rng.integers(1, max(2, math.ceil(p / 2)), m)
        mask[breaks] &= (np.arange(p)[None, :] < keep[:, None])[breaks]
    mask[:, 0] |= ~mask.any(axis=1)  # a submission always carries at least one answer
    return mask


def _apply_missing_codes(rng: np.random.Generator, inst: DemoInstrument, values: np.ndarray,
                         mask: np.ndarray) -> None:
    for col, it in enumerate(inst.items):
        if it.missing:
            hit = mask[:, col] & (rng.random(len(values)) < 0.02)
            values[hit, col] = np.asarray(it.missing)[rng.integers(0, len(it.missing), int(hit.sum()))]


def _timepoint_answers(rng: np.random.Generator, c: Cohort, j: int, inst: DemoInstrument,
                       offsets: dict[str, float]) -> Answers:
    assert c.submitted is not None
    assert c.submit_ts is not None
    people = np.flatnonzero(c.submitted[:, j])
    lat = {ind: c.latents[ind][people, j] for ind in INDICATORS}
    values = _answer_matrix(rng, inst, lat, offsets)
    mask = _answered_mask(rng, inst, lat["burden"])
    _apply_missing_codes(rng, inst, values, mask)
    tone = 0.5 * (lat["trust"] + lat["experience"]) - lat["burden"] + rng.normal(0, 0.5, len(people))
    return Answers(c, c.schedule[j], inst, people, c.submit_ts[people, j], values, mask, tone)


def _anonymous_answers(rng: np.random.Generator, inst: DemoInstrument, n: int,
                       offsets: dict[str, float]) -> Answers:
    """Quick check-ins through the study's public link: no participant, no timepoint."""
    burden, trust = rng.normal(0.3, 0.8, n), rng.normal(-0.1, 0.8, n)
    lat = {"burden": burden, "trust": trust, "experience": trust, "engagement": 0.6 * (trust - burden)}
    start = np.datetime64("2026-06-01", "D").astype(int)
    days = start + rng.integers(0, TODAY.astype(int) - start + 1, n)
    ts = days.astype(np.int64) * 86400 + rng.integers(7 * 3600, 22 * 3600, n)
    values = _answer_matrix(rng, inst, lat, offsets)
    mask = _answered_mask(rng, inst, burden)
    tone = trust - burden + rng.normal(0, 0.5, n)
    anon = Cohort(ids=[], site=np.zeros(0, int), role=[], enrolled=np.zeros(0, "datetime64[D]"),
                  latents={}, schedule=())
    return Answers(anon, TimepointSpec("", "", inst.id, 0, 0, 0.0), inst, np.full(n, -1), ts, values,
                   mask, tone)


# ---------------------------------------------------------------------------------------- comments


def _comments(rng: np.random.Generator, ans: Answers,
              country_lang: list[str]) -> list[tuple[int, str, str, bool, str]]:
    """(row in ans, item id, text, may_quote, language) for the submissions that leave a comment."""
    if not ans.instrument.text_items:
        return []
    m = len(ans.people)
    strength = np.clip(np.abs(ans.tone), 0, 1.5) / 1.5
    writes = rng.random(m) < 0.15 + 0.2 * strength  # strong feelings, good or bad, get written down
    rows = np.flatnonzero(writes)
    advocate = ans.tp.timepoint_id.startswith("A")
    out = []
    for r in rows.tolist():
        person = int(ans.people[r])
        lang = "en"
        if person >= 0 and not advocate:
            local = country_lang[int(ans.cohort.site[person])]
            lang = local if local != "en" and rng.random() < 0.6 else "en"
        tone = "neg" if ans.tone[r] < -0.5 else "pos" if ans.tone[r] > 0.8 else "neu"
        text = _sentence(rng, lang, tone, advocate)
        if rng.random() < 0.3:  # a second, often different-toned sentence
            text += " " + _sentence(rng, lang, ("neg", "pos", "neu")[int(rng.integers(0, 3))], advocate)
        out.append((r, ans.instrument.text_items[0], text, bool(rng.random() < 0.4), lang))
    return out


def _sentence(rng: np.random.Generator, lang: str, tone: str, advocate: bool) -> str:
    pool = bank.ADVOCATE_SENTENCES[tone] if advocate else bank.SENTENCES[lang][tone]
    return pool[int(rng.integers(0, len(pool)))]


def _plant_identifiers(rng: np.random.Generator, comments: list[list[Any]], langs: list[str]) -> None:
    """Add an e-mail, a phone number or a nurse's name to a few comments, so scrubbing shows its work."""
    if not comments:
        return
    count = min(len(comments), max(3, round(0.03 * len(comments))))
    for idx in sorted(rng.choice(len(comments), size=count, replace=False).tolist()):
        lang = langs[idx] if langs[idx] in bank.PLANTED else "en"
        pool = bank.PLANTED[lang]
        comments[idx][2] = f"{comments[idx][2]} {pool[idx % len(pool)]}"


# ---------------------------------------------------------------------------------------- writing


HEADERS = {
    "studies.csv": ("study_id", "title", "sponsor", "registry_id", "current_stage"),
    "stages.csv": ("study_id", "stage", "order", "planned_start", "planned_end", "actual_start",
                   "actual_end"),
    "sites.csv": ("study_id", "site_id", "name", "country"),
    "participants.csv": ("study_id", "participant_id", "site_id", "role", "enrolled_on", "status",
                         "status_date"),
    "schedule.csv": ("study_id", "timepoint_id", "stage", "instrument_id", "due_day", "window_days"),
    "responses.csv": ("submission_id", "study_id", "participant_id", "timepoint_id", "instrument_id",
                      "instrument_version", "submitted_at", "item_id", "value"),
    "comments.csv": ("submission_id", "item_id", "text", "may_quote"),
}


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for chunk in _chunks(rows, 50_000):
            w.writerows(chunk)
            count += len(chunk)
    return count


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _people_rows(cohorts: Sequence[Cohort]) -> list[tuple[str, ...]]:
    rows = []
    for c in cohorts:
        assert c.status is not None
        assert c.status_date is not None
        enrolled = np.datetime_as_string(c.enrolled).tolist()
        changed = np.datetime_as_string(c.status_date).tolist()
        for i, pid in enumerate(c.ids):
            rows.append((STUDY_ID, pid, SITES[int(c.site[i])].site_id, c.role[i], enrolled[i], c.status[i],
                         changed[i]))
    rows.sort(key=lambda r: r[1])
    return rows


def _static_rows() -> dict[str, list[tuple[Any, ...]]]:
    schedule = sorted((STUDY_ID, t.timepoint_id, t.stage, t.instrument_id, t.due_day, t.window_days)
                      for t in (*PATIENT_SCHEDULE, *ADVOCATE_SCHEDULE))
    return {
        "studies.csv": [tuple(STUDY[h] for h in HEADERS["studies.csv"])],
        "stages.csv": [(STUDY_ID, s[0], i + 1, *s[1:]) for i, s in enumerate(STAGES)],
        "sites.csv": [(STUDY_ID, s.site_id, s.name, s.country) for s in SITES],
        "schedule.csv": schedule,
    }


@dataclass
class _Submissions:
    """Submissions from every timepoint, numbered in time order (ids SUB-000001, ...)."""

    blocks: list[Answers]
    block: np.ndarray   # which Answers block each submission comes from
    row: np.ndarray     # row within that block
    ids: list[str]      # submission id of the submission with rank r
    rank_of: list[np.ndarray]  # per block: rank of each row


def _number(blocks: list[Answers]) -> _Submissions:
    block = np.concatenate([np.full(len(a.people), b) for b, a in enumerate(blocks)])
    row = np.concatenate([np.arange(len(a.people)) for a in blocks])
    ts = np.concatenate([a.ts for a in blocks])
    order = np.lexsort((row, block, ts))
    width = max(6, len(str(len(order))))
    ranks = np.empty(len(order), int)
    ranks[order] = np.arange(len(order))
    starts = np.cumsum([0] + [len(a.people) for a in blocks])
    ids = [f"SUB-{r + 1:0{width}d}" for r in range(len(order))]
    return _Submissions(blocks, block[order], row[order], ids,
                        [ranks[starts[b]:starts[b + 1]] for b in range(len(blocks))])


def _response_rows(subs: _Submissions) -> Iterable[tuple[str, ...]]:
    """One row per answer, ordered by submission id, then item id; built column-wise for speed."""
    ids = np.asarray(subs.ids, dtype=object)
    parts = [_block_columns(a, subs.rank_of[b], ids) for b, a in enumerate(subs.blocks) if len(a.people)]
    if not parts:
        return []
    rank = np.concatenate([p[0] for p in parts])
    order = np.argsort(rank, kind="stable")  # within a submission, items are already in id order
    cols = [np.concatenate([p[i] for p in parts])[order].tolist() for i in range(1, 10)]
    return zip(*cols, strict=True)


def _block_columns(a: Answers, ranks: np.ndarray, ids: np.ndarray) -> list[np.ndarray]:
    by_id = sorted(range(len(a.instrument.items)), key=lambda col: a.instrument.items[col].id)
    rows, cols = np.nonzero(a.answered[:, by_id])
    item_ids = np.asarray([a.instrument.items[c].id for c in by_id], dtype=object)
    uniq, inverse = np.unique(a.values[:, by_id][rows, cols], return_inverse=True)
    text = np.asarray([_fmt(v) for v in uniq], dtype=object)[inverse.ravel()]
    people = np.asarray([*a.cohort.ids, ""], dtype=object)[a.people]  # -1 (anonymous) picks ""
    when = np.char.add(np.datetime_as_string(a.ts.astype("datetime64[s]")), "Z").astype(object)
    n = len(rows)

    def same(value: str) -> np.ndarray:
        return np.full(n, value, dtype=object)

    return [ranks[rows], ids[ranks[rows]], same(STUDY_ID), people[rows], same(a.tp.timepoint_id),
            same(a.instrument.id), same(a.instrument.version), when[rows], item_ids[cols], text]


def _comment_rows(rng: np.random.Generator, subs: _Submissions) -> list[list[Any]]:
    site_lang = [s.language for s in SITES]
    rows: list[list[Any]] = []
    for b, a in enumerate(subs.blocks):
        for r, item_id, text, quote, lang in _comments(rng, a, site_lang):
            rows.append([subs.ids[int(subs.rank_of[b][r])], item_id, text, quote, lang])
    rows.sort(key=lambda x: (x[0], x[1]))
    _plant_identifiers(rng, rows, [x[4] for x in rows])
    return [[sid, item, text, "true" if quote else "false"] for sid, item, text, quote, _ in rows]


# ------------------------------------------------------------------------------------ entry points


def _check_sizes(participants: int, advocates: int, anonymous: int) -> None:
    problems = []
    if not 6 <= participants <= 200_000:
        problems.append(Problem("D802", "participants must be between 6 and 200000", item="participants",
                                value=str(participants)))
    if not 0 <= advocates <= 5_000:
        problems.append(Problem("D802", "advocates must be between 0 and 5000", item="advocates",
                                value=str(advocates)))
    if not 0 <= anonymous <= 100_000:
        problems.append(Problem("D802", "anonymous must be between 0 and 100000", item="anonymous",
                                value=str(anonymous)))
    if problems:
        raise EngagementError(problems)


def generate(out_dir: Path, participants: int = 600, advocates: int = 40, seed: int = 7, *,
             anonymous: int | None = None, surveys_dir: Path = SURVEYS_DIR) -> dict[str, int]:
    """Write the demo bundle into out_dir (created if needed); return the row count of each file.

    participants counts patients and caregivers; advocates join the study's advisory panel; anonymous
    quick check-ins through the public link default to one for every 25 participants.
    """
    anonymous = participants // 25 if anonymous is None else anonymous
    _check_sizes(participants, advocates, anonymous)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise fail("D803", "the output path exists and is not a folder", file=str(out_dir))
    schedule = (*PATIENT_SCHEDULE, *ADVOCATE_SCHEDULE)
    instruments = load_instruments([t.instrument_id for t in schedule] + ["pulse-check"], surveys_dir)
    rng = np.random.default_rng(seed)
    offsets = {f"{i.id}/{it.id}": float(rng.normal(0, 0.15)) for i in instruments.values() for it in i.items}
    cohorts = [_patient_cohort(rng, participants), _advocate_cohort(rng, advocates)]
    _follow(rng, cohorts[0], PATIENT_HAZARD)
    _follow(rng, cohorts[1], ADVOCATE_HAZARD)
    blocks = []
    for c in cohorts:
        for j, tp in enumerate(c.schedule):
            inst = instruments[tp.instrument_id]
            blocks.append(_timepoint_answers(rng, c, j, inst, _offsets_for(inst, offsets)))
    pulse = instruments["pulse-check"]
    blocks.append(_anonymous_answers(rng, pulse, anonymous, _offsets_for(pulse, offsets)))
    subs = _number(blocks)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, Iterable[Sequence[Any]]] = {
        **_static_rows(), "participants.csv": _people_rows(cohorts),
        "responses.csv": _response_rows(subs), "comments.csv": _comment_rows(rng, subs)}
    return {name: _write(out_dir / name, HEADERS[name], rows[name]) for name in HEADERS}


def _offsets_for(inst: DemoInstrument, offsets: dict[str, float]) -> dict[str, float]:
    return {it.id: offsets[f"{inst.id}/{it.id}"] for it in inst.items}


def write_zip(out_zip: Path, participants: int = 600, advocates: int = 40, seed: int = 7,
              **options: Any) -> dict[str, int]:
    """The same bundle as one .zip; entries carry a fixed date so the same seed gives the same bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        counts = generate(Path(tmp), participants, advocates, seed, **options)
        Path(out_zip).parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as z:
            for name in HEADERS:
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, (Path(tmp) / name).read_bytes())
    return counts


def main_out(out: Path, participants: int = 600, seed: int = 7, advocates: int = 40,
             echo: Callable[[str], None] = print) -> None:
    """`python -m engagement demo --out DIR|FILE.zip [--participants N] [--seed S]`."""
    out = Path(out)
    writer = write_zip if out.suffix.lower() == ".zip" else generate
    counts = writer(out, participants, advocates, seed)
    echo(f"demo bundle written to {out} (seed {seed})")
    for name, count in counts.items():
        echo(f"  {name}: {count} rows")
