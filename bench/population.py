"""The shared population: N real tenants (catalog row + role + schema + tables + migration rows).

`create_tenant` costs ~100 ms a tenant, mostly the bucket round trips and one transaction per
tenant. The migrate and memory benchmarks need no buckets, so the population is built with
provisioning's own database steps (`_insert_catalog_row`, `_create_role_and_schema`,
`_create_tables` — the very SQL `create_tenant` runs) for a batch of tenants per transaction,
then flipped to 'active' exactly as `create_tenant` does. Only the bucket is left out.
"""

from __future__ import annotations

import asyncio
import time

from core.db import DB, as_admin
from tenants.naming import tenant_names
from tenants.provisioning import _create_role_and_schema, _create_tables, _insert_catalog_row

PREFIX = "pop"


def population_slugs(n: int) -> list[str]:
    return [f"{PREFIX}{i:05d}" for i in range(n)]


async def _batch(slugs: list[str], app_role: str, bucket_prefix: str) -> None:
    with as_admin():
        async with DB.transaction() as txn:
            conn = txn.connection
            for slug in slugs:
                names = tenant_names(slug, bucket_prefix)
                await _insert_catalog_row(conn, names, f"{slug.upper()} Oy", None)
                await _create_role_and_schema(conn, names, app_role)
                await _create_tables(conn, names)
            await conn.execute(
                "UPDATE platform.tenant SET status = 'active', status_changed_at = now() "
                "WHERE slug = ANY($1::text[])",
                slugs,
            )


async def create_population(
    n: int, app_role: str, bucket_prefix: str = "kortisto-", batch: int = 10, parallel: int = 2
) -> tuple[list[str], float]:
    """Create n tenants; returns their slugs and the seconds it took. A transaction locks every
    table, index and sequence it creates (~150 a tenant): batches stay well inside the
    server's lock table (max_locks_per_transaction × max_connections)."""
    slugs = population_slugs(n)
    started = time.perf_counter()
    batches = [slugs[i : i + batch] for i in range(0, n, batch)]
    semaphore = asyncio.Semaphore(parallel)

    async def run(chunk: list[str]) -> None:
        async with semaphore:
            await _batch(chunk, app_role, bucket_prefix)

    await asyncio.gather(*(run(b) for b in batches))
    return slugs, time.perf_counter() - started
