"""Newsletter sync (DESIGN §6, issue 7 item 8): keeps the list at the tenant's newsletter
service (a plugin implementing kortisto_newsletter_subscribe/unsubscribe) in step with the
register.

- **On the list**: a card with an e-mail address whose latest e-mail newsletter consent is
  given and who has no objection or restriction: core.contact_gate through
  core.transfer_gate (purpose "newsletter", channel "email"), one transfer row per person
  sent, and a newsletter_subscription row with the service's id.
- **Off the list**: a subscribed person the gate now refuses (consent withdrawn, objection,
  restriction) or whose card is gone (erased): the service is told (kortisto_newsletter_
  unsubscribe, audited); the row becomes "removed", or is deleted after an erasure, since it
  is the last trace of the person. Withdrawals, objections and erasures also schedule the
  removal right after their commit (core.newsletter_removals), the sync is the safety net.
- **New address**: when a subscriber's first e-mail changes (`readdress`, after the edit
  commits), the old address is taken off the list and the new one subscribed through the
  gate (a new transfer row); a refusal or failure leaves the person off until the next sync.
Runs in a worker job inside the tenant scope (tenants.newsletter_jobs): nightly and from the
plugin's admin page.
"""

from __future__ import annotations

import uuid

from core import audit
from core.contact_gate import may_contact_many
from core.context import current_tenant
from core.db import DB
from core.newsletter_removals import (  # noqa: F401 - job names live there
    READDRESS_JOB,
    REMOVE_JOB,
    SYNC_JOB,
)
from core.plugin_host import plugin_host
from core.processors import Processor
from core.transfer_gate import TransferRefused, transfer

CATEGORIES = ("name", "email")


async def newsletter_plugin() -> tuple[str, Processor] | None:
    """(plugin name, its processor) of the enabled newsletter plugin, or None."""
    host = plugin_host()
    enabled = await host.enabled()
    implementers = {
        impl.plugin_name for impl in host.pm.hook.kortisto_newsletter_subscribe.get_hookimpls()
    }
    for name in sorted(enabled):
        if name in implementers:
            declared = await host.processors(only={name: enabled[name]})
            if declared:
                return name, declared[0]
    return None


async def _contacts(person_id: uuid.UUID | None = None) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT p.id, p.first_name, p.last_name, e.email FROM person p "
        "JOIN LATERAL (SELECT email FROM person_email WHERE person = p.id "
        "ORDER BY position LIMIT 1) e ON true WHERE p.merged_into IS NULL "
        "AND ($1::uuid IS NULL OR p.id = $1) ORDER BY p.id",
        person_id,
    )
    return [dict(r) for r in rows]


async def _subscriptions(person_id: uuid.UUID | None = None) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, person_id, plugin, list_id, external_id, status FROM newsletter_subscription "
        "WHERE status <> 'removed' AND ($1::uuid IS NULL OR person_id = $1) ORDER BY synced_at",
        person_id,
    )
    return [dict(r) for r in rows]


async def sync(*, actor: audit.Actor = audit.SYSTEM) -> dict:
    """One pass: subscribe the consenting, remove the refused; returns counts."""
    report = {"subscribed": 0, "removed": 0, "refused": 0, "failed": 0, "enabled": False}
    found = await newsletter_plugin()
    if found is None:
        return report
    plugin, processor = found
    report["enabled"] = True
    contacts = await _contacts()
    decisions = await may_contact_many([c["id"] for c in contacts], "email", "newsletter")
    live = {s["person_id"]: s for s in await _subscriptions() if s["status"] == "subscribed"}
    for contact in contacts:
        if not decisions[contact["id"]].allowed:
            report["refused"] += 1
            continue
        if contact["id"] in live:
            continue
        ok = await _subscribe(plugin, processor, contact, actor)
        report["subscribed" if ok else "failed"] += 1
    allowed = {pid for pid, d in decisions.items() if d.allowed}
    for person_id in [pid for pid in live if pid not in allowed]:
        reason = "erasure" if person_id not in decisions else decisions[person_id].reason
        report["removed"] += await remove_person(person_id, reason, actor=actor)
    await audit.record("newsletter.sync", actor=actor, object_kind="plugin",
                       object_id=plugin, detail=report)  # fmt: skip
    return report


async def _subscribe(plugin: str, processor: Processor, contact: dict, actor) -> bool:
    answer: dict = {}
    message = {
        "person_id": str(contact["id"]),
        "email": contact["email"],
        "first_name": contact["first_name"],
        "last_name": contact["last_name"],
        "language": "fi",
    }

    async def send() -> str:
        result = await plugin_host().newsletter_subscribe(current_tenant().slug, message)
        if not result:
            raise RuntimeError("no newsletter plugin answered")
        answer.update(result)
        return str(result.get("external_id") or "")

    try:
        outcome = await transfer(
            contact["id"], processor=processor, purpose="newsletter", channel="email",
            categories=CATEGORIES, send=send, recipient=processor.key, actor=actor,
        )  # fmt: skip
    except TransferRefused:
        return False
    sent = outcome["status"] == "sent"
    if sent:  # an earlier failed attempt is superseded
        await DB.current_connection().execute(
            "DELETE FROM newsletter_subscription WHERE person_id = $1 AND status = 'failed'",
            contact["id"],
        )
    await DB.current_connection().execute(
        "INSERT INTO newsletter_subscription (id, person_id, plugin, list_id, external_id, "
        "status, synced_at, error) VALUES ($1, $2, $3, $4, $5, $6, now(), $7)",
        uuid.uuid4(),
        contact["id"],
        plugin,
        str(answer.get("list_id") or "")[:200],
        outcome["external_ref"],
        "subscribed" if sent else "failed",
        outcome["error"],
    )
    return sent


async def readdress(person_id: uuid.UUID, *, actor: audit.Actor = audit.SYSTEM) -> dict:
    """Move a subscriber to the card's current first e-mail: unsubscribe the old address, then
    subscribe the new one through the transfer gate. Idempotent: without a live subscription
    nothing happens. Raises when the service did not take the removal, so the job retries
    (subscribing the new address beside a live old one would leave both on the list)."""
    report = {"removed": 0, "subscribed": False}
    found = await newsletter_plugin()
    live = [s for s in await _subscriptions(person_id) if s["status"] == "subscribed"]
    if found is None or not live:
        return report
    report["removed"] = await remove_person(person_id, "address_changed", actor=actor)
    if report["removed"] < len(live):
        raise RuntimeError("the newsletter service did not take the old address off the list")
    plugin, processor = found
    for contact in await _contacts(person_id):
        report["subscribed"] = await _subscribe(plugin, processor, contact, actor)
    return report


async def remove_person(person_id: uuid.UUID, reason: str, *, actor=audit.SYSTEM) -> int:
    """Tell the service to drop the person's live subscriptions; returns how many went. After
    an erasure the row is deleted once the service confirmed; a failure stays on the row."""
    conn = DB.current_connection()
    if reason != "erasure" and not await conn.fetchval(
        "SELECT 1 FROM person WHERE id = $1", person_id
    ):
        reason = "erasure"  # the card is gone: nothing of the person may stay
    removed = 0
    live = [s for s in await _subscriptions(person_id) if s["status"] == "subscribed"]
    for subscription in live:
        payload = {**subscription, "id": str(subscription["id"]),
                   "person_id": str(person_id), "reason": reason}  # fmt: skip
        try:
            done = await plugin_host().newsletter_unsubscribe(current_tenant().slug, payload)
        except Exception as exc:  # the service's failure is the row's state
            done, error = False, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            error = "" if done else "no enabled newsletter plugin took the removal"
        if not done:
            await conn.execute(
                "UPDATE newsletter_subscription SET error = $2 WHERE id = $1",
                subscription["id"],
                error,
            )
            continue
        if reason == "erasure":
            await conn.execute("DELETE FROM newsletter_subscription WHERE id = $1",
                               subscription["id"])  # fmt: skip
        else:
            await conn.execute(
                "UPDATE newsletter_subscription SET status = 'removed', error = '', "
                "synced_at = now() WHERE id = $1",
                subscription["id"],
            )
        removed += 1
        await audit.record(
            "newsletter.unsubscribe",
            actor=actor,
            object_kind="newsletter_subscription",
            object_id=subscription["id"],
            # An erased card is gone; the audit keeps no link to it.
            person_id=None if reason == "erasure" else person_id,
            detail={"plugin": subscription["plugin"], "reason": reason},
        )
    if reason == "erasure":  # earlier failed or removed rows are traces of the person too
        await conn.execute(
            "DELETE FROM newsletter_subscription WHERE person_id = $1 AND status <> 'subscribed'",
            person_id,
        )
    return removed
