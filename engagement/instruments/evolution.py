"""Rules between versions of one instrument: an item id keeps its meaning for ever.

Rewording an item's text or labels is allowed (the id survives rewording). Changing what its answers
are — its type, or the values and range it is answered on — means a new item, so it needs a new id:
otherwise scores across versions would mix different questions under one id.
"""

from __future__ import annotations

from collections.abc import Iterable

from engagement.errors import Problem
from engagement.instruments.model import Instrument, value_key


def answer_signature(instrument: Instrument, item_id: str) -> tuple[object, ...]:
    it = instrument.item(item_id)
    sc = instrument.scales.get(it.scale) if it.scale else None
    if sc is None:
        return (it.type,)
    return (it.type, sc.values, sc.range)


def _describe(sig: tuple[object, ...]) -> str:
    if len(sig) == 1:
        return f"type {sig[0]}"
    values, rng = sig[1], sig[2]
    if rng:
        return f"type {sig[0]}, range {value_key(rng[0])}..{value_key(rng[1])}"  # type: ignore[index]
    return f"type {sig[0]}, values {', '.join(value_key(v) for v in values)}"  # type: ignore[union-attr]


def check_evolution(previous: Iterable[Instrument], new: Instrument,
                    origin: str | None = None) -> list[Problem]:
    problems = []
    for old in previous:
        if old.id != new.id:
            continue
        for it in new.items:
            if not old.has_item(it.id):
                continue
            before, after = answer_signature(old, it.id), answer_signature(new, it.id)
            if before != after:
                problems.append(Problem(
                    "I314", f"in version {old.version} item {it.id!r} had {_describe(before)}; "
                    f"version {new.version} gives it {_describe(after)}",
                    file=origin or f"{new.id} {new.version}", item=it.id))
    return problems
