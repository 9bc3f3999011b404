"""Newsletter jobs: the sync (nightly from the scheduler, and from the plugin's admin page),
one person's removal after a withdrawal, objection or erasure committed, and one
subscriber's move to a changed address (core.newsletter_removals). Each opens its own short
tenant scopes (tenant_job(own_scope=True)): the newsletter service is called between them,
with no tenant transaction open. All are idempotent by their rows: the sync subscribes only
those without a live subscription, a removal and a move only touch live subscriptions; and a
message that already succeeded is not run again (tenants.actors.run_once)."""

from __future__ import annotations

import json
import uuid

from core import newsletter_sync
from core.db import DB
from core.newsletter_removals import READDRESS_JOB, REMOVE_JOB, SYNC_JOB
from core.newsletter_unsubscribe import remove_person
from tenants.actors import tenant_job
from tenants.scope import tenant_scope


@tenant_job(SYNC_JOB, own_scope=True)
async def sync_newsletter(tenant: str, progress_id: str = "") -> dict:
    """`progress_id` names the job_progress row the admin's newsletter page watches."""
    report = await newsletter_sync.sync(in_scope=lambda: tenant_scope(tenant))
    if progress_id:
        async with tenant_scope(tenant):
            await DB.current_connection().execute(
                "UPDATE job_progress SET status = 'done', done = 1, total = 1, message = $2, "
                "updated_at = now() WHERE id = $1",
                uuid.UUID(progress_id),
                json.dumps(report),
            )
    return report


@tenant_job(REMOVE_JOB, own_scope=True)
async def remove_from_newsletter(tenant: str, person_id: str, reason: str) -> int:
    return await remove_person(uuid.UUID(person_id), reason, in_scope=lambda: tenant_scope(tenant))


@tenant_job(READDRESS_JOB, own_scope=True)
async def readdress_newsletter(tenant: str, person_id: str) -> dict:
    """A subscriber's e-mail changed (core.persons.update_person): move them to it."""
    return await newsletter_sync.readdress(
        uuid.UUID(person_id), in_scope=lambda: tenant_scope(tenant)
    )
