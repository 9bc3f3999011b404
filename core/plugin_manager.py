"""The process's pluggy PluginManager, as older callers know it: a thin view of
core.plugin_host (use `plugin_host()` and its typed methods in new code).

`register` here registers an *always-on* plugin (asked for every tenant, like core's own
defaults); tenant plugins come from entry points and are enabled per tenant.
"""

from __future__ import annotations

from typing import Any

import pluggy

from core.plugin_host import plugin_host


def plugin_manager() -> pluggy.PluginManager:
    return plugin_host().pm


def register(plugin: Any, name: str | None = None) -> str | None:
    """Register an always-on plugin (module or object with `@hookimpl` functions)."""
    return plugin_host().register(plugin, name, always_on=True)


def unregister(plugin: Any) -> None:
    plugin_host().unregister(plugin)
