"""Jargon that must be explained at first use, with plain alternatives; and promotional words.

Patterns are case-insensitive and word-bounded. Add a term by adding a line; docs/lay-summaries.md lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str
    pattern: re.Pattern[str]
    plain: str    # a plain alternative to use instead
    explain: str  # a short explanation to put in brackets at first use


def _t(name: str, pattern: str, plain: str, explain: str) -> Term:
    return Term(name, re.compile(rf"\b(?:{pattern})\b", re.I), plain, explain)


GLOSSARY: tuple[Term, ...] = (
    _t("placebo", r"placebos?", "dummy treatment",
       "a dummy treatment that looks like the medicine but has no medicine in it"),
    _t("randomised", r"randomi[sz](?:ed|ation|e|ing)|randomly assigned|randomly allocated",
       "put into groups by chance", "put into groups by chance, like tossing a coin"),
    _t("adverse event", r"(?:serious )?adverse events?", "medical problem",
       "a medical problem that happened during the study, whether or not the medicine caused it"),
    _t("adverse reaction", r"adverse (?:drug )?reactions?", "side effect",
       "a medical problem that the study doctors think the medicine caused"),
    _t("efficacy", r"efficacy|efficacious", "how well it works", "how well the medicine works"),
    _t("cohort", r"cohorts?", "group", "a group of people in the study"),
    _t("double-blind", r"double[- ]blind(?:ed)?", "nobody knew who got which treatment",
       "neither the participants nor the study doctors knew who got which treatment"),
    _t("single-blind", r"single[- ]blind(?:ed)?", "participants did not know which treatment they got",
       "the participants did not know which treatment they got"),
    _t("open-label", r"open[- ]label", "everyone knew which treatment they got",
       "everyone knew which treatment each person got"),
    _t("endpoint", r"(?:primary |secondary )?end[- ]?points?", "what the study measured",
       "what the study measured to answer its question"),
    _t("inclusion criteria", r"(?:inclusion|exclusion|eligibility) criteria", "who could join",
       "the rules about who could and could not join the study"),
    _t("investigational medicinal product", r"investigational (?:medicinal )?products?",
       "study medicine", "the medicine being tested"),
    _t("pharmacokinetics", r"pharmacokinetics?|pharmacodynamics?", "how the body handles the medicine",
       "how the body takes in, uses and gets rid of the medicine"),
    _t("statistically significant", r"statistically significant|statistical significance|p[- ]values?",
       "unlikely to be due to chance", "unlikely to be due to chance alone"),
    _t("confidence interval", r"confidence intervals?", "range the true result is likely to be in",
       "the range in which the true result probably lies"),
    _t("baseline", r"baseline", "the start of the study", "the start of the study, before treatment"),
    _t("comparator", r"comparators?", "the treatment it was compared with",
       "the treatment the medicine was compared with"),
    _t("tolerability", r"tolerability", "how well people coped with side effects",
       "how well people could cope with side effects"),
    _t("median", r"median", "middle value", "the middle value when all values are put in order"),
    _t("intravenous", r"intravenous(?:ly)?", "through a drip into a vein", "through a drip into a vein"),
    _t("subcutaneous", r"subcutaneous(?:ly)?", "injection under the skin", "an injection under the skin"),
    _t("biomarker", r"biomarkers?", "test result that shows how the disease is changing",
       "something measured in the body, such as a blood test, that shows how a disease is changing"),
)

_NEUTRAL = "Describe what was measured and what was found, in neutral words."
PROMOTIONAL: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (w, re.compile(rf"\b{p}\b", re.I), advice) for w, p, advice in (
        ("breakthrough", r"break-?throughs?", _NEUTRAL),
        ("miracle", r"miracles?|miraculous", _NEUTRAL),
        ("proven", r"proven", "Say what this one study found; one study does not prove a medicine works."),
        ("safe and effective", r"safe and effective",
         "Say which side effects people had and how many people the medicine helped."),
        ("best", r"best", "Say what was compared and what was found, not which is best."),
        ("revolutionary", r"revolutionary", _NEUTRAL),
        ("groundbreaking", r"ground-?breaking", _NEUTRAL),
        ("game-changer", r"game[- ]?chang(?:er|ers|ing)", _NEUTRAL),
        ("wonder drug", r"wonder (?:drug|medicine)s?", _NEUTRAL),
        ("cutting-edge", r"cutting[- ]edge", _NEUTRAL),
        ("life-saving", r"life-?saving", _NEUTRAL),
        ("guaranteed", r"guarantee[ds]?", "Results of one study cannot guarantee anything; remove it."),
        ("amazing", r"amazing|astonishing|spectacular|remarkable|outstanding|unprecedented", _NEUTRAL),
        ("completely safe", r"completely safe|totally safe|100% safe|risk-free", _NEUTRAL),
    ))
