"""The tenant scope: one transaction that runs as the tenant's role in the tenant's schema.

This is the only module that binds the current tenant. Its first statement looks the tenant up
in the platform catalog *and* switches role and search_path for the rest of the transaction
(`set_config(..., true)` = SET LOCAL), in one round trip. From then on PostgreSQL itself refuses
every other tenant's schema and the platform schema, whatever SQL runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import asyncpg

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
from core.settings import get_settings
from tenants.naming import InvalidSlugError, quote_ident, validate_slug


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
T = TypeVar("T")


# slug -> (monotonic time cached, TenantInfo, the statements that switch to it) for active
# tenants only.
_catalog_cache: dict[str, tuple[float, TenantInfo, str]] = {}


def forget_cached_tenant(slug: str | None = None) -> None:
    """Drop cached catalog facts (all of them without a slug)."""
    if slug is None:
        _catalog_cache.clear()
    else:
        _catalog_cache.pop(slug, None)


def _cached(slug: str, cache_seconds: float) -> tuple[float, TenantInfo, str] | None:
    hit = _catalog_cache.get(slug)
    if hit is None or cache_seconds <= 0 or time.monotonic() - hit[0] > cache_seconds:
        return None
    return hit


def _remember(info: TenantInfo) -> None:
    role, schema = quote_ident(info.role), quote_ident(info.schema)
    switch = f"SET LOCAL ROLE {role}; SET LOCAL search_path = {schema}"
    _catalog_cache[info.slug] = (time.monotonic(), info, switch)


def tenant_scope(
    slug: str, *, cache_seconds: float | None = None, read_only: bool = False
) -> TenantScope:
    """Open the tenant's transaction; everything awaited inside runs as that tenant.

    The catalog lookup and the role/search_path switch happen in the transaction's first
    statement. With the tenant's catalog facts cached (KORTISTO_TENANT_CACHE_SECONDS), the
    switch is sent together with BEGIN instead: one round trip. PostgreSQL enforces the role
    either way; the cache only means a suspension takes up to that long to apply.

    `read_only` makes the transaction READ ONLY before its first query (break-glass access):
    PostgreSQL then refuses every write, whatever a handler tries.
    """
    return TenantScope(slug, cache_seconds, read_only)


class TenantScope:
    """`async with tenant_scope(slug) as info:` (a class, not a generator-based context
    manager: every request opens one, and this is the cheaper of the two)."""

    __slots__ = (
        "slug",
        "cache_seconds",
        "read_only",
        "_txn",
        "_state",
        "_state_token",
        "_tenant_token",
    )

    def __init__(self, slug: str, cache_seconds: float | None, read_only: bool) -> None:
        self.slug = slug
        self.cache_seconds = (
            get_settings().tenant_cache_seconds if cache_seconds is None else cache_seconds
        )
        self.read_only = read_only

    async def __aenter__(self) -> TenantInfo:
        slug, cache_seconds = self.slug, self.cache_seconds
        cached = _cached(slug, cache_seconds)  # only validated slugs are ever cached
        if cached is None:
            try:
                validate_slug(slug)
            except InvalidSlugError as exc:
                raise UnknownTenantError(slug) from exc
        if DB.current_transaction.get() is not None:
            raise RuntimeError("a tenant scope cannot be opened inside another transaction")
        state = self._state = ScopeState()
        if self.read_only:
            state.write_elsewhere = functools.partial(_write_elsewhere, slug)
        self._state_token = bind_scope_state(state)
        try:
            txn = self._txn = DB.transaction()
            statements = ["SET TRANSACTION READ ONLY"] if self.read_only else []
            if cached is not None:
                statements.append(cached[2])
            txn.begin_sql = "; ".join(statements)
            try:
                await txn.__aenter__()
            except asyncpg.PostgresError as exc:
                # The role is gone (tenant deleted since it was cached).
                forget_cached_tenant(slug)
                raise UnknownTenantError(slug) from exc
            try:
                if cached is not None:
                    info = cached[1]
                else:
                    info = await _switch_by_catalog(txn.connection, slug)
                    if cache_seconds > 0:
                        _remember(info)
            except BaseException as exc:
                await txn.__aexit__(type(exc), exc, exc.__traceback__)
                raise
        except BaseException:
            unbind_scope_state(self._state_token)
            raise
        self._tenant_token = bind_tenant(info)
        return info

    async def __aexit__(self, exception_type, exception, traceback) -> None:
        state = self._state
        try:
            unbind_tenant(self._tenant_token)
            await self._txn.__aexit__(exception_type, exception, traceback)
        finally:
            unbind_scope_state(self._state_token)
        if exception is not None:
            return  # rolled back: no after-commit work; the exception goes on
        for work in state.after_commit:
            try:
                await work()
            except Exception:
                log.warning("after-commit work for %s failed", self.slug, exc_info=True)
        if state.outbox_written:
            await _relay_outbox(self.slug)


async def _write_elsewhere(slug: str, work: Callable[[], Awaitable[None]]) -> None:
    """A READ ONLY scope's writes that must happen (its read audit): in the same tenant's own
    short write transaction on another connection, committed before the read goes on."""

    async def in_scope() -> None:
        async with tenant_scope(slug):
            await work()

    await run_outside_scope(in_scope)


async def _switch_by_catalog(connection, slug: str) -> TenantInfo:
    row = await connection.fetchrow(_SCOPE_BY_SLUG, slug)
    if row is None:
        raise UnknownTenantError(slug)
    if row["status"] != "active":
        forget_cached_tenant(slug)
        raise TenantSuspendedError(f"tenant {slug} is {row['status']}")
    return TenantInfo(
        slug=row["slug"],
        name=row["name"],
        schema=row["schema_name"],
        role=row["role_name"],
        bucket=row["bucket"],
    )


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


async def run_outside_scope(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work()` as if no scope were open: no tenant, no transaction, runtime role.

    For the few platform facts a tenant request needs (its admins revoking a break-glass grant):
    the work runs in a task with an empty context, so it opens its own transaction on a second
    pooled connection and commits independently of the request's tenant transaction.
    """
    return await asyncio.create_task(work(), context=contextvars.Context())


@contextlib.asynccontextmanager
async def platform_transaction() -> AsyncIterator:
    """A transaction for platform-catalog reads as the runtime role (no tenant bound)."""
    if DB.current_transaction.get() is not None:
        raise RuntimeError("a platform transaction cannot be opened inside another transaction")
    async with DB.transaction() as txn:
        await txn.connection.execute("SELECT set_config('search_path', 'platform', true)")
        yield txn.connection
