"""The retention sweep as a tenant job: the scheduler fans it out nightly to every tenant, and an
admin can queue one from the retention pages. Idempotent twice over: the job runs once per
message id (tenants.actors), and a repeated sweep finds nothing more to remove
(core.retention)."""

from __future__ import annotations

import uuid

from core import audit, retention
from core.db import DB
from tenants.actors import tenant_job

SWEEP_JOB = "retention.sweep"


@tenant_job(SWEEP_JOB)
async def sweep_tenant(actor_id: str = "", actor_label: str = "", progress_id: str = "") -> str:
    """Sweep this tenant; `progress_id` names the job_progress row an admin's page watches."""
    actor = audit.Actor("user", actor_id, actor_label) if actor_id else audit.SYSTEM
    run_id = await retention.sweep(actor=actor)
    if progress_id:
        await DB.current_connection().execute(
            "UPDATE job_progress SET status = 'done', done = 1, total = 1, message = $2, "
            "updated_at = now() WHERE id = $1",
            uuid.UUID(progress_id),
            str(run_id),
        )
    return str(run_id)
