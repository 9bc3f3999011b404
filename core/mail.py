"""Outgoing e-mail. Until a mail plugin is enabled, messages go to the tenant's mail outbox,
which admins (and tests) can read: a message is never silently dropped.
"""

from __future__ import annotations

import uuid

from core.db import DB


async def send_mail(to: str, subject: str, body: str, *, kind: str) -> uuid.UUID:
    """Queue a message in the current tenant's outbox; returns its id."""
    message_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO mail_message (id, recipient, subject, body, kind, status, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 'queued', now())",
        message_id,
        to,
        subject,
        body,
        kind,
    )
    return message_id


async def outbox(limit: int = 100) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, recipient, subject, body, kind, status, created_at FROM mail_message "
        "ORDER BY created_at DESC LIMIT $1",
        limit,
    )
    return [dict(r) for r in rows]
