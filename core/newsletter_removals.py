"""Take a person off the newsletter list after the change that calls for it commits: a
withdrawn e-mail newsletter or marketing consent (core.consents), a direct-marketing objection
(core.objections) or an erasure (core.erasure); and move a subscriber to their new address
when the card's first e-mail changes (core.persons.update_person). Only schedules (outbox,
after commit) when the person has a live subscription; the jobs are
core.newsletter_unsubscribe.remove_person and core.newsletter_sync.readdress. Kept apart from
core.newsletter_sync so that consents and objections need not import the transfer gate."""

from __future__ import annotations

import uuid

from core import outbox
from core.db import DB

REMOVE_JOB = "newsletter.remove"
SYNC_JOB = "newsletter.sync"
READDRESS_JOB = "newsletter.readdress"
# Consents whose withdrawal ends the newsletter (channel e-mail).
CONSENT_PURPOSES = ("newsletter", "direct_marketing")


async def schedule(person_ids: list[uuid.UUID], reason: str) -> int:
    """Enqueue one removal per person that has a live subscription; returns how many."""
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT person_id FROM newsletter_subscription "
        "WHERE person_id = ANY($1::uuid[]) AND status <> 'removed'",
        list(person_ids),
    )
    for row in rows:
        await outbox.enqueue(REMOVE_JOB, person_id=str(row["person_id"]), reason=reason)
    return len(rows)


async def after_consent(person_id: uuid.UUID, channel: str, purpose: str, given: bool) -> None:
    if not given and channel == "email" and purpose in CONSENT_PURPOSES:
        await schedule([person_id], "consent_withdrawn")


async def after_objection(person_id: uuid.UUID, kind: str, channel: str, active: bool) -> None:
    if active and kind == "direct_marketing" and channel in ("", "email"):
        await schedule([person_id], "objection")


async def after_address_change(person_id: uuid.UUID) -> bool:
    """The card's newsletter address (its first e-mail) changed: when the person is on the
    list, enqueue the move to the new address (core.newsletter_sync.readdress)."""
    live = await DB.current_connection().fetchval(
        "SELECT 1 FROM newsletter_subscription WHERE person_id = $1 AND status = 'subscribed' "
        "LIMIT 1",
        person_id,
    )
    if live:
        await outbox.enqueue(READDRESS_JOB, person_id=str(person_id))
    return bool(live)
