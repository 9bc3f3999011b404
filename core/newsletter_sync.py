"""Newsletter sync (DESIGN §6, issue 7 item 8): keeps the list at the tenant's newsletter
service (a plugin implementing kortisto_newsletter_subscribe/unsubscribe) in step with the
register.

- **On the list**: a card with an e-mail address whose latest e-mail newsletter consent is
  given and who has no objection or restriction: core.contact_gate through
  core.transfer_gate (purpose "newsletter", channel "email"), one transfer row per person
  sent, and a newsletter_subscription row with the service's id.
- **Off the list**: a subscribed person the gate now refuses (consent withdrawn, objection,
  restriction) or whose card is gone (erased): the service is told
  (core.newsletter_unsubscribe.remove_person). Withdrawals, objections and erasures also
  schedule the removal right after their commit (core.newsletter_removals), the sync is the
  safety net.
- **New address**: when a subscriber's first e-mail changes (`readdress`, after the edit
  commits), the old address is taken off the list and the new one subscribed through the
  gate (a new transfer row); a refusal or failure leaves the person off until the next sync.
Runs in worker jobs (tenants.newsletter_jobs: nightly and from the plugin's admin page) with
no transaction open: `in_scope()` opens the tenant's transaction for each step, and every call
to the service is made between two short transactions, never inside one (a slow service must
not hold the tenant's connection and row locks for up to its timeout):
1. in a transaction: who goes on the list; the gate's check, and the transfer row recorded
   pending (core.transfer_gate.deferred_sends) with the send handed back;
2. with no transaction: the service's calls;
3. in a short second transaction: each transfer row's outcome and the subscription rows.
Subscriptions go in batches of BATCH, so a crash loses at most one batch's outcomes (their
transfer rows stay pending; the next sync subscribes those persons again).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import audit
from core.contact_gate import may_contact_many
from core.context import current_tenant
from core.db import DB
from core.newsletter_removals import (  # noqa: F401 - job names live there
    READDRESS_JOB,
    REMOVE_JOB,
    SYNC_JOB,
)
from core.newsletter_unsubscribe import InScope, live_subscriptions, remove_person
from core.plugin_host import plugin_host
from core.processors import Processor
from core.transfer_gate import (
    PendingSend,
    TransferRefused,
    deferred_sends,
    record_outcome,
    transfer,
)

CATEGORIES = ("name", "email")
BATCH = 50  # subscriptions per pair of short transactions


@dataclass(frozen=True)
class NewsletterService:
    """The enabled newsletter plugin as read in the tenant's scope, so that its calls can be
    made after the commit (no settings can be read then)."""

    tenant: str
    plugin: str
    processor: Processor
    enabled: dict[str, dict]  # {plugin: options} of the tenant's enabled plugins


async def newsletter_service() -> NewsletterService | None:
    """The enabled newsletter plugin with its processor and settings, or None; in a scope."""
    host = plugin_host()
    enabled = await host.enabled()
    implementers = {
        impl.plugin_name for impl in host.pm.hook.kortisto_newsletter_subscribe.get_hookimpls()
    }
    for name in sorted(enabled):
        if name in implementers:
            declared = await host.processors(only={name: enabled[name]})
            if declared:
                return NewsletterService(current_tenant().slug, name, declared[0], enabled)
    return None


async def newsletter_plugin() -> tuple[str, Processor] | None:
    """(plugin name, its processor) of the enabled newsletter plugin, or None."""
    found = await newsletter_service()
    return (found.plugin, found.processor) if found else None


async def _contacts(person_id: uuid.UUID | None = None) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT p.id, p.first_name, p.last_name, e.email FROM person p "
        "JOIN LATERAL (SELECT email FROM person_email WHERE person = p.id "
        "ORDER BY position LIMIT 1) e ON true WHERE p.merged_into IS NULL "
        "AND ($1::uuid IS NULL OR p.id = $1) ORDER BY p.id",
        person_id,
    )
    return [dict(r) for r in rows]


async def sync(*, in_scope: InScope, actor: audit.Actor = audit.SYSTEM) -> dict:
    """One pass: subscribe the consenting, remove the refused; returns counts. Called with no
    transaction open."""
    report = {"subscribed": 0, "removed": 0, "refused": 0, "failed": 0, "enabled": False}
    async with in_scope():
        service = await newsletter_service()
        if service is None:
            return report
        contacts = await _contacts()
        decisions = await may_contact_many([c["id"] for c in contacts], "email", "newsletter")
        subscribed = [s for s in await live_subscriptions() if s["status"] == "subscribed"]
        live = dict.fromkeys(s["person_id"] for s in subscribed)
    report["enabled"] = True
    newcomers = []
    for contact in contacts:
        if not decisions[contact["id"]].allowed:
            report["refused"] += 1
        elif contact["id"] not in live:
            newcomers.append(contact)
    for start in range(0, len(newcomers), BATCH):
        sent, failed = await subscribe(service, newcomers[start : start + BATCH],
                                       in_scope=in_scope, actor=actor)  # fmt: skip
        report["subscribed"] += sent
        report["failed"] += failed
    allowed = {pid for pid, d in decisions.items() if d.allowed}
    for person_id in [pid for pid in live if pid not in allowed]:
        reason = "erasure" if person_id not in decisions else decisions[person_id].reason
        report["removed"] += await remove_person(person_id, reason, in_scope=in_scope,
                                                 actor=actor)  # fmt: skip
    async with in_scope():
        await audit.record("newsletter.sync", actor=actor, object_kind="plugin",
                           object_id=service.plugin, detail=report)  # fmt: skip
    return report


async def subscribe(
    service: NewsletterService, contacts: list[dict], *, in_scope: InScope, actor: audit.Actor
) -> tuple[int, int]:
    """Put `contacts` on the list through the gate, the service called between two short
    transactions; returns (subscribed, failed or refused)."""
    answers: dict[uuid.UUID, dict] = {}
    refused = 0
    async with in_scope():
        with deferred_sends() as sends:
            for contact in contacts:
                try:
                    await transfer(
                        contact["id"], processor=service.processor, purpose="newsletter",
                        channel="email", categories=CATEGORIES, actor=actor,
                        send=_subscribe_call(service, contact, answers),
                        recipient=service.processor.key,
                    )  # fmt: skip
                except TransferRefused:
                    refused += 1
    results: list[tuple[PendingSend, object, Exception | None]] = []
    for pending in sends:  # no transaction open
        try:
            results.append((pending, await pending.send(), None))
        except Exception as exc:  # the service's failure is the transfer's state
            results.append((pending, None, exc))
    sent = 0
    async with in_scope():
        for pending, reference, error in results:
            outcome = await record_outcome(pending, reference, error=error)
            answer = answers.get(pending.person_id, {})
            sent += await _record_subscription(service.plugin, pending.person_id, answer, outcome)
    return sent, len(contacts) - sent


def _subscribe_call(service: NewsletterService, contact: dict, answers: dict):
    message = {
        "person_id": str(contact["id"]),
        "email": contact["email"],
        "first_name": contact["first_name"],
        "last_name": contact["last_name"],
        "language": "fi",
    }

    async def send() -> str:
        result = await plugin_host().newsletter_subscribe(
            service.tenant, message, only=service.enabled
        )
        if not result:
            raise RuntimeError("no newsletter plugin answered")
        answers[contact["id"]] = result
        return str(result.get("external_id") or "")

    return send


async def _record_subscription(plugin: str, person_id, answer: dict, outcome: dict) -> bool:
    sent = outcome["status"] == "sent"
    if sent:  # an earlier failed attempt is superseded
        await DB.current_connection().execute(
            "DELETE FROM newsletter_subscription WHERE person_id = $1 AND status = 'failed'",
            person_id,
        )
    await DB.current_connection().execute(
        "INSERT INTO newsletter_subscription (id, person_id, plugin, list_id, external_id, "
        "status, synced_at, error) VALUES ($1, $2, $3, $4, $5, $6, now(), $7)",
        uuid.uuid4(),
        person_id,
        plugin,
        str(answer.get("list_id") or "")[:200],
        outcome["external_ref"],
        "subscribed" if sent else "failed",
        outcome["error"],
    )
    return sent


async def readdress(
    person_id: uuid.UUID, *, in_scope: InScope, actor: audit.Actor = audit.SYSTEM
) -> dict:
    """Move a subscriber to the card's current first e-mail: unsubscribe the old address, then
    subscribe the new one through the transfer gate. Idempotent: without a live subscription
    nothing happens. Raises when the service did not take the removal, so the job retries
    (subscribing the new address beside a live old one would leave both on the list)."""
    report = {"removed": 0, "subscribed": False}
    async with in_scope():
        service = await newsletter_service()
        live = [s for s in await live_subscriptions(person_id) if s["status"] == "subscribed"]
    if service is None or not live:
        return report
    report["removed"] = await remove_person(person_id, "address_changed", in_scope=in_scope,
                                            actor=actor)  # fmt: skip
    if report["removed"] < len(live):
        raise RuntimeError("the newsletter service did not take the old address off the list")
    async with in_scope():
        contacts = await _contacts(person_id)
    if contacts:
        sent, _failed = await subscribe(service, contacts, in_scope=in_scope, actor=actor)
        report["subscribed"] = sent == 1
    return report
