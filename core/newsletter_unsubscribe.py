"""Taking a person off the newsletter list at the service (kortisto_newsletter_unsubscribe):
after a withdrawal, an objection, a restriction, an erasure (core.newsletter_removals
schedules it, the sync is the safety net) and before a subscriber moves to a new address
(core.newsletter_sync.readdress).

Called with no transaction open; `in_scope()` opens the tenant's transaction. The service's
HTTP calls are made between two short transactions, never inside one, so a slow service does
not hold the tenant's connection and row locks for up to its timeout:
1. in a transaction: the person's live subscriptions and the enabled plugins' settings;
2. with no transaction: one call to the service per live subscription;
3. in a short second transaction: each subscription's outcome (removed, or deleted after an
   erasure; a failure stays on the row as its error).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from core import audit
from core.context import current_tenant
from core.db import DB
from core.plugin_host import plugin_host

# Opens the tenant's transaction (the job passes tenants.scope.tenant_scope for its tenant).
InScope = Callable[[], AbstractAsyncContextManager[Any]]


async def live_subscriptions(person_id: uuid.UUID | None = None) -> list[dict]:
    """Subscriptions not removed (subscribed or failed), oldest sync first; in a scope."""
    rows = await DB.current_connection().fetch(
        "SELECT id, person_id, plugin, list_id, external_id, status FROM newsletter_subscription "
        "WHERE status <> 'removed' AND ($1::uuid IS NULL OR person_id = $1) ORDER BY synced_at",
        person_id,
    )
    return [dict(r) for r in rows]


async def remove_person(
    person_id: uuid.UUID, reason: str, *, in_scope: InScope, actor: audit.Actor = audit.SYSTEM
) -> int:
    """Tell the service to drop the person's live subscriptions; returns how many went. After
    an erasure the row is deleted once the service confirmed; a failure stays on the row."""
    async with in_scope():
        if reason != "erasure" and not await DB.current_connection().fetchval(
            "SELECT 1 FROM person WHERE id = $1", person_id
        ):
            reason = "erasure"  # the card is gone: nothing of the person may stay
        live = [s for s in await live_subscriptions(person_id) if s["status"] == "subscribed"]
        enabled = await plugin_host().enabled() if live else {}
        tenant = current_tenant().slug
    answers = [await _unsubscribe(tenant, s, person_id, reason, enabled) for s in live]
    if not answers and reason != "erasure":
        return 0
    async with in_scope():
        removed = 0
        for subscription, error in answers:
            if error:
                await DB.current_connection().execute(
                    "UPDATE newsletter_subscription SET error = $2 WHERE id = $1",
                    subscription["id"],
                    error,
                )
            else:
                await _settle_removed(subscription, person_id, reason, actor)
                removed += 1
        if reason == "erasure":  # earlier failed or removed rows are traces of the person too
            await DB.current_connection().execute(
                "DELETE FROM newsletter_subscription WHERE person_id = $1 "
                "AND status <> 'subscribed'",
                person_id,
            )
    return removed


async def _unsubscribe(
    tenant: str, subscription: dict, person_id: uuid.UUID, reason: str, enabled: dict
) -> tuple[dict, str]:
    """Step 2, no transaction open: (the subscription, "" or why the service did not take it)."""
    payload = {**subscription, "id": str(subscription["id"]),
               "person_id": str(person_id), "reason": reason}  # fmt: skip
    try:
        done = await plugin_host().newsletter_unsubscribe(tenant, payload, only=enabled)
    except Exception as exc:  # the service's failure is the row's state
        return subscription, f"{type(exc).__name__}: {exc}"[:2000]
    return subscription, "" if done else "no enabled newsletter plugin took the removal"


async def _settle_removed(
    subscription: dict, person_id: uuid.UUID, reason: str, actor: audit.Actor
) -> None:
    conn = DB.current_connection()
    if reason == "erasure":
        await conn.execute("DELETE FROM newsletter_subscription WHERE id = $1", subscription["id"])
    else:
        await conn.execute(
            "UPDATE newsletter_subscription SET status = 'removed', error = '', "
            "synced_at = now() WHERE id = $1",
            subscription["id"],
        )
    await audit.record(
        "newsletter.unsubscribe",
        actor=actor,
        object_kind="newsletter_subscription",
        object_id=subscription["id"],
        # An erased card is gone; the audit keeps no link to it.
        person_id=None if reason == "erasure" else person_id,
        detail={"plugin": subscription["plugin"], "reason": reason},
    )
