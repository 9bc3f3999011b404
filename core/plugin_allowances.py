"""Which plugins a tenant's admins may enable: the operator decides (DESIGN §6).

Known plugins are the installed distributions' entry points in the group pyproject declares
(`[project.entry-points.kortisto]`). Allowance rows live in `platform.tenant_plugin_allowance`;
a plugin without a row is not allowed. Runs in a platform transaction opened by the caller.
"""

from __future__ import annotations

import uuid
from importlib.metadata import entry_points

from core.db import DB

ENTRY_POINT_GROUP = "kortisto"


def known_plugins() -> list[str]:
    """Names of the installed plugins (entry point names), sorted; may be empty."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


async def allowances(tenant_slug: str) -> dict[str, bool]:
    rows = await DB.current_connection().fetch(
        "SELECT a.plugin, a.allowed FROM platform.tenant_plugin_allowance a "
        "JOIN platform.tenant t ON t.id = a.tenant WHERE t.slug = $1",
        tenant_slug,
    )
    return {r["plugin"]: r["allowed"] for r in rows}


async def set_allowed(tenant_slug: str, plugin: str, allowed: bool, *, changed_by: str) -> bool:
    """Allow or disallow one plugin for one tenant; returns False if nothing changed."""
    if plugin not in known_plugins():
        raise LookupError(f"no installed plugin named {plugin!r}")
    conn = DB.current_connection()
    tenant_id = await conn.fetchval("SELECT id FROM platform.tenant WHERE slug = $1", tenant_slug)
    if tenant_id is None:
        raise LookupError(f"no tenant '{tenant_slug}'")
    changed = await conn.fetchval(
        "INSERT INTO platform.tenant_plugin_allowance (id, tenant, plugin, allowed, changed_at, "
        "changed_by) VALUES ($1, $2, $3, $4, now(), $5) "
        "ON CONFLICT (tenant, plugin) DO UPDATE SET allowed = EXCLUDED.allowed, "
        "changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by "
        "WHERE tenant_plugin_allowance.allowed IS DISTINCT FROM EXCLUDED.allowed RETURNING 1",
        uuid.uuid4(),
        tenant_id,
        plugin,
        allowed,
        changed_by[:320],
    )
    return bool(changed)
