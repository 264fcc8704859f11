"""Declarative service items: one small module per item, registered here.

An item module defines a subclass of ``ItemDefinition`` (form schema, guide defaults,
materials, sensitivity, and the ``effect`` that calls the owning app's service) and
decorates it with ``@register``. ``load_items()`` imports every module of this package,
so adding an item is adding a module; apps above the hall declare theirs in an
``<app>.hall_items`` module, which ``load_items()`` imports too; ``sync_catalogue`` (services) writes the
registry into the catalogue tables. ADR 0010.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from shebao.hall.items.base import FieldSpec, GuideText, ItemDefinition, MaterialSpec, Subject

REGISTRY: dict[str, ItemDefinition] = {}
_loaded = False


def register(cls: type[ItemDefinition]) -> type[ItemDefinition]:
    item = cls()
    if item.code in REGISTRY and type(REGISTRY[item.code]) is not cls:
        raise ValueError(f"service item {item.code!r} registered twice")
    REGISTRY[item.code] = item
    return cls


def load_items() -> dict[str, ItemDefinition]:
    global _loaded
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        _load_app_items()
        _loaded = True
    return REGISTRY


def _load_app_items() -> None:
    """Extension point: an installed app above the hall (benefits …) may declare items in
    its own ``<app>.hall_items`` module, so the hall never imports it (ADR 0010)."""
    from django.apps import apps

    for config in apps.get_app_configs():
        if importlib.util.find_spec(config.name) is None:
            continue
        if importlib.util.find_spec(f"{config.name}.hall_items") is not None:
            importlib.import_module(f"{config.name}.hall_items")


def get_item(code: str) -> ItemDefinition | None:
    return load_items().get(code)


__all__ = [
    "REGISTRY",
    "FieldSpec",
    "GuideText",
    "ItemDefinition",
    "MaterialSpec",
    "Subject",
    "get_item",
    "load_items",
    "register",
]
