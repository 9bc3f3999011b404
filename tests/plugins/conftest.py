"""Fixtures for plugin tests: a fresh plugin host (nothing installed is asked) and `enable`,
which allows a plugin for a tenant as the operator and enables it as the tenant's admin."""

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
    names: set[str] = set()
    monkeypatch.setattr(plugin_allowances, "known_plugins", lambda: sorted(names))

    async def enable_plugin(slug, plugin, options=None, secrets=None, enabled=True):
        names.add(plugin)
        async with platform_transaction():
            await plugin_allowances.set_allowed(slug, plugin, True, changed_by="operator@x")
        allowance_reader.forget(slug)
        async with tenant_scope(slug):
            await plugin_settings.save(
                plugin, enabled=enabled, options=options or {}, new_secrets=secrets or {},
                actor=ADMIN,
            )  # fmt: skip

    return enable_plugin


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()
