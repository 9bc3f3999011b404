"""The nightly consistency check of one tenant (runs inside that tenant's scope)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from core.context import current_tenant
from core.db import DB
from core.storage import ObjectStore, StorageUnavailableError

STALE_OUTBOX_MINUTES = 10


async def check_tenant(expected_migrations: Iterable[str], store: ObjectStore | None) -> dict:
    """Count rows, compare migrations, look for stuck jobs and the bucket; store a report."""
    conn = DB.current_connection()
    tenant = current_tenant()
    problems: list[str] = []
    tables = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
    )
    counts = {}
    for t in tables:
        name = t["relname"]
        counts[name] = await conn.fetchval(f'SELECT count(*) FROM "{name}"')
    applied = {
        r["name"]
        for r in await conn.fetch("SELECT name FROM migration WHERE app_name = 'register'")
    }
    missing = sorted(set(expected_migrations) - applied)
    if missing:
        problems.append(f"{len(missing)} migration(s) not applied: {', '.join(missing)}")
    stale = await conn.fetchval(
        "SELECT count(*) FROM outbox_message WHERE created_at < now() - make_interval(mins => $1)",
        STALE_OUTBOX_MINUTES,
    )
    if stale:
        problems.append(f"{stale} job(s) waiting in the outbox for over {STALE_OUTBOX_MINUTES} min")
    bucket_ok = None
    if store is not None:
        try:
            bucket_ok = await store.bucket_exists(tenant.bucket)
        except StorageUnavailableError:
            bucket_ok = False
        if not bucket_ok:
            problems.append(f"bucket {tenant.bucket} is missing or unreachable")
    details = {
        "row_counts": counts,
        "missing_migrations": missing,
        "stale_outbox": stale,
        "bucket_ok": bucket_ok,
        "problems": problems,
    }
    await conn.execute(
        "INSERT INTO health_report (id, checked_at, status, details) "
        "VALUES ($1, now(), $2, $3::jsonb)",
        uuid.uuid4(),
        "ok" if not problems else "warning",
        json.dumps(details),
    )
    return details
