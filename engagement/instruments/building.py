"""Build immutable Instrument objects from checked canonical content."""

from __future__ import annotations

from typing import Any

from engagement.instruments.model import Choice, Instrument, Item, Scale, Subscale, Translation


def _choices(raw: list[dict[str, Any]]) -> tuple[Choice, ...]:
    return tuple(Choice(float(c["value"]), c["label"]) for c in raw)


def build(content: dict[str, Any]) -> Instrument:
    scales = {}
    for sid, sc in content["scales"].items():
        rng = sc["range"]
        scales[sid] = Scale(id=sid, choices=_choices(sc["choices"]), missing=_choices(sc["missing"]),
                            range=(float(rng["min"]), float(rng["max"]), float(rng["step"])) if rng else None)
    items = tuple(Item(id=it["id"], text=it["text"], type=it["type"], scale=it["scale"],
                       required=it["required"], help=it["help"]) for it in content["items"])
    subscales = tuple(
        Subscale(id=s["id"], title=s["title"] or s["id"], indicator=s["indicator"], items=tuple(s["items"]),
                 reverse=tuple(s["reverse"]), method=s["method"], min_answered=float(s["min_answered"]),
                 rescale=(float(s["rescale"][0]), float(s["rescale"][1])) if s["rescale"] else None,
                 higher_is=s["higher_is"], top_values=tuple(float(v) for v in s["top_values"]))
        for s in content["subscales"])
    translations = {lang: Translation(title=tr["title"], description=tr["description"],
                                      items=tr["items"], scales=tr["scales"])
                    for lang, tr in content["translations"].items()}
    return Instrument(id=content["id"], version=content["version"], title=content["title"], items=items,
                      scales=scales, subscales=subscales, description=content["description"],
                      language=content["language"], audience=tuple(content["audience"]),
                      translations=translations, content=content)
