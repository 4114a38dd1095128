"""Tiny inline instruments for tests: a valid base and helpers to break one thing at a time."""

from __future__ import annotations

import copy
from typing import Any

import yaml

BASE_YAML = """
id: tiny
version: 1.0.0
title: Tiny form
scales:
  agree5:
    choices: [{value: 1, label: No}, {value: 2, label: Rather no}, {value: 3, label: Unsure},
              {value: 4, label: Rather yes}, {value: 5, label: Yes}]
    missing: [{value: -99, label: Does not apply}]
items:
  - {id: a, text: First question, scale: agree5}
  - {id: b, text: Second question, scale: agree5}
  - {id: c, text: Third question, scale: agree5}
  - {id: note, text: "Anything else?", type: text}
subscales:
  - {id: s, indicator: burden, items: [a, b, c], reverse: [c], higher_is: worse}
"""


def base() -> dict[str, Any]:
    from engagement.instruments.loading import _Loader

    return copy.deepcopy(yaml.load(BASE_YAML, Loader=_Loader))  # noqa: S506 - a SafeLoader


def with_subscale(**changes: Any) -> dict[str, Any]:
    form = base()
    form["subscales"][0].update(changes)
    return form
