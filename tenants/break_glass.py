"""Break-glass, end to end: every step is written to the platform audit AND the tenant's audit.

- `open_grant`: an operator starts a grant (reason, ≤ 4 h).
- `authorise_use`: called for every tenant request of an operator session, before the tenant's
  (read-only) transaction opens. No active grant, or a method that writes: refused. Allowed
  uses are recorded once per request.
- `revoke_by_operator` / `revoke_by_tenant_admin`: end a grant now.
- `close_expired_grants`: records the end of grants that ran out (the scheduler runs it every
  minute; the console and the admin page run it too). Access itself never waits for this:
  `authorise_use` reads the grant's times at the moment of each request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core import audit, break_glass, platform_audit
from core.context import current_tenant
from tenants.scope import platform_transaction, run_outside_scope, tenant_scope

log = logging.getLogger("kortisto.break_glass")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class UseDecision:
    allowed: bool
    reason: str = ""  # no_grant | write_refused
    grant: dict | None = None


def _actor(operator: dict) -> audit.Actor:
    return audit.Actor.operator(operator["id"], operator["email"])


async def _tenant_record(slug: str, action: str, actor: audit.Actor, grant: dict, **detail):
    async with tenant_scope(slug):
        await audit.record(
            action, actor=actor, object_kind="break_glass_grant", object_id=grant["id"],
            detail={"operator": grant["operator_email"], **detail},
        )


async def open_grant(operator: dict, slug: str, reason: str, minutes: int) -> dict:
    """Start a grant; raises break_glass.GrantRefused with a code the page can explain."""
    async with platform_transaction():
        grant = await break_glass.create_grant(operator, slug, reason, minutes)
        await platform_audit.record(
            "break_glass.start", operator=operator, tenant_slug=slug,
            detail={"grant": grant["id"], "reason": grant["reason"], "ends_at": grant["ends_at"]},
        )
    try:
        await _tenant_record(
            slug, "break_glass.start", _actor(operator), grant,
            reason=grant["reason"], ends_at=grant["ends_at"],
        )
    except Exception:
        # A grant the tenant's own audit does not show must not stay open.
        log.exception("could not record break-glass start in %s; revoking the grant", slug)
        async with platform_transaction():
            await break_glass.revoke(grant["id"], revoked_by="system: tenant audit failed")
            await platform_audit.record(
                "break_glass.revoke", operator=operator, tenant_slug=slug,
                detail={"grant": grant["id"], "why": "tenant audit failed"},
            )
        raise
    return grant


async def authorise_use(operator: dict, slug: str, method: str, path: str) -> UseDecision:
    """Decide one operator request to a tenant route and record it in both audits."""
    async with platform_transaction():
        grant = await break_glass.active_grant(operator["id"], slug)
        if grant is None or method.upper() not in SAFE_METHODS:
            reason = "no_grant" if grant is None else "write_refused"
            await platform_audit.record(
                "break_glass.refused", operator=operator, tenant_slug=slug,
                detail={"method": method, "path": path, "why": reason},
            )
            return UseDecision(False, reason, grant)
        await platform_audit.record(
            "break_glass.use", operator=operator, tenant_slug=slug,
            detail={"grant": grant["id"], "method": method, "path": path},
        )
    await _tenant_record(slug, "break_glass.use", _actor(operator), grant, method=method, path=path)
    return UseDecision(True, grant=grant)


async def revoke_by_operator(operator: dict, grant_id) -> dict | None:
    """The operator ends their own grant early."""
    async with platform_transaction():
        grant = await break_glass.revoke(
            grant_id, revoked_by=operator["email"], operator_id=operator["id"]
        )
        if grant is None:
            return None
        await platform_audit.record(
            "break_glass.revoke", operator=operator, tenant_slug=grant["tenant_slug"],
            detail={"grant": grant["id"], "by": "operator"},
        )
    await _tenant_record(grant["tenant_slug"], "break_glass.revoke", _actor(operator), grant,
                         by="operator")
    return grant


async def revoke_by_tenant_admin(grant_id, admin: dict) -> dict | None:
    """A tenant admin ends a grant, from inside their own request's tenant scope.

    The platform row changes in its own transaction (committed at once: the operator's next
    request is refused even while this request is still running); the tenant's audit event is
    written in the request's transaction.
    """
    slug = current_tenant().slug
    label = f"{admin['email']} ({slug})"

    async def on_platform() -> dict | None:
        async with platform_transaction():
            grant = await break_glass.revoke(grant_id, revoked_by=label, tenant_slug=slug)
            if grant is not None:
                await platform_audit.record(
                    "break_glass.revoke", label=label, tenant_slug=slug,
                    detail={"grant": grant["id"], "by": "tenant_admin",
                            "operator": grant["operator_email"]},
                )
            return grant

    grant = await run_outside_scope(on_platform)
    if grant is not None:
        await audit.record(
            "break_glass.revoke", actor=audit.Actor.user(admin), object_kind="break_glass_grant",
            object_id=grant["id"], detail={"operator": grant["operator_email"], "by": "admin"},
        )
    return grant


async def grants_for_current_tenant() -> list[dict]:
    """The current tenant's grants, for its admins (read from the platform on the side)."""
    slug = current_tenant().slug

    async def on_platform() -> list[dict]:
        async with platform_transaction():
            return await break_glass.grants_for_tenant(slug)

    return await run_outside_scope(on_platform)


async def close_expired_grants() -> int:
    """Write the end of every grant that ran out to both audits (once per grant)."""
    async with platform_transaction():
        ended = await break_glass.claim_expired()
        for grant in ended:
            await platform_audit.record(
                "break_glass.end", label="system", tenant_slug=grant["tenant_slug"],
                detail={"grant": grant["id"], "operator": grant["operator_email"],
                        "ended_at": grant["ends_at"]},
            )
    for grant in ended:
        try:
            await _tenant_record(
                grant["tenant_slug"], "break_glass.end", audit.SYSTEM, grant,
                ended_at=grant["ends_at"],
            )
        except Exception:  # a suspended tenant: the platform audit still has it
            log.warning("could not record break-glass end in %s", grant["tenant_slug"])
    return len(ended)
