"""Enqueue after commit: jobs are written to the tenant's outbox in the caller's transaction
and relayed to the broker once it has committed, so a rolled-back change never runs a job and
a committed one always does (a relay that crashed is finished by the scheduler's sweep).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import dramatiq

from core.context import current_tenant, scope_state
from core.db import DB
from core.jobs import DEFAULT_QUEUE, make_message


async def enqueue(actor_name: str, *, queue: str = DEFAULT_QUEUE, **kwargs: Any) -> uuid.UUID:
    """Ask for `actor_name(tenant=<current>, **kwargs)` to run after this transaction commits."""
    tenant = current_tenant()
    message_id = uuid.uuid4()
    payload = dict(kwargs, tenant=tenant.slug)
    await DB.current_connection().execute(
        "INSERT INTO outbox_message (id, actor_name, queue_name, kwargs, created_at) "
        "VALUES ($1, $2, $3, $4::jsonb, now())",
        message_id,
        actor_name,
        queue,
        json.dumps(payload),
    )
    scope_state().outbox_written = True
    return message_id


async def relay(broker: dramatiq.Broker, *, limit: int = 500) -> int:
    """Send this tenant's committed outbox rows to the broker and delete them.

    Rows are locked (SKIP LOCKED) so concurrent relays share the work. If the process dies
    between sending and committing, the rows are sent again; the message id is the row id and
    actors are idempotent on it, so the effect still happens once.
    """
    conn = DB.current_connection()
    rows = await conn.fetch(
        "SELECT id, actor_name, queue_name, kwargs FROM outbox_message "
        "ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    for row in rows:
        kwargs = row["kwargs"]
        if isinstance(kwargs, str):
            kwargs = json.loads(kwargs)
        broker.enqueue(
            make_message(
                row["actor_name"], kwargs, message_id=str(row["id"]), queue=row["queue_name"]
            )
        )
    if rows:
        await conn.execute(
            "DELETE FROM outbox_message WHERE id = ANY($1::uuid[])", [r["id"] for r in rows]
        )
    return len(rows)
