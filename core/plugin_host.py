"""The plugin host: one pluggy PluginManager behind a typed facade, one method per hook.

- Plugins are found through the entry-point group "kortisto" (`load_entry_points`); the pluggy
  name of a plugin is its entry-point name, which is also the key of its `plugin_setting` row
  and of the operator's `tenant_plugin_allowance`.
- A hook call asks only the plugins the current tenant may use: allowed by the operator AND
  enabled by the tenant's admin. Core's default plugins (core.default_plugins, trylast) and
  plugins registered `always_on` are asked for every tenant.
- Each plugin gets its own `options` (its plugin_setting options + decrypted credentials), so
  the host calls implementations one by one (pluggy's order: last registered first, tryfirst
  and trylast respected) instead of one shared pluggy call; coroutine results are awaited.
- The operator's allowance lives in the platform schema, which a tenant scope cannot read: the
  process installs a reader (`set_allowance_reader`, tenants.plugin_allowance_reader). Without
  one, no tenant-enabled plugin is asked (fail closed).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pluggy

from core import hookspecs, plugin_settings
from core.context import current_tenant_or_none
from core.plugin_about import PluginAbout
from core.processors import Processor

ENTRY_POINT_GROUP = "kortisto"
log = logging.getLogger("kortisto.plugins")

AllowanceReader = Callable[[str], Awaitable[set[str]]]
_allowance_reader: AllowanceReader | None = None


def set_allowance_reader(reader: AllowanceReader | None) -> None:
    """Install how the host learns which plugins the operator allows for a tenant slug."""
    global _allowance_reader
    _allowance_reader = reader


async def maybe_await(value: Any) -> Any:
    """A hook result, whether the implementation was sync or async."""
    if inspect.isawaitable(value):
        return await value
    return value


class PluginHost:
    def __init__(self, *, with_defaults: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._always_on: set[str] = set()
        if with_defaults:
            from core import default_plugins

            self.register(default_plugins, "core.defaults", always_on=True)

    # -- registration -------------------------------------------------------------------------

    def register(self, plugin: Any, name: str | None = None, *, always_on: bool = False) -> str:
        """Register a plugin (module or object with `@hookimpl` functions); returns its name.
        `always_on`: asked for every tenant (core's own plugins); otherwise only for tenants
        that enabled it."""
        registered = self.pm.register(plugin, name=name)
        if registered is None:
            raise ValueError(f"plugin {name or plugin!r} is blocked")
        if always_on:
            self._always_on.add(registered)
        self.pm.check_pending()
        return registered

    def unregister(self, plugin: Any = None, name: str | None = None) -> None:
        name = name or self.pm.get_name(plugin)
        self.pm.unregister(plugin, name=name)
        self._always_on.discard(name or "")

    def load_entry_points(self) -> int:
        """Register every installed plugin of the entry-point group; returns how many."""
        return self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)

    def check_pending(self) -> None:
        """Raise for an implementation whose hook has no spec (a misspelled hook name)."""
        self.pm.check_pending()

    def tenant_plugins(self) -> list[str]:
        """Names of the registered plugins a tenant enables itself, sorted."""
        return sorted(
            name
            for name, plugin in self.pm.list_name_plugin()
            if plugin is not None and name not in self._always_on
        )

    def about(self, name: str) -> PluginAbout | None:
        """The display name and description the plugin declares (`ABOUT`), if any."""
        about = getattr(self.pm.get_plugin(name), "ABOUT", None)
        return about if isinstance(about, PluginAbout) else None

    # -- enablement ---------------------------------------------------------------------------

    async def enabled(self) -> dict[str, dict]:
        """{plugin: options} of the tenant plugins the current tenant may use now."""
        tenant = current_tenant_or_none()
        if tenant is None:
            return {}
        settings = await plugin_settings.enabled_options()
        installed = set(self.tenant_plugins())
        candidates = {name for name in settings if name in installed}
        if not candidates:
            return {}
        if _allowance_reader is None:
            log.warning("no plugin allowance reader installed: tenant plugins are off")
            return {}
        allowed = await _allowance_reader(tenant.slug)
        return {name: settings[name] for name in candidates if name in allowed}

    async def _calls(self, hook_name: str, only: dict[str, dict] | None = None):
        """(plugin name, implementation, options) in pluggy's call order, enabled ones only."""
        options = await self.enabled() if only is None else only
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            name = impl.plugin_name
            if name in self._always_on:
                yield name, impl, {}
            elif name in options:
                yield name, impl, options[name]

    async def _call(self, hook_name: str, *, firstresult: bool, only=None, **kwargs) -> Any:
        results = []
        async for name, impl, options in self._calls(hook_name, only):
            arguments = {**kwargs, "options": options}
            result = await maybe_await(impl.function(*[arguments[a] for a in impl.argnames]))
            if result is None:
                continue
            if firstresult:
                return result
            results.append((name, result))
        return None if firstresult else results

    # -- one method per hook ------------------------------------------------------------------

    async def processors(self, only: dict[str, dict] | None = None) -> list[Processor]:
        """kortisto_processors of the enabled plugins (or of `only`: {plugin: options}), each
        Processor's `plugin` filled in."""
        found = []
        for name, declared in await self._call("kortisto_processors", firstresult=False, only=only):
            for processor in declared or ():
                if not processor.plugin:
                    processor = dataclasses.replace(processor, plugin=name)
                found.append(processor)
        return found

    def settings_fields(self) -> dict[str, list[dict]]:
        """{plugin: its declared settings form fields} for every tenant plugin (sync: no
        tenant data is needed)."""
        fields: dict[str, list[dict]] = {name: [] for name in self.tenant_plugins()}
        caller = self.pm.hook.kortisto_settings_fields
        for impl in caller.get_hookimpls():
            if impl.plugin_name in fields:
                result = impl.function()
                if inspect.isawaitable(result):
                    raise TypeError("kortisto_settings_fields must not be async")
                fields[impl.plugin_name] = list(result or [])
        return fields

    async def send_email(self, tenant: str, message: dict[str, Any]) -> dict[str, Any]:
        return await self._call(
            "kortisto_send_email", firstresult=True, tenant=tenant, message=message
        )

    async def embed(self, url: str) -> dict[str, Any] | None:
        return await self._call("kortisto_embed", firstresult=True, url=url)

    async def accounting_formats(self) -> list[dict[str, Any]]:
        results = await self._call("kortisto_accounting_formats", firstresult=False)
        return [dict(fmt, plugin=name) for name, formats in results for fmt in formats or ()]

    async def accounting_export(
        self, tenant: str, format_key: str, organizations: list[dict], contacts: list[dict]
    ) -> bytes | None:
        return await self._call(
            "kortisto_accounting_export",
            firstresult=True,
            tenant=tenant,
            format_key=format_key,
            organizations=organizations,
            contacts=contacts,
        )

    async def newsletter_subscribe(
        self, tenant: str, contact: dict, only: dict[str, dict] | None = None
    ) -> dict | None:
        """`only`: the {plugin: options} read earlier in the tenant's scope, for a call made
        after its commit (core.newsletter_sync), when the settings cannot be read."""
        return await self._call(
            "kortisto_newsletter_subscribe",
            firstresult=True,
            only=only,
            tenant=tenant,
            contact=contact,
        )

    async def newsletter_unsubscribe(
        self, tenant: str, subscription: dict, only: dict[str, dict] | None = None
    ) -> bool | None:
        """`only` as for newsletter_subscribe."""
        return await self._call(
            "kortisto_newsletter_unsubscribe",
            firstresult=True,
            only=only,
            tenant=tenant,
            subscription=subscription,
        )

    async def notify_recipient(
        self, tenant: str, notification: dict, only: dict[str, dict] | None = None
    ) -> dict | None:
        """`only` as for newsletter_subscribe (the caller has no transaction open)."""
        return await self._call(
            "kortisto_notify_recipient",
            firstresult=True,
            only=only,
            tenant=tenant,
            notification=notification,
        )

    async def implemented_for_tenant(self, hook_name: str) -> bool:
        """Whether a plugin the current tenant uses (or an always-on one, not core's
        defaults) implements `hook_name`: an installed plugin the tenant did not enable does
        not count."""
        async for name, _impl, _options in self._calls(hook_name):
            if name != "core.defaults":
                return True
        return False

    def implements(self, hook_name: str) -> bool:
        """Whether any plugin other than core's defaults implements `hook_name`."""
        return any(
            impl.plugin_name != "core.defaults"
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls()
        )


_host: PluginHost | None = None


def plugin_host() -> PluginHost:
    """The process's host (core defaults registered; entry points loaded by `start`)."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host


def start(*, load_entry_points: bool = True) -> PluginHost:
    """At process start-up (web app, worker, scheduler): load installed plugins once and
    refuse to start when a plugin implements a hook that does not exist."""
    host = plugin_host()
    if load_entry_points:
        host.load_entry_points()
    host.check_pending()
    return host


def use_host(host: PluginHost | None) -> PluginHost | None:
    """Replace the process's host (tests build a fresh one); returns the previous one."""
    global _host
    previous, _host = _host, host
    return previous
