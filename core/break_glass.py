"""Break-glass grants: an operator's time-limited, read-only access to one tenant.

The grant rows live in schema `platform`; these functions run in a platform transaction opened
by the caller (`tenants.break_glass` pairs them with the platform and tenant audits). Every check
uses the database clock at the moment of the query (`clock_timestamp()`), so an expiry or a
revocation applies to the very next request: nothing is cached.
"""

from __future__ import annotations

import uuid

from core.db import DB

MAX_MINUTES = 240
MIN_REASON_LENGTH = 10

_GRANT = (
    "g.id, t.slug AS tenant_slug, t.name AS tenant_name, g.operator, o.email AS operator_email, "
    "o.display_name AS operator_name, g.reason, g.starts_at, g.ends_at, g.revoked_at, "
    "g.revoked_by, g.closed_at, "
    "(g.revoked_at IS NULL AND clock_timestamp() >= g.starts_at "
    "AND clock_timestamp() < g.ends_at) AS active, "
    "greatest(0, extract(epoch FROM g.ends_at - clock_timestamp()))::int AS seconds_left "
    "FROM platform.break_glass_grant g JOIN platform.tenant t ON t.id = g.tenant "
    "JOIN platform.operator o ON o.id = g.operator"
)
_ACTIVE = (
    "g.revoked_at IS NULL AND clock_timestamp() >= g.starts_at AND clock_timestamp() < g.ends_at"
)


class GrantRefused(ValueError):
    """The grant cannot be made; `code` says why (for the page), the message in English."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


async def create_grant(operator: dict, tenant_slug: str, reason: str, minutes: int) -> dict:
    """Start a grant now, lasting `minutes` (1–240). Raises GrantRefused."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise GrantRefused(
            "reason", f"write the reason (at least {MIN_REASON_LENGTH} characters)"
        )
    if not 1 <= minutes <= MAX_MINUTES:
        raise GrantRefused("duration", f"the duration must be 1–{MAX_MINUTES} minutes")
    conn = DB.current_connection()
    tenant = await conn.fetchrow(
        "SELECT id, status FROM platform.tenant WHERE slug = $1", tenant_slug
    )
    if tenant is None or tenant["status"] != "active":
        raise GrantRefused("tenant", f"no active tenant '{tenant_slug}'")
    if await active_grant(operator["id"], tenant_slug):
        raise GrantRefused("already_active", "you already have an active grant for this tenant")
    grant_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO platform.break_glass_grant (id, tenant, operator, reason, starts_at, "
        "ends_at) SELECT $1, $2, $3, $4, clock.t, clock.t + make_interval(mins => $5) "
        "FROM (SELECT clock_timestamp() AS t) clock",
        grant_id,
        tenant["id"],
        operator["id"],
        reason,
        minutes,
    )
    return await get_grant(grant_id)


async def get_grant(grant_id: uuid.UUID) -> dict | None:
    row = await DB.current_connection().fetchrow(f"SELECT {_GRANT} WHERE g.id = $1", grant_id)
    return dict(row) if row else None


async def active_grant(operator_id: uuid.UUID, tenant_slug: str) -> dict | None:
    """The operator's grant for this tenant that is in force right now, or None."""
    row = await DB.current_connection().fetchrow(
        f"SELECT {_GRANT} WHERE g.operator = $1 AND t.slug = $2 AND {_ACTIVE} "
        "ORDER BY g.ends_at DESC LIMIT 1",
        operator_id,
        tenant_slug,
    )
    return dict(row) if row else None


async def grants_for_tenant(tenant_slug: str, *, limit: int = 50) -> list[dict]:
    """Active and past grants of one tenant, newest first (what its admins see)."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_GRANT} WHERE t.slug = $1 ORDER BY g.starts_at DESC LIMIT $2",
        tenant_slug,
        limit,
    )
    return [dict(r) for r in rows]


async def grants_of_operator(operator_id: uuid.UUID, *, limit: int = 50) -> list[dict]:
    rows = await DB.current_connection().fetch(
        f"SELECT {_GRANT} WHERE g.operator = $1 ORDER BY g.starts_at DESC LIMIT $2",
        operator_id,
        limit,
    )
    return [dict(r) for r in rows]


async def revoke(
    grant_id: uuid.UUID,
    *,
    revoked_by: str,
    tenant_slug: str | None = None,
    operator_id: uuid.UUID | None = None,
) -> dict | None:
    """End an active grant now. Limited to one tenant's or one operator's grants; returns the
    grant as it was, or None if there was no such active grant."""
    row = await DB.current_connection().fetchrow(
        "UPDATE platform.break_glass_grant g SET revoked_at = clock_timestamp(), "
        "revoked_by = $2, closed_at = clock_timestamp() "
        "FROM platform.tenant t WHERE t.id = g.tenant AND g.id = $1 "
        f"AND {_ACTIVE} "
        "AND ($3::text IS NULL OR t.slug = $3) AND ($4::uuid IS NULL OR g.operator = $4) "
        "RETURNING g.id",
        grant_id,
        revoked_by[:320],
        tenant_slug,
        operator_id,
    )
    return await get_grant(row["id"]) if row else None


async def claim_expired(*, limit: int = 100) -> list[dict]:
    """Mark grants that ran out as closed and return them (each is returned once, ever)."""
    rows = await DB.current_connection().fetch(
        "UPDATE platform.break_glass_grant SET closed_at = clock_timestamp() WHERE id IN ("
        "SELECT id FROM platform.break_glass_grant WHERE closed_at IS NULL "
        "AND ends_at <= clock_timestamp() ORDER BY ends_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
        "RETURNING id",
        limit,
    )
    return [await get_grant(r["id"]) for r in rows]
