"""Tenant export archives asked for by an operator, delivered to the tenant's own admins.

The operator console enqueues `tenant.export_archive`; the job runs in the tenant's scope (its
role, its schema), writes every table to a gzipped JSON object in the tenant's own bucket under
`archives/`, and records it in the tenant's audit. The tenant's admins download it from their
admin page; the operator is told only that it was done (and how big it is), never the content.
Secrets (password hashes, sealed TOTP seeds, token hashes) are left out of the archive.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from datetime import UTC, datetime

from core import audit, outbox, platform_audit
from core.context import current_tenant
from core.db import DB
from core.settings import get_settings
from core.storage import ObjectStore
from tenants.actors import tenant_job
from tenants.naming import quote_ident
from tenants.scope import platform_transaction, run_outside_scope, tenant_scope

EXPORT_ARCHIVE = "tenant.export_archive"
ARCHIVE_PREFIX = "archives/"
CONTENT_TYPE = "application/gzip"
SECRET_COLUMNS = frozenset({"password_hash", "totp_secret", "token_hash", "key_code_hash"})
# Bookkeeping of the machinery, not the tenant's data.
SKIPPED_TABLES = frozenset({"outbox_message", "job_run"})
_ARCHIVE_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f-]{36}\.json\.gz$")


async def request_export(slug: str, operator: dict) -> uuid.UUID:
    """Enqueue the export job for `slug` (after commit) and audit the request on both sides."""
    request_id = uuid.uuid4()
    async with tenant_scope(slug):
        await outbox.enqueue(
            EXPORT_ARCHIVE, request_id=str(request_id), requested_by=operator["email"]
        )
        await audit.record(
            "archive.requested", actor=audit.Actor.operator(operator["id"], operator["email"]),
            object_kind="archive", object_id=request_id,
        )
    async with platform_transaction():
        await platform_audit.record(
            "tenant.export_requested", operator=operator, tenant_slug=slug,
            detail={"request": request_id},
        )
    return request_id


def archive_name(request_id: str, at: datetime) -> str:
    return f"{at.strftime('%Y%m%dT%H%M%SZ')}-{uuid.UUID(request_id)}.json.gz"


def is_archive_name(name: str) -> bool:
    return bool(_ARCHIVE_NAME.match(name))


async def _dump_tables() -> dict[str, list]:
    conn = DB.current_connection()
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    dump: dict[str, list] = {}
    for t in tables:
        name = t["table_name"]
        if name in SKIPPED_TABLES:
            continue
        rows = await conn.fetch(f"SELECT row_to_json(x)::text AS j FROM {quote_ident(name)} x")
        dump[name] = [
            {k: v for k, v in json.loads(r["j"]).items() if k not in SECRET_COLUMNS} for r in rows
        ]
    return dump


@tenant_job(EXPORT_ARCHIVE)
async def export_archive(request_id: str, requested_by: str = "") -> dict:
    """Write the archive; the object name comes from the request, so a retry overwrites the
    same object instead of leaving a second copy."""
    tenant = current_tenant()
    at = datetime.now(UTC)
    payload = {
        "tenant": tenant.slug,
        "exported_at": at.isoformat(),
        "requested_by": requested_by,
        "tables": await _dump_tables(),
    }
    data = gzip.compress(json.dumps(payload, ensure_ascii=False, default=str).encode())
    store = ObjectStore.from_settings(get_settings())
    existing = [o for o in await store.listing(ARCHIVE_PREFIX) if request_id in o["key"]]
    key = existing[0]["key"] if existing else ARCHIVE_PREFIX + archive_name(request_id, at)
    stored = await store.put(key, data, CONTENT_TYPE)
    await audit.record(
        "archive.created", actor=audit.SYSTEM, object_kind="archive", object_id=request_id,
        detail={"key": key, "bytes": stored.size, "requested_by": requested_by},
    )
    slug = tenant.slug

    async def tell_platform() -> None:
        async with platform_transaction():
            await platform_audit.record(
                "tenant.export_done", label="system", tenant_slug=slug,
                detail={"request": request_id, "bytes": stored.size},
            )

    await run_outside_scope(tell_platform)
    return {"key": key, "bytes": stored.size}


async def archives() -> list[dict]:
    """The current tenant's archives, newest first (for its admins)."""
    store = ObjectStore.from_settings(get_settings())
    found = await store.listing(ARCHIVE_PREFIX)
    return [dict(o, name=o["key"][len(ARCHIVE_PREFIX) :]) for o in found]


async def read_archive(name: str) -> bytes | None:
    if not is_archive_name(name):
        return None
    store = ObjectStore.from_settings(get_settings())
    if await store.stat(ARCHIVE_PREFIX + name) is None:
        return None
    return await store.get(ARCHIVE_PREFIX + name)
