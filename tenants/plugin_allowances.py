"""How the plugin host learns which plugins the operator allows a tenant (DESIGN §6).

The allowance rows live in the platform schema, which a tenant's transaction cannot read (its
role has no rights there): the host's reader looks them up on a second connection as the
runtime role, outside the tenant scope, and keeps the answer for KORTISTO_TENANT_CACHE_SECONDS
(like the tenant catalog: a change applies within that time).
"""

from __future__ import annotations

import time

from core import plugin_allowances
from core.plugin_host import set_allowance_reader
from core.settings import get_settings
from tenants.scope import platform_transaction, run_outside_scope

_cache: dict[str, tuple[float, set[str]]] = {}


async def allowed_plugins(slug: str) -> set[str]:
    """Plugins the operator allows for this tenant."""
    seconds = get_settings().tenant_cache_seconds
    hit = _cache.get(slug)
    if hit is not None and seconds > 0 and time.monotonic() - hit[0] <= seconds:
        return hit[1]

    async def read() -> set[str]:
        async with platform_transaction():
            rows = await plugin_allowances.allowances(slug)
        return {plugin for plugin, allowed in rows.items() if allowed}

    allowed = await run_outside_scope(read)
    _cache[slug] = (time.monotonic(), allowed)
    return allowed


def forget(slug: str | None = None) -> None:
    if slug is None:
        _cache.clear()
    else:
        _cache.pop(slug, None)


def install() -> None:
    """Give the process's plugin host this reader (tenants.runtime.prepare does)."""
    set_allowance_reader(allowed_plugins)
