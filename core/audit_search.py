"""Searching the audit trail (the admins' audit page; an access request's "when and why was my
data read"). Newest first. A person matches the events about them: those naming them as
`person_id` and the read events listing them among the cards shown (`detail.persons`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from core.db import DB


@dataclass(frozen=True)
class AuditFilter:
    person_id: uuid.UUID | None = None
    actor: str = ""  # part of the actor's label (e-mail) or their exact id
    action: str = ""  # an action or its prefix ("person." finds person.read, person.update…)
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


_WHERE = """
WHERE ($1::uuid IS NULL OR e.person_id = $1
       OR (e.detail ? 'persons' AND e.detail -> 'persons' ? ($1::uuid)::text))
  AND ($2 = '' OR e.actor_id = $2 OR e.actor_label ILIKE '%' || $2 || '%')
  AND ($3 = '' OR e.action LIKE $3 || '%')
  AND ($4::timestamptz IS NULL OR e.at >= $4)
  AND ($5::timestamptz IS NULL OR e.at < $5)
"""


async def search_events(
    f: AuditFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict], int]:
    """(events of this page, how many match in all)."""
    conn = DB.current_connection()
    args = (f.person_id, f.actor.strip(), f.action.strip(), f.since, f.until)
    total = await conn.fetchval(f"SELECT count(*) FROM audit_event e {_WHERE}", *args)
    rows = await conn.fetch(
        "SELECT e.id, e.seq, e.at, e.actor_kind, e.actor_id, e.actor_label, e.action, "
        "e.object_kind, e.object_id, e.detail, e.person_id, e.purpose, e.request_id, "
        f"e.chain_hash IS NOT NULL AS sealed FROM audit_event e {_WHERE} "
        "ORDER BY e.seq DESC LIMIT $6 OFFSET $7",
        *args,
        limit,
        offset,
    )
    events = []
    for row in rows:
        event = dict(row)
        if isinstance(event["detail"], str):
            event["detail"] = json.loads(event["detail"])
        persons = event["detail"].get("persons") if isinstance(event["detail"], dict) else None
        own = [str(event["person_id"])] if event["person_id"] else []
        event["persons"] = list(persons or own)
        events.append(event)
    return events, total
