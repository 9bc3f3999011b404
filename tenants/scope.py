"""The tenant scope: one transaction that runs as the tenant's role in the tenant's schema.

This is the only module that binds the current tenant. Its first statement looks the tenant up
in the platform catalog *and* switches role and search_path for the rest of the transaction
(`set_config(..., true)` = SET LOCAL), in one round trip. From then on PostgreSQL itself refuses
every other tenant's schema and the platform schema, whatever SQL runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from core import outbox
from core.context import (
    ScopeState,
    TenantInfo,
    bind_scope_state,
    bind_tenant,
    unbind_scope_state,
    unbind_tenant,
)
from core.db import DB
from core.jobs import configured_broker
from tenants.naming import InvalidSlugError, validate_slug


class UnknownTenantError(LookupError):
    """No active catalog entry for this slug or host: answer 404, never fall back."""


class TenantSuspendedError(PermissionError):
    """The tenant exists but is suspended (or being provisioned/deleted): answer 403."""


_SCOPE_BY_SLUG = """
SELECT t.slug, t.name, t.status, t.schema_name, t.role_name, t.bucket,
       CASE WHEN t.status = 'active' THEN set_config('role', t.role_name, true) END AS _role,
       CASE WHEN t.status = 'active' THEN set_config('search_path', t.schema_name, true)
       END AS _path
FROM platform.tenant t WHERE t.slug = $1
"""

_SLUG_BY_HOST = """
SELECT t.slug FROM platform.tenant_domain d JOIN platform.tenant t ON t.id = d.tenant
WHERE d.host = $1
"""

log = logging.getLogger("kortisto.scope")


@contextlib.asynccontextmanager
async def tenant_scope(slug: str) -> AsyncIterator[TenantInfo]:
    """Open the tenant's transaction; everything awaited inside runs as that tenant."""
    try:
        validate_slug(slug)
    except InvalidSlugError as exc:
        raise UnknownTenantError(slug) from exc
    if DB.current_transaction.get() is not None:
        raise RuntimeError("a tenant scope cannot be opened inside another transaction")
    state = ScopeState()
    state_token = bind_scope_state(state)
    try:
        async with DB.transaction() as txn:
            row = await txn.connection.fetchrow(_SCOPE_BY_SLUG, slug)
            if row is None:
                raise UnknownTenantError(slug)
            if row["status"] != "active":
                raise TenantSuspendedError(f"tenant {slug} is {row['status']}")
            info = TenantInfo(
                slug=row["slug"],
                name=row["name"],
                schema=row["schema_name"],
                role=row["role_name"],
                bucket=row["bucket"],
            )
            token = bind_tenant(info)
            try:
                yield info
            finally:
                unbind_tenant(token)
    finally:
        unbind_scope_state(state_token)
    if state.outbox_written:
        await _relay_outbox(slug)


async def _relay_outbox(slug: str) -> None:
    """Hand the jobs this scope committed to the broker; the scheduler's sweep retries."""
    broker = configured_broker()
    if broker is None:
        return
    try:
        async with tenant_scope(slug):
            await outbox.relay(broker)
    except Exception:
        log.warning("outbox relay for %s failed; the sweep will retry", slug, exc_info=True)


async def slug_for_host(host: str) -> str | None:
    """The tenant slug a mapped host name serves, or None."""
    host = host.split(":", 1)[0].strip().lower().rstrip(".")
    if not host:
        return None
    async with DB.transaction() as txn:
        return await txn.connection.fetchval(_SLUG_BY_HOST, host)


@contextlib.asynccontextmanager
async def platform_transaction() -> AsyncIterator:
    """A transaction for platform-catalog reads as the runtime role (no tenant bound)."""
    if DB.current_transaction.get() is not None:
        raise RuntimeError("a platform transaction cannot be opened inside another transaction")
    async with DB.transaction() as txn:
        await txn.connection.execute("SELECT set_config('search_path', 'platform', true)")
        yield txn.connection
