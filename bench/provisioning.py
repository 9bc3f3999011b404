"""Tenant provisioning: `create_tenant` against the plain-SQL floor, measured interleaved.

Per round, in rotating order:
- floor: one owner transaction doing `CREATE SCHEMA` + `tenant_table_script()` (the tables'
  DDL in one round trip) under that search_path, nothing else;
- db-only: the real `create_tenant` with an object store that does nothing (the database part);
- bucket: what `create_tenant` asks of S3 for a new tenant (`bucket_exists` + `create_bucket`);
- create_tenant: the real thing, bucket included.
Everything it made is deleted afterwards (timed too), so later benchmarks see only their own
tenants.
"""

from __future__ import annotations

import time

from bench.common import FULL, Result, Table, Target, close_pools, median, ms, percentile
from core.db import DB, as_admin
from core.storage import ObjectStore
from tenants.migrate import tenant_table_script
from tenants.naming import quote_ident
from tenants.provisioning import create_tenant, delete_tenant

ROUNDS = 200 if FULL else 50
WARMUP = 3
MEDIAN_TARGET_MS = 150.0
RATIO_TARGET = 1.5


class NullStore:
    """An object store that does nothing: isolates the database part of `create_tenant`."""

    async def bucket_exists(self, bucket: str) -> bool:
        return False

    async def create_bucket(self, bucket: str) -> None:
        return None

    async def remove_bucket(self, bucket: str) -> None:
        return None


async def _floor(schema: str) -> None:
    with as_admin():
        async with DB.transaction() as txn:
            conn = txn.connection
            await conn.execute(f"CREATE SCHEMA {quote_ident(schema)}")
            await conn.execute("SELECT set_config('search_path', $1, true)", schema)
            await conn.execute(tenant_table_script())


async def _bucket(store: ObjectStore, bucket: str, split: list[float]) -> None:
    """What create_tenant asks of S3; `split` gets the time of the create_bucket call alone."""
    if await store.bucket_exists(bucket):
        raise RuntimeError(f"bucket {bucket} exists")
    started = time.perf_counter()
    await store.create_bucket(bucket)  # itself bucket_exists + make_bucket
    split.append(time.perf_counter() - started)


def _stats(samples: list[float]) -> tuple[float, float, float, float]:
    data = [ms(s) for s in samples]
    return median(data), percentile(data, 95), min(data), max(data)


async def run_provisioning(stack) -> Result:
    settings = stack.settings
    app_role = settings.database.app_role
    store = ObjectStore.from_settings(settings)
    null = NullStore()
    result = Result("provisioning", f"Tenant provisioning ({ROUNDS} tenants)")

    async def floor(i: int) -> None:
        await _floor(f"f_{i:04d}")

    async def db_only(i: int) -> None:
        await create_tenant(f"pd{i:04d}", f"PD {i} Oy", store=null, app_role=app_role)

    create_split: list[float] = []

    async def bucket(i: int) -> None:
        await _bucket(store, f"kb-bucket-{i:04d}", create_split)

    async def full(i: int) -> None:
        await create_tenant(f"pf{i:04d}", f"PF {i} Oy", store=store, app_role=app_role)

    kinds = [("floor", floor), ("db_only", db_only), ("bucket", bucket), ("full", full)]
    samples: dict[str, list[float]] = {k: [] for k, _ in kinds}
    for i in range(WARMUP + ROUNDS):
        shift = i % len(kinds)
        for name, fn in kinds[shift:] + kinds[:shift]:
            started = time.perf_counter()
            await fn(i)
            elapsed = time.perf_counter() - started
            if i >= WARMUP:
                samples[name].append(elapsed)

    fl_med = median(samples["floor"])
    table = Table(
        f"per tenant, {ROUNDS} rounds after {WARMUP} warm-up, interleaved",
        ["what", "median ms", "p95 ms", "min ms", "max ms", "median / floor"],
    )
    labels = {
        "full": "create_tenant (DB + bucket)",
        "db_only": "create_tenant, no-op store (DB part)",
        "bucket": "bucket_exists + create_bucket (S3 part)",
        "floor": "floor: CREATE SCHEMA + table DDL",
    }
    split = create_split[WARMUP:]
    for name in ("full", "db_only", "bucket", "floor"):
        med, p95, lo, hi = _stats(samples[name])
        table.add(labels[name], med, p95, lo, hi, median(samples[name]) / fl_med)
        if name == "bucket":
            med, p95, lo, hi = _stats(split)
            table.add(
                "… of which create_bucket (exists + make)", med, p95, lo, hi, median(split) / fl_med
            )
    result.tables.append(table)

    paired = [f / b for f, b in zip(samples["full"], samples["floor"], strict=True)]

    full_med = median(samples["full"])
    db_med = median(samples["db_only"])
    bucket_med = median(samples["bucket"])
    extra = db_med - fl_med
    extra_text = (
        f" + {ms(extra):.0f} ms catalog/role/grants/migration rows"
        if extra > 0
        else "; the difference is within the noise"
    )
    result.notes.append(
        f"of create_tenant's median {ms(full_med):.0f} ms: database part {ms(db_med):.0f} ms "
        f"(floor {ms(fl_med):.0f} ms{extra_text}), S3 part {ms(bucket_med):.0f} ms "
        f"(sum {ms(db_med + bucket_med):.0f} ms: the parts run one after the other)"
    )
    result.notes.append(
        f"per-round ratio create_tenant / floor: median {median(paired):.2f}, "
        f"p95 {percentile(paired, 95):.2f}"
    )

    # Clean up (and time delete_tenant while at it).
    deletes: list[float] = []
    for i in range(WARMUP + ROUNDS):
        started = time.perf_counter()
        await delete_tenant(f"pf{i:04d}", store=store)
        deletes.append(time.perf_counter() - started)
        await delete_tenant(f"pd{i:04d}", store=null)
        await store.remove_bucket(f"kb-bucket-{i:04d}")
    # One transaction per schema: dropping them all at once needs a lock per table, index and
    # sequence of every schema and runs out of max_locks_per_transaction.
    with as_admin():
        for i in range(WARMUP + ROUNDS):
            async with DB.transaction() as txn:
                await txn.connection.execute(f"DROP SCHEMA {quote_ident(f'f_{i:04d}')} CASCADE")
    med, p95, _, _ = _stats(deletes)
    result.notes.append(f"delete_tenant (bucket included): median {med:.0f} ms, p95 {p95:.0f} ms")

    result.targets.append(Target("create_tenant median", ms(full_med), MEDIAN_TARGET_MS, "ms"))
    result.targets.append(
        Target("create_tenant median / floor median", full_med / fl_med, RATIO_TARGET, "x")
    )
    await close_pools()
    return result
