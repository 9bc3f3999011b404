"""The platform audit: everything operators do, append-only (the runtime role may only INSERT
and SELECT). Runs inside a platform transaction opened by the caller."""

from __future__ import annotations

import json
from typing import Any

from core.db import DB


async def record(
    action: str,
    *,
    operator: dict | None = None,
    label: str = "",
    tenant_slug: str | None = None,
    detail: dict | None = None,
) -> int:
    """Append one event; `operator` is the acting operator, `label` names anyone else."""
    return await DB.current_connection().fetchval(
        "INSERT INTO platform.platform_audit (at, operator, operator_label, action, "
        "tenant_slug, detail) VALUES (clock_timestamp(), $1, $2, $3, $4, $5::jsonb) "
        "RETURNING id",
        operator["id"] if operator else None,
        (operator["email"] if operator else label)[:320],
        action,
        tenant_slug[:40] if tenant_slug else None,
        json.dumps(detail or {}, default=str, ensure_ascii=False),
    )


async def recent(
    *, tenant_slug: str | None = None, action_prefix: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    """Newest events first, optionally for one tenant and/or one family of actions."""
    rows = await DB.current_connection().fetch(
        "SELECT id, at, operator, operator_label, action, tenant_slug, detail "
        "FROM platform.platform_audit "
        "WHERE ($1::text IS NULL OR tenant_slug = $1) AND action LIKE $2 || '%' "
        "ORDER BY id DESC LIMIT $3",
        tenant_slug,
        action_prefix,
        limit,
    )
    events = []
    for row in rows:
        event = dict(row)
        if isinstance(event["detail"], str):
            event["detail"] = json.loads(event["detail"])
        events.append(event)
    return events
