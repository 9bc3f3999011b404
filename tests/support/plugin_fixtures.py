"""Plugin test fixtures shared by every suite that runs plugins: a fresh plugin host (nothing
installed is asked unless the test registers it) and `enable`, which allows a plugin for a
tenant as the operator and enables it as the tenant's admin — the production way."""

from __future__ import annotations

import uuid

import pytest

from core import audit, plugin_allowances, plugin_settings
from core.plugin_host import PluginHost, use_host
from tenants import plugin_allowances as allowance_reader
from tenants.scope import platform_transaction, tenant_scope

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")


@pytest.fixture
def host():
    fresh = PluginHost()
    previous = use_host(fresh)
    yield fresh
    use_host(previous)


@pytest.fixture
def enable(monkeypatch):
    """enable(slug, plugin, options=…, secrets=…, enabled=True)."""
    names: set[str] = set()
    monkeypatch.setattr(plugin_allowances, "known_plugins", lambda: sorted(names))

    async def enable_plugin(slug, plugin, options=None, secrets=None, enabled=True):
        names.add(plugin)
        async with platform_transaction():
            await plugin_allowances.set_allowed(slug, plugin, True, changed_by="operator@x")
        allowance_reader.forget(slug)
        async with tenant_scope(slug):
            await plugin_settings.save(
                plugin,
                enabled=enabled,
                options=options or {},
                new_secrets=secrets or {},
                actor=ADMIN,
            )

    return enable_plugin
