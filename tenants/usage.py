"""Per-tenant usage for the operator console: counts and sizes, never personal data.

Each figure is an aggregate read inside that tenant's own scope (its role, its schema): how
many persons, organizations and users, when something last happened, which migration the
schema is at, and how many bytes its bucket holds. No row of personal data leaves the scope.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from core.db import DB
from core.storage import ObjectStore
from tenants.migrate import register_migration_ids
from tenants.scope import (
    TenantSuspendedError,
    UnknownTenantError,
    platform_transaction,
    tenant_scope,
)

log = logging.getLogger("kortisto.usage")

_COUNTS = """
SELECT (SELECT count(*) FROM person) AS persons,
       (SELECT count(*) FROM organization) AS organizations,
       (SELECT count(*) FROM app_user) AS users,
       greatest((SELECT max(last_login_at) FROM app_user),
                (SELECT max(updated_at) FROM person),
                (SELECT max(updated_at) FROM organization),
                (SELECT max(at) FROM audit_event WHERE actor_kind = 'user')) AS last_activity,
       (SELECT max(name) FROM migration WHERE app_name = 'register') AS migration,
       (SELECT count(*) FROM migration WHERE app_name = 'register') AS migrations_applied
"""


@dataclass(frozen=True)
class TenantUsage:
    slug: str
    name: str
    status: str
    created_at: datetime
    persons: int | None = None
    organizations: int | None = None
    users: int | None = None
    last_activity: datetime | None = None
    migration: str | None = None
    migrations_behind: int | None = None
    storage_objects: int | None = None
    storage_bytes: int | None = None


async def catalog() -> list[dict]:
    """Every tenant in the catalog (runtime role), in slug order."""
    async with platform_transaction() as conn:
        rows = await conn.fetch(
            "SELECT slug, name, status, bucket, created_at FROM platform.tenant ORDER BY slug"
        )
    return [dict(r) for r in rows]


async def tenant_usage(row: dict, store: ObjectStore | None) -> TenantUsage:
    """Usage of one catalog row; figures stay None where they cannot be read (suspended)."""
    base = {k: row[k] for k in ("slug", "name", "status", "created_at")}
    figures: dict = {}
    if row["status"] == "active":
        try:
            async with tenant_scope(row["slug"], read_only=True):
                counts = dict(await DB.current_connection().fetchrow(_COUNTS))
        except (TenantSuspendedError, UnknownTenantError):
            counts = None
        if counts is not None:
            known = len(register_migration_ids())
            figures.update(
                persons=counts["persons"],
                organizations=counts["organizations"],
                users=counts["users"],
                last_activity=counts["last_activity"],
                migration=counts["migration"],
                migrations_behind=max(0, known - counts["migrations_applied"]),
            )
    if store is not None and row["status"] in ("active", "suspended"):
        try:
            figures["storage_objects"], figures["storage_bytes"] = await store.bucket_usage(
                row["bucket"]
            )
        except Exception:  # a missing bucket or a store that is down: show no figure
            log.warning("bucket usage of %s unavailable", row["slug"], exc_info=True)
    return TenantUsage(**base, **figures)


async def all_usage(store: ObjectStore | None) -> list[TenantUsage]:
    return [await tenant_usage(row, store) for row in await catalog()]


async def usage_of(slug: str, store: ObjectStore | None) -> TenantUsage | None:
    for row in await catalog():
        if row["slug"] == slug:
            return await tenant_usage(row, store)
    return None
