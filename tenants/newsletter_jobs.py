"""Newsletter jobs: the sync (nightly from the scheduler, and from the plugin's admin page),
one person's removal after a withdrawal, objection or erasure committed, and one
subscriber's move to a changed address (core.newsletter_removals). All are idempotent: the
sync subscribes only those without a live subscription, a removal and a move only touch live
subscriptions."""

from __future__ import annotations

import json
import uuid

from core import newsletter_sync
from core.db import DB
from core.newsletter_removals import READDRESS_JOB, REMOVE_JOB, SYNC_JOB
from tenants.actors import tenant_job


@tenant_job(SYNC_JOB)
async def sync_newsletter(progress_id: str = "") -> dict:
    """`progress_id` names the job_progress row the admin's newsletter page watches."""
    report = await newsletter_sync.sync()
    if progress_id:
        await DB.current_connection().execute(
            "UPDATE job_progress SET status = 'done', done = 1, total = 1, message = $2, "
            "updated_at = now() WHERE id = $1",
            uuid.UUID(progress_id),
            json.dumps(report),
        )
    return report


@tenant_job(REMOVE_JOB)
async def remove_from_newsletter(person_id: str, reason: str) -> int:
    return await newsletter_sync.remove_person(uuid.UUID(person_id), reason)


@tenant_job(READDRESS_JOB)
async def readdress_newsletter(person_id: str) -> dict:
    """A subscriber's e-mail changed (core.persons.update_person): move them to it."""
    return await newsletter_sync.readdress(uuid.UUID(person_id))
