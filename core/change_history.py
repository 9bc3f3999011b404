"""Field-level change history of a business card (table `field_change`): old → new per field.

Written by the card's write paths themselves (core.persons.update_person, mark_left,
core.merge.merge_persons) in the caller's transaction, so a change and its history commit or
roll back together whatever door the change came through (page, API, self-service, merge,
demo data). The audit event of the change names the fields only; the values live here, with
the person (the rows go when the card is erased).

Lists (e-mails, phones, keywords) are kept as set differences: `old_value` holds what was
removed, `new_value` what was added, one item a line; a mere reordering is no change here.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from core import audit
from core.db import DB

SET_FIELDS = ("emails", "phones", "keywords")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return str(value)


def _rows(changes: dict[str, tuple]) -> list[tuple[str, str, str]]:
    rows = []
    for name in sorted(changes):
        old, new = changes[name]
        if name in SET_FIELDS:
            old_items, new_items = list(old or []), list(new or [])
            removed = [v for v in old_items if v not in new_items]
            added = [v for v in new_items if v not in old_items]
            if removed or added:
                rows.append((name, _text(removed), _text(added)))
        elif _text(old) != _text(new):
            rows.append((name, _text(old), _text(new)))
    return rows


async def record_changes(
    person_id: uuid.UUID, changes: dict[str, tuple], *, actor_label: str
) -> int:
    """Write one row per changed field; returns how many. The request id is the one bound for
    this request or job (core.audit), so a row can be matched with its audit event."""
    rows = _rows(changes)
    if rows:
        request_id = audit.current_request_id()
        await DB.current_connection().executemany(
            "INSERT INTO field_change (id, person, field, old_value, new_value, at, "
            "actor_label, request_id) VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6, $7)",
            [
                (uuid.uuid4(), person_id, name, old, new, actor_label[:320], request_id)
                for name, old, new in rows
            ],
        )
    return len(rows)


async def list_changes(person_id: uuid.UUID, *, limit: int = 500) -> list[dict]:
    """The card's changes, newest first."""
    rows = await DB.current_connection().fetch(
        "SELECT id, field, old_value, new_value, at, actor_label, request_id FROM field_change "
        "WHERE person = $1 ORDER BY at DESC, field LIMIT $2",
        person_id,
        limit,
    )
    return [dict(r) for r in rows]


async def fields_changed_since(person_id: uuid.UUID, since: Any) -> list[str]:
    """The names of the card's fields changed at or after `since` (for Art. 19 notices)."""
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT field FROM field_change WHERE person = $1 AND at >= $2 ORDER BY field",
        person_id,
        since,
    )
    return [r["field"] for r in rows]
