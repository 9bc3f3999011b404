"""Data-subject request jobs. Reminders: the scheduler fans them out nightly to every tenant
(see core.request_deadlines.send_reminders; idempotent per request, threshold and due date, so a
redelivered or repeated run mails nobody twice). Art. 19 notifications of recipients: enqueued
after commit by core.recipient_notifications, run with no tenant transaction open around the
plugins' calls (only pending ones are sent, so a redelivery after success sends nothing twice)."""

from __future__ import annotations

from core import recipient_notifications, request_deadlines
from core.context import current_tenant
from core.settings import get_settings
from tenants.actors import tenant_job
from tenants.scope import tenant_scope

REMIND_JOB = "requests.remind"


@tenant_job(REMIND_JOB)
async def remind_admins() -> int:
    base = f"{get_settings().web.public_url}/t/{current_tenant().slug}"
    return await request_deadlines.send_reminders(base_url=base)


@tenant_job(recipient_notifications.NOTIFY_JOB, own_scope=True)
async def notify_recipients(tenant: str, request_id: str, kind: str, fields: list[str]) -> dict:
    """The recipients' plugins are asked between two short tenant transactions."""
    return await recipient_notifications.deliver_pending(
        request_id, kind, fields, in_scope=lambda: tenant_scope(tenant)
    )
