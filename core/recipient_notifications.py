"""Art. 19: a rectification or an erasure is told to every recipient the transfer log shows.

`notify_recipients` (in the transaction that completes the request) creates one
`recipient_notification` per distinct (processor, recipient) of the person's transfers:
- when some plugin implements `kortisto_notify_recipient` (core.hookspecs): method "plugin",
  status "pending", and a job (outbox, after commit) asks the plugins (`deliver_pending`):
  an answer → "sent"; an error → "failed" (with the error); no plugin handles that processor →
  method "manual", status "open";
- otherwise method "manual", status "open": a task for an admin, who marks it done with a note.

The plugin call may talk to the network, so it never runs inside a transaction: not the
request's, and not the job's either (`deliver_pending`).
Nothing here carries the changed values: a notification names the changed fields only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from core import audit, outbox
from core.context import current_tenant
from core.db import DB
from core.plugin_host import plugin_host

NOTIFY_JOB = "requests.notify_recipients"
HOOK = "kortisto_notify_recipient"
KINDS = ("rectification", "erasure")
OPEN_STATUSES = ("open", "failed")

# Opens the tenant's transaction (the job passes tenants.scope.tenant_scope for its tenant).
InScope = Callable[[], AbstractAsyncContextManager[Any]]

_COLUMNS = (
    "id, request AS request_id, person_id, processor, recipient, plugin, method, status, "
    "created_at, done_at, done_by, note"
)


class NotificationError(Exception):
    """reason: not_found | not_allowed | note_required"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _recipients(person_id: uuid.UUID) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT processor, recipient, max(plugin) AS plugin, "
        "array_remove(array_agg(DISTINCT external_ref), '') AS external_refs "
        "FROM transfer WHERE person_id = $1 GROUP BY processor, recipient "
        "ORDER BY processor, recipient",
        person_id,
    )
    return [dict(r) for r in rows]


async def notify_recipients(
    request_id: uuid.UUID, person_id: uuid.UUID, change: dict[str, Any], *, actor: audit.Actor
) -> list[dict]:
    """One notification per recipient of the person (none twice for the same request);
    returns those created. `change` = {"kind": "rectification"|"erasure", "fields": [names]}."""
    kind = change.get("kind", "")
    if kind not in KINDS:
        raise ValueError(f"change kind must be one of {', '.join(KINDS)}")
    conn = DB.current_connection()
    done = {
        (r["processor"], r["recipient"])
        for r in await conn.fetch(
            "SELECT processor, recipient FROM recipient_notification WHERE request = $1",
            request_id,
        )
    }
    by_plugin = await plugin_host().implemented_for_tenant(HOOK)
    method, status = ("plugin", "pending") if by_plugin else ("manual", "open")
    created = []
    for target in await _recipients(person_id):
        if (target["processor"], target["recipient"]) in done:
            continue
        notification_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO recipient_notification (id, request, person_id, processor, recipient, "
            "plugin, method, status, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())",
            notification_id,
            request_id,
            person_id,
            target["processor"],
            target["recipient"],
            target["plugin"] or "",
            method,
            status,
        )
        created.append({"id": notification_id, **target, "method": method, "status": status})
    if created:
        await audit.record(
            "request.recipients_notified",
            actor=actor,
            object_kind="data_subject_request",
            object_id=request_id,
            person_id=person_id,
            detail={"kind": kind, "count": len(created), "method": method},
        )
    if by_plugin and created:
        await outbox.enqueue(
            NOTIFY_JOB,
            request_id=str(request_id),
            kind=kind,
            fields=list(change.get("fields") or []),
        )
    return created


async def deliver_pending(
    request_id: uuid.UUID | str, kind: str, fields: list[str], *, in_scope: InScope
) -> dict:
    """The job: ask the plugins for each pending notification of the request; returns how
    many ended sent, failed and manual. Called with no transaction open (`in_scope()` opens
    the tenant's): the plugins may talk to the network, so they are asked between two short
    transactions, never inside one, and a slow recipient holds no connection or row lock:
    1. in a transaction: the pending notifications, their transfers' references, the plugins;
    2. with no transaction: one plugin call per notification;
    3. in a short second transaction: each outcome, on a row still pending (a concurrent
       redelivery that settled it first wins; the recipient may then have been told twice,
       which an erasure or a rectification notice tolerates)."""
    async with in_scope():
        notifications = await _pending(uuid.UUID(str(request_id)), kind, fields)
        enabled = await plugin_host().enabled() if notifications else {}
        tenant = current_tenant().slug
    answers = [await _ask(tenant, n, enabled) for n in notifications]
    counts = {"sent": 0, "failed": 0, "manual": 0}
    if not answers:
        return counts
    async with in_scope():
        for notification, (method, status, plugin, note) in answers:
            if await _settle(notification, method, status, plugin, note):
                counts["manual" if method == "manual" else status] += 1
    return counts


async def _pending(request_id: uuid.UUID, kind: str, fields: list[str]) -> list[dict]:
    """Step 1: the hook's argument for each pending notification of the request."""
    conn = DB.current_connection()
    rows = await conn.fetch(
        "SELECT n.id, n.request AS request_id, n.person_id, n.processor, n.recipient, n.plugin, "
        "(SELECT array_remove(array_agg(DISTINCT t.external_ref), '') FROM transfer t "
        " WHERE t.person_id = n.person_id AND t.processor = n.processor "
        " AND t.recipient = n.recipient) AS external_refs "
        "FROM recipient_notification n WHERE n.request = $1 AND n.status = 'pending' "
        "ORDER BY n.processor, n.recipient",
        request_id,
    )
    return [
        {
            "id": str(row["id"]),
            "request_id": str(row["request_id"]),
            "person_id": str(row["person_id"]),
            "kind": kind,
            "fields": list(fields),
            "processor": row["processor"],
            "recipient": row["recipient"],
            "plugin": row["plugin"],
            "external_refs": list(row["external_refs"] or []),
        }
        for row in rows
    ]


async def _ask(tenant: str, notification: dict, enabled: dict) -> tuple[dict, tuple]:
    """Step 2, no transaction open: (notification, (method, status, plugin, note))."""
    try:
        answer = await plugin_host().notify_recipient(tenant, notification, only=enabled)
    except Exception as exc:  # the plugin's failure is the notification's state
        return notification, ("plugin", "failed", notification["plugin"],
                              f"{type(exc).__name__}: {exc}"[:1000])  # fmt: skip
    if answer is None:
        return notification, ("manual", "open", notification["plugin"], "")
    plugin = str(answer.get("plugin") or notification["plugin"])[:100]
    return notification, ("plugin", "sent", plugin, str(answer.get("reference") or "")[:1000])


async def _settle(notification: dict, method: str, status: str, plugin: str, note: str) -> bool:
    """Step 3: record the outcome unless the row is no longer pending; whether it was."""
    settled = await DB.current_connection().fetchval(
        "UPDATE recipient_notification SET method = $2, status = $3::text, plugin = $4, "
        "note = $5, done_at = CASE WHEN $3::text = 'sent' THEN now() END "
        "WHERE id = $1 AND status = 'pending' RETURNING person_id",
        uuid.UUID(notification["id"]),
        method,
        status,
        plugin,
        note,
    )
    if settled is None:
        return False
    await audit.record(
        f"recipient_notification.{'manual' if method == 'manual' else status}",
        actor=audit.SYSTEM,
        object_kind="recipient_notification",
        object_id=notification["id"],
        person_id=settled,
        detail={"request": notification["request_id"], "plugin": plugin},
    )
    return True


async def mark_done(notification_id: uuid.UUID, note: str, *, actor: audit.Actor) -> dict:
    """An admin told the recipient by other means: the task is done, with how (`note`)."""
    conn = DB.current_connection()
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM recipient_notification WHERE id = $1 FOR UPDATE",
        notification_id,
    )
    if row is None:
        raise NotificationError("not_found")
    if row["status"] not in OPEN_STATUSES:
        raise NotificationError("not_allowed")
    if not note.strip():
        raise NotificationError("note_required")
    await conn.execute(
        "UPDATE recipient_notification SET status = 'done', done_at = now(), done_by = $2, "
        "note = $3 WHERE id = $1",
        notification_id,
        actor.label[:320],
        note.strip()[:2000],
    )
    await audit.record(
        "recipient_notification.done",
        actor=actor,
        object_kind="recipient_notification",
        object_id=notification_id,
        person_id=row["person_id"],
        detail={"request": str(row["request_id"]), "note_length": len(note.strip())},
    )
    return dict(row)


async def for_request(request_id: uuid.UUID) -> list[dict]:
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM recipient_notification WHERE request = $1 "
        "ORDER BY processor, recipient",
        request_id,
    )
    return [dict(r) for r in rows]


async def tasks(*, include_closed: bool = False, limit: int = 200) -> list[dict]:
    """Open manual tasks and failed deliveries first (oldest first), then the rest if asked."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM recipient_notification "
        "WHERE $1 OR (status = ANY($2::text[])) "
        "ORDER BY status = ANY($2::text[]) DESC, created_at, processor LIMIT $3",
        include_closed,
        list(OPEN_STATUSES),
        limit,
    )
    return [dict(r) for r in rows]
