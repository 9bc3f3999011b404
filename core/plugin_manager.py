"""The one pluggy PluginManager of the process, with core's hookspecs (core.hookspecs).

Plugins are registered here (`register`/`unregister`; tests register their own). Discovery
through entry points and per-tenant enablement come later (issue 7).
"""

from __future__ import annotations

from typing import Any

import pluggy

from core import hookspecs

_manager: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    global _manager
    if _manager is None:
        manager = pluggy.PluginManager(hookspecs.PROJECT)
        manager.add_hookspecs(hookspecs)
        _manager = manager
    return _manager


def register(plugin: Any, name: str | None = None) -> str | None:
    """Register a plugin (module or object with `@hookimpl` functions); returns its name."""
    manager = plugin_manager()
    name = manager.register(plugin, name=name)
    manager.check_pending()
    return name


def unregister(plugin: Any) -> None:
    plugin_manager().unregister(plugin)


def has_implementations(hook_name: str) -> bool:
    """Whether any registered plugin implements `hook_name`."""
    return bool(getattr(plugin_manager().hook, hook_name).get_hookimpls())
