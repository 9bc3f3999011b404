"""How a plugin presents itself to a tenant's admin: a display name and a one-sentence
description, each in fi, sv and en.

A plugin module declares `ABOUT = PluginAbout(...)` (plugins/README.md). It is an attribute,
not a hook, because the admin page describes every allowed plugin, also those the tenant has
not enabled, and hooks are asked only of enabled ones. A plugin without one is shown by its
entry-point name.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class PluginAbout:
    name: dict[str, str]  # {"fi": ..., "sv": ..., "en": ...}
    description: dict[str, str]

    def __post_init__(self) -> None:
        for field in ("name", "description"):
            missing = [lang for lang in LANGUAGES if not getattr(self, field).get(lang)]
            if missing:
                raise ValueError(f"plugin {field} needs words in {', '.join(missing)}")

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.name["fi"]

    def description_in(self, language: str) -> str:
        return self.description.get(language) or self.description["fi"]
