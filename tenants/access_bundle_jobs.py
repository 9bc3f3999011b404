"""Access copies as tenant jobs: the build (enqueued through the outbox by
core.access_bundle_build.start_build) and the expiry sweep the scheduler fans out hourly.

The build's intermediate progress is written in short transactions of their own, so the page
polling it sees each step while the build's own transaction is still open; a failed build
marks its progress failed the same way (its own transaction rolled back)."""

from __future__ import annotations

import uuid

from core import access_bundle_build
from core.attachments import object_store
from core.context import current_tenant
from tenants.actors import tenant_job
from tenants.scope import run_outside_scope, tenant_scope

BUILD_JOB = access_bundle_build.BUILD_JOB
EXPIRE_JOB = "requests.expire_bundles"


def _reporter(slug: str):
    async def report(progress_id: uuid.UUID, status: str, done: int, total: int, msg: str):
        async def write() -> None:
            async with tenant_scope(slug):
                await access_bundle_build.set_progress(progress_id, status, done, total, msg)

        await run_outside_scope(write)

    return report


@tenant_job(BUILD_JOB)
async def build_bundle(request_id: str, progress_id: str, language: str = "fi") -> str:
    report = _reporter(current_tenant().slug)
    progress = uuid.UUID(progress_id)
    try:
        return await access_bundle_build.build(
            uuid.UUID(request_id),
            progress,
            store=object_store(),
            language=language,
            report=report,
        )
    except Exception as exc:
        await report(progress, "failed", 0, 0, type(exc).__name__)
        raise


@tenant_job(EXPIRE_JOB)
async def expire_bundles() -> int:
    return await access_bundle_build.expire_bundles(object_store())
