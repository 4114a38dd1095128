"""Instrument definitions: the YAML format, its checks, immutable objects and registered versions.

    from engagement.instruments import load
    burden = load("surveys/participant-burden.yaml")

Pipeline (one module per stage): loading reads the file, normalise gives canonical content, checks
finds problems of meaning, building makes the frozen objects; registry stores versions.
"""

from engagement.instruments.evolution import check_evolution
from engagement.instruments.loading import builtin_paths, check, from_content, load, load_builtin
from engagement.instruments.model import Choice, Instrument, Item, Scale, Subscale, Translation, value_key

__all__ = ["Choice", "Instrument", "Item", "Scale", "Subscale", "Translation", "builtin_paths", "check",
           "check_evolution", "from_content", "load", "load_builtin", "registry", "value_key"]


def __getattr__(name: str):  # registry imports the ORM; load it only when asked for
    if name == "registry":
        import importlib

        return importlib.import_module("engagement.instruments.registry")
    raise AttributeError(name)
