"""The audit chain per tenant: sealing (the scheduler every minute, and on demand) and
verification (`kortisto audit verify`), each in the tenant's own scope as its role; retention
(the scheduler nightly) as the owner role, which alone may delete audit events."""

from __future__ import annotations

import logging
from datetime import datetime

from core import audit_anchor, audit_chain, audit_retention
from core.db import DB, as_admin
from tenants.naming import tenant_names
from tenants.scope import platform_transaction, tenant_scope

log = logging.getLogger("kortisto.audit")


async def tenant_slugs(only: list[str] | None = None) -> list[str]:
    """The active tenants (all of them, or those of `only` that exist, in that order)."""
    async with platform_transaction() as conn:
        rows = await conn.fetch("SELECT slug FROM tenant WHERE status = 'active' ORDER BY slug")
    slugs = [r["slug"] for r in rows]
    return slugs if not only else [s for s in only if s in slugs]


async def seal_tenant(slug: str) -> audit_chain.SealResult:
    """Chain the tenant's final events; a moved head is anchored in its bucket after commit."""
    async with tenant_scope(slug):
        result = await audit_chain.seal()
        if result.sealed:
            audit_anchor.anchor_after_commit(result.head)
        return result


async def verify_tenant(slug: str, *, seal_first: bool = True) -> audit_chain.VerifyResult:
    """Seal what is final (unless told not to), then recompute the whole chain and check it
    against the heads anchored in the tenant's bucket (read with no transaction open)."""
    if seal_first:
        await seal_tenant(slug)
    async with tenant_scope(slug) as tenant:
        bucket = tenant.bucket
    try:
        anchors = await audit_anchor.read_anchors(bucket)
    except audit_anchor.AnchorUnreadableError as exc:
        return audit_chain.VerifyResult(False, 0, 0, reason=str(exc))
    async with tenant_scope(slug):
        return await audit_chain.verify(audit_anchor.by_seq(anchors))


async def seal_all_tenants() -> int:
    """The scheduler's minute job: chain every tenant's new events; returns how many."""
    sealed = 0
    for slug in await tenant_slugs():
        try:
            sealed += (await seal_tenant(slug)).sealed
        except Exception:  # one tenant's trouble must not stop the others' sealing
            log.warning("could not seal the audit of %s", slug, exc_info=True)
    return sealed


async def prune_tenant(
    slug: str, *, now: datetime | None = None, months: int | None = None
) -> audit_retention.PruneResult:
    """Seal what is final, then remove sealed events past the tenant's audit retention in an
    owner-role transaction on the tenant's schema (core.audit_retention)."""
    await seal_tenant(slug)
    schema = tenant_names(slug).schema
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute("SELECT set_config('search_path', $1, true)", schema)
            return await audit_retention.prune(now=now, months=months)


async def prune_all_tenants() -> int:
    """The scheduler's nightly job: every tenant's audit retention; returns events removed."""
    removed = 0
    for slug in await tenant_slugs():
        try:
            removed += (await prune_tenant(slug)).removed
        except Exception:  # one tenant's trouble must not stop the others' retention
            log.warning("could not prune the audit of %s", slug, exc_info=True)
    return removed
