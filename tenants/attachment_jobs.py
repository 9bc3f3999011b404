"""Attachment jobs as tenant jobs: verification after each upload (enqueued through the outbox
by `core.attachments.upload`) and the orphan sweep the scheduler fans out to every tenant (which
also removes social embed previews and thumbnails nothing uses any more, core.embeds)."""

from __future__ import annotations

from datetime import timedelta

from core import attachment_jobs, embeds
from core.attachments import VERIFY_JOB
from core.settings import get_settings
from tenants.actors import tenant_job

SWEEP_JOB = "attachment.sweep_orphans"


@tenant_job(VERIFY_JOB)
async def verify_attachment(attachment_id: str) -> str:
    return await attachment_jobs.verify(attachment_id)


@tenant_job(SWEEP_JOB)
async def sweep_orphan_objects() -> int:
    grace = timedelta(minutes=get_settings().attachment_orphan_grace_minutes)
    removed = await attachment_jobs.sweep_orphans(grace)
    return removed + await embeds.sweep_unused(grace)
