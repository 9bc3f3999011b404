"""The tenant's audit trail: `record()` appends one event in the current tenant transaction.

The event commits or rolls back with the change it describes. The tenant role cannot change or
delete events (grants), so the trail is append-only even for a buggy or hostile handler.
Kept small on purpose; issue 6 adds hash chaining, purposes and retention.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from core.db import DB

ACTOR_KINDS = ("user", "operator", "system", "anonymous")


@dataclass(frozen=True)
class Actor:
    """Who did it: kind, a stable id and a label readable after the account is gone."""

    kind: str
    id: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"actor kind must be one of {', '.join(ACTOR_KINDS)}")

    @classmethod
    def user(cls, user: dict) -> Actor:
        """A signed-in tenant user (a row of app_user as a dict)."""
        return cls("user", str(user["id"]), user.get("email") or "")

    @classmethod
    def operator(cls, operator_id: Any, email: str) -> Actor:
        """A platform operator acting under a break-glass grant."""
        return cls("operator", str(operator_id), email)


SYSTEM = Actor("system", "", "Kortisto")


async def record(
    action: str,
    *,
    actor: Actor,
    object_kind: str = "",
    object_id: Any = "",
    detail: dict | None = None,
) -> uuid.UUID:
    """Append one event to the current tenant's audit trail; returns its id."""
    if not action:
        raise ValueError("an audit event needs an action")
    event_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO audit_event (id, at, actor_kind, actor_id, actor_label, action, "
        "object_kind, object_id, detail) "
        "VALUES ($1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8::jsonb)",
        event_id,
        actor.kind,
        actor.id,
        actor.label[:320],
        action,
        object_kind,
        str(object_id) if object_id is not None else "",
        json.dumps(detail or {}, default=str, ensure_ascii=False),
    )
    return event_id


async def events(
    *, action_prefix: str = "", object_id: Any = None, limit: int = 100
) -> list[dict]:
    """The newest events first, optionally only actions starting with `action_prefix`."""
    rows = await DB.current_connection().fetch(
        "SELECT id, at, actor_kind, actor_id, actor_label, action, object_kind, object_id, "
        "detail FROM audit_event WHERE action LIKE $1 || '%' "
        "AND ($2::text IS NULL OR object_id = $2) ORDER BY at DESC, id LIMIT $3",
        action_prefix,
        None if object_id is None else str(object_id),
        limit,
    )
    return [_event(r) for r in rows]


def _event(row) -> dict:
    event = dict(row)
    if isinstance(event["detail"], str):
        event["detail"] = json.loads(event["detail"])
    return event
