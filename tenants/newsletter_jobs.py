"""Newsletter jobs: the sync (nightly from the scheduler, and from the plugin's admin page)
and one person's removal after a withdrawal, objection or erasure committed
(core.newsletter_removals). Both are idempotent: the sync subscribes only those without a live
subscription, a removal only touches live subscriptions."""

from __future__ import annotations

import uuid

from core import newsletter_sync
from core.newsletter_removals import REMOVE_JOB, SYNC_JOB
from tenants.actors import tenant_job


@tenant_job(SYNC_JOB)
async def sync_newsletter() -> dict:
    return await newsletter_sync.sync()


@tenant_job(REMOVE_JOB)
async def remove_from_newsletter(person_id: str, reason: str) -> int:
    return await newsletter_sync.remove_person(uuid.UUID(person_id), reason)
