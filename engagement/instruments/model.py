"""Immutable instrument objects, built only by engagement.instruments.building after validation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from engagement.errors import fail
from engagement.types import canonical_json

ITEM_TYPES = ("choice", "text", "number")
INDICATORS = ("burden", "trust", "engagement", "experience", "other")
METHODS = ("mean", "sum", "top_box")
DIRECTIONS = ("better", "worse", "neutral")
AUDIENCES = ("patient", "caregiver", "advocate", "site_staff", "other")


def value_key(value: float) -> str:
    """The text form of a scale value, used as a JSON key (translations) and in messages."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Choice:
    value: float
    label: str


@dataclass(frozen=True)
class Scale:
    id: str
    choices: tuple[Choice, ...] = ()
    missing: tuple[Choice, ...] = ()
    range: tuple[float, float, float] | None = None  # (min, max, step) for sliders and numbers

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(c.value for c in self.choices)

    @property
    def missing_codes(self) -> tuple[float, ...]:
        return tuple(c.value for c in self.missing)

    @property
    def min(self) -> float:
        return self.range[0] if self.range else min(self.values)

    @property
    def max(self) -> float:
        return self.range[1] if self.range else max(self.values)

    def label(self, value: float) -> str | None:
        for c in (*self.choices, *self.missing):
            if c.value == value:
                return c.label
        return None

    def is_valid(self, value: float) -> bool:
        if self.range:
            return self.range[0] <= value <= self.range[1]
        return value in self.values


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    type: str = "choice"
    scale: str | None = None
    required: bool = False
    help: str = ""

    @property
    def scored(self) -> bool:
        return self.type != "text" and self.scale is not None


@dataclass(frozen=True)
class Subscale:
    id: str
    indicator: str
    items: tuple[str, ...]
    higher_is: str
    title: str = ""
    reverse: tuple[str, ...] = ()
    method: str = "mean"
    min_answered: float = 0.5
    rescale: tuple[float, float] | None = (0.0, 100.0)
    top_values: tuple[float, ...] = ()  # top_box only; empty means the scale's highest value


@dataclass(frozen=True)
class Translation:
    title: str = ""
    description: str = ""
    items: dict[str, dict[str, str]] = field(default_factory=dict)   # item id -> {text, help}
    scales: dict[str, dict[str, str]] = field(default_factory=dict)  # scale id -> {value key: label}


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: str
    items: tuple[Item, ...]
    scales: dict[str, Scale] = field(default_factory=dict)
    subscales: tuple[Subscale, ...] = ()
    description: str = ""
    language: str = "en"
    audience: tuple[str, ...] = ()
    translations: dict[str, Translation] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def to_content(self) -> dict[str, Any]:
        """The canonical, JSON-able content (defaults filled in); what is stored and hashed."""
        import copy

        return copy.deepcopy(self.content)

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.content).encode("utf-8")).hexdigest()

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise fail("B117", f"instrument {self.id} {self.version} has no item {item_id!r}",
                   item=item_id)

    def has_item(self, item_id: str) -> bool:
        return any(it.id == item_id for it in self.items)

    def subscale(self, subscale_id: str) -> Subscale:
        for s in self.subscales:
            if s.id == subscale_id:
                return s
        raise fail("E002", f"instrument {self.id} {self.version} has no subscale {subscale_id!r}",
                   item=subscale_id)

    def scale_of(self, item_id: str) -> Scale | None:
        it = self.item(item_id)
        return self.scales.get(it.scale) if it.scale else None

    def text_items(self) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.type == "text")

    def scored_items(self) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.scored)

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *sorted(self.translations))

    def localized(self, lang: str) -> Instrument:
        """Texts and labels in `lang` where a translation gives them; the original elsewhere.

        The result keeps the original content and hash: a translation is a view, not a new version.
        """
        tr = self.translations.get(lang)
        if tr is None or lang == self.language:
            return self
        items = tuple(replace(it, text=tr.items.get(it.id, {}).get("text") or it.text,
                              help=tr.items.get(it.id, {}).get("help") or it.help)
                      for it in self.items)
        scales = {sid: _localized_scale(sc, tr.scales.get(sid, {})) for sid, sc in self.scales.items()}
        loc = replace(self, title=tr.title or self.title, description=tr.description or self.description,
                      items=items, scales=scales)
        # cached_property lives in the instance dict; copy the original hash rather than recomputing it
        loc.__dict__["content_hash"] = self.content_hash
        return loc


def _localized_scale(scale: Scale, labels: dict[str, str]) -> Scale:
    if not labels:
        return scale

    def swap(cs: tuple[Choice, ...]) -> tuple[Choice, ...]:
        return tuple(Choice(c.value, labels.get(value_key(c.value)) or c.label) for c in cs)

    return replace(scale, choices=swap(scale.choices), missing=swap(scale.missing))
