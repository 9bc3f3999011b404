"""`kortisto migrate` over the shared population (1,000 tenants by default).

(a) no-op `migrate_all(app_role, parallel=P)` for P = 1 and 4, against a floor measured in the
    same run: one transaction per tenant doing a single schema-qualified read of its migration
    table, with the same parallelism on the same pool (what "checking a tenant" costs at least).
(b) one additive migration (a Varchar column with an index on `organization`) written as a
    Piccolo migration in a temporary copy of `core/piccolo_migrations`, applied to every tenant
    by the real `migrate_all`; floor: the same change (another column + index) as plain SQL,
    one transaction per tenant with the migration-row insert, same parallelism.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import Result, Table, Target, close_pools
from core.db import DB, as_admin
from tenants.naming import quote_ident

NOOP_TARGET_S = 10.0
ADDITIVE_TARGET_S = 60.0
# (column added, parallel): one Piccolo migration each, applied one after the other.
ADDITIVE_RUNS = (("bench_note", 1), ("bench_tag", 4))

_RUN_TAG = f"{random.randrange(16**8):08x}"
_BENCH_MIGRATIONS: list[str] = []

_MIGRATION_SOURCE = '''\
"""Benchmark-only additive migration: organization.{column} (Varchar, indexed)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "{mid}"
VERSION = "1.38.0"
DESCRIPTION = "bench: add organization.{column} with an index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Organization",
        tablename="organization",
        column_name="{column}",
        db_column_name="{column}",
        column_class_name="Varchar",
        column_class=Varchar,
        params={{
            "length": 100,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        }},
        schema=None,
    )
    return manager
'''


class _Stdout:
    swallowed = False


@contextlib.contextmanager
def keep_stdout() -> Iterator[_Stdout]:
    """Silence Piccolo's narration and put the real stdout back afterwards.

    `_run_app_migrations` wraps Piccolo in `contextlib.redirect_stdout`, which is not
    task-safe: with parallel > 1 the tasks restore each other's StringIO, some narration leaks
    and stdout can stay swallowed after `migrate_all` returns. `swallowed` records that."""
    real = sys.stdout
    sink = io.StringIO()
    state = _Stdout()
    sys.stdout = sink
    try:
        yield state
    finally:
        state.swallowed = sys.stdout is not sink
        sys.stdout = real


@contextlib.contextmanager
def bench_migrations_folder(column: str) -> Iterator[Path]:
    """Point the `register` app at a temporary copy of its migrations plus one bench migration
    adding `column`; every earlier bench migration of this run is in the copy too."""
    from core import piccolo_app
    from tenants.migrate import register_migration_ids

    config = piccolo_app.APP_CONFIG
    original = config.migrations_folder_path
    saved_path = list(sys.path)
    tmp = Path(tempfile.mkdtemp(prefix="kb-mig-"))
    folder = tmp / "piccolo_migrations"
    shutil.copytree(Path(str(original)), folder, ignore=shutil.ignore_patterns("__pycache__"))
    _BENCH_MIGRATIONS.append(column)
    modules = []
    for i, col in enumerate(_BENCH_MIGRATIONS):
        # A module name of its own: Piccolo imports migration modules by bare name.
        module = folder / f"register_bench_{col}_{_RUN_TAG}.py"
        module.write_text(
            _MIGRATION_SOURCE.format(mid=f"2099-01-01T00:00:{i:02d}:000000", column=col)
        )
        modules.append(module.stem)
    config.migrations_folder_path = str(folder)
    register_migration_ids.cache_clear()
    try:
        yield folder
    finally:
        config.migrations_folder_path = original
        register_migration_ids.cache_clear()
        # Piccolo inserts the folder into sys.path once per tenant migrated; undo that.
        sys.path[:] = saved_path
        for name in modules:
            sys.modules.pop(name, None)
        shutil.rmtree(tmp, ignore_errors=True)


async def _floor_noop(schemas: list[str], parallel: int) -> float:
    semaphore = asyncio.Semaphore(parallel)

    async def one(schema: str) -> None:
        async with semaphore:
            with as_admin():
                async with DB.transaction() as txn:
                    await txn.connection.fetch(
                        f"SELECT name FROM {quote_ident(schema)}.migration "
                        "WHERE app_name = 'register'"
                    )

    started = time.perf_counter()
    await asyncio.gather(*(one(s) for s in schemas))
    return time.perf_counter() - started


async def _floor_additive(schemas: list[str], parallel: int, column: str) -> float:
    semaphore = asyncio.Semaphore(parallel)

    async def one(schema: str) -> None:
        q = quote_ident(schema)
        async with semaphore:
            with as_admin():
                async with DB.transaction() as txn:
                    await txn.connection.execute(
                        f"ALTER TABLE {q}.organization ADD COLUMN {column} varchar(100) "
                        f"NOT NULL DEFAULT '';"
                        f"CREATE INDEX organization_{column} ON {q}.organization "
                        f"USING btree ({column});"
                        f"INSERT INTO {q}.migration (name, app_name, ran_on) "
                        f"VALUES ('{column}', 'register', now())"
                    )

    started = time.perf_counter()
    await asyncio.gather(*(one(s) for s in schemas))
    return time.perf_counter() - started


async def _verify(slugs: list[str], column: str, sample: int = 20) -> tuple[int, int]:
    """(columns found as owner, tenants whose own role could read it) in a random sample."""
    from tenants.scope import tenant_scope

    picked = random.Random(7).sample(slugs, min(sample, len(slugs)))
    readable = 0
    with as_admin():
        async with DB.transaction() as txn:
            rows = await txn.connection.fetch(
                "SELECT n.nspname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = 'organization' AND a.attname = $2 "
                "AND NOT a.attisdropped AND n.nspname = ANY($1::text[]) "
                "AND EXISTS (SELECT 1 FROM pg_indexes i WHERE i.schemaname = n.nspname "
                "AND i.tablename = 'organization' AND i.indexdef LIKE '%(' || $2 || ')%')",
                ["t_" + s.replace("-", "_") for s in picked],
                column,
            )
            found = len(rows)
    for slug in picked:
        async with tenant_scope(slug):
            conn = DB.current_connection()
            await conn.fetchval(f"SELECT count({column}) FROM organization")
            readable += 1
    return found, readable


async def run_migrate(stack) -> Result:
    from tenants.migrate import migrate_all

    app_role = stack.settings.database.app_role
    slugs = stack.tenants
    n = len(slugs)
    result = Result("migrate", f"kortisto migrate over {n:,} tenants")
    quiet = lambda _line: None  # noqa: E731

    with as_admin():
        async with DB.transaction() as txn:
            schemas = [
                r["schema_name"]
                for r in await txn.connection.fetch(
                    "SELECT schema_name FROM platform.tenant "
                    "WHERE status IN ('active', 'suspended') ORDER BY slug"
                )
            ]

    # (a) no-op, alternating with its floor; warm the pools first.
    await migrate_all(app_role, parallel=4, progress=quiet)
    await _floor_noop(schemas, 4)
    noop = Table(
        f"(a) no-op migrate_all over {len(schemas):,} tenants",
        ["parallel", "migrate_all s", "floor s", "ratio", "tenants/s"],
    )
    noop_times: dict[int, float] = {}
    for parallel in (1, 4):
        report = await migrate_all(app_role, parallel=parallel, progress=quiet)
        if report.failed or report.up_to_date != len(schemas):
            raise RuntimeError(f"no-op migrate was not a no-op: {report}")
        floor = await _floor_noop(schemas, parallel)
        noop_times[parallel] = report.seconds
        noop.add(
            parallel, report.seconds, floor, report.seconds / floor, len(schemas) / report.seconds
        )
    result.tables.append(noop)

    # (b) additive migrations through Piccolo, then the same change as plain SQL.
    add = Table(
        f"(b) additive migration (column + index) over {len(schemas):,} tenants",
        ["runner", "parallel", "seconds", "tenants/s", "ms/tenant", "ratio"],
    )
    additive: dict[int, float] = {}
    for column, parallel in ADDITIVE_RUNS:
        with bench_migrations_folder(column), keep_stdout() as stdout:
            path_before = len(sys.path)
            report = await migrate_all(app_role, parallel=parallel, progress=quiet)
            path_growth = len(sys.path) - path_before
            if report.failed:
                first = next(iter(report.failed.items()))
                raise RuntimeError(f"{len(report.failed)} tenants failed, e.g. {first}")
            found, readable = await _verify(slugs, column)
        floor = await _floor_additive(schemas, parallel, f"{column}_floor")
        additive[parallel] = report.seconds
        add.add(
            "migrate_all (Piccolo)",
            parallel,
            report.seconds,
            len(schemas) / report.seconds,
            1000 * report.seconds / len(schemas),
            report.seconds / floor,
        )
        add.add(
            "plain SQL floor",
            parallel,
            floor,
            len(schemas) / floor,
            1000 * floor / len(schemas),
            1.0,
        )
        result.notes.append(
            f"{column}: migrated in {report.migrated} of {report.tenants} tenants; "
            f"column + index found in {found}/20 sampled schemas, readable by the tenant role "
            f"in {readable}/20"
        )
        if path_growth:
            result.notes.append(
                f"parallel {parallel}: sys.path grew by {path_growth:,} entries during "
                "migrate_all (Piccolo's get_migration_modules inserts the migrations folder "
                "each time it is called, once per tenant migrated)"
            )
        if found != 20 or readable != 20 or report.migrated != len(schemas):
            raise RuntimeError("the additive migration did not reach every tenant")
        if stdout.swallowed:
            result.notes.append(
                f"parallel {parallel}: migrate_all returned with sys.stdout still redirected to "
                "one of its StringIOs (redirect_stdout in tenants/migrate.py is not task-safe: "
                "`kortisto migrate --parallel N` can lose its own progress and summary lines)"
            )
    result.tables.append(add)

    result.targets.append(Target("no-op migrate, parallel 1", noop_times[1], NOOP_TARGET_S, "s"))
    result.targets.append(Target("no-op migrate, parallel 4", noop_times[4], NOOP_TARGET_S, "s"))
    for parallel, seconds in additive.items():
        result.targets.append(
            Target(f"additive migration, parallel {parallel}", seconds, ADDITIVE_TARGET_S, "s")
        )
    await close_pools()
    return result
