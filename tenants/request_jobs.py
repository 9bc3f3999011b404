"""Data-subject request reminders as a tenant job: the scheduler fans it out nightly to every
tenant (see core.request_deadlines.send_reminders; idempotent per request, threshold and due
date, so a redelivered or repeated run mails nobody twice)."""

from __future__ import annotations

from core import request_deadlines
from core.context import current_tenant
from core.settings import get_settings
from tenants.actors import tenant_job

REMIND_JOB = "requests.remind"


@tenant_job(REMIND_JOB)
async def remind_admins() -> int:
    base = f"{get_settings().web.public_url}/t/{current_tenant().slug}"
    return await request_deadlines.send_reminders(base_url=base)
