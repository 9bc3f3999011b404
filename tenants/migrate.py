"""Migrations: the platform schema once, then every tenant schema on its own.

Each schema keeps its own Piccolo `migration` table. A tenant is migrated in its own
transaction under an advisory lock, so a run can be interrupted and started again (it resumes
with the tenants still behind) and two runs never migrate the same schema at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import asyncpg
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration

from core.db import DB, as_admin
from core.tables import EXTRA_TENANT_DDL, TENANT_TABLES
from core.tables.platform import PLATFORM_SCHEMA
from tenants.naming import quote_ident

Progress = Callable[[str], None]
_quieted: contextvars.ContextVar[bool] = contextvars.ContextVar("migrate_quieted", default=False)

# Extensions (pg_trgm) live in their own schema: no data, usable by every tenant role.
EXTENSION_SCHEMA = "ext"


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def tenant_table_ddl() -> tuple[str, ...]:
    """CREATE statements for every tenant table at the current code's level (the same for
    every tenant: names are unqualified, the search_path picks the schema)."""
    statements: list[str] = []
    for table in TENANT_TABLES:
        statements.extend(table.create_table().ddl)
    statements.extend(EXTRA_TENANT_DDL)
    return tuple(statements)


@lru_cache(maxsize=1)
def tenant_table_script() -> str:
    """`tenant_table_ddl` as one script: sent in one round trip instead of ~120."""
    return ";\n".join(tenant_table_ddl())


@lru_cache(maxsize=1)
def create_migration_table_sql() -> str:
    return ";\n".join(Migration.create_table(if_not_exists=True).ddl)


def _migration_ids(app_name: str) -> tuple[str, ...]:
    manager = BaseMigrationManager()
    app_config = manager.get_app_config(app_name)
    modules = manager.get_migration_modules(app_config.resolved_migrations_folder_path)
    return tuple(manager.get_migration_ids(modules))


@lru_cache(maxsize=1)
def register_migration_ids() -> tuple[str, ...]:
    return _migration_ids("register")


@contextlib.contextmanager
def _quiet_piccolo():
    """Piccolo narrates each step with emoji; a thousand tenants' worth is noise.

    Entered once around a whole run (never per concurrent task: redirect_stdout is
    process-global, and interleaved enters/exits would leave stdout redirected).
    """
    with contextlib.redirect_stdout(io.StringIO()):
        yield


async def _run_app_migrations(app_name: str) -> list[str]:
    """Run the app's pending migrations in the current transaction; returns those applied."""
    ran_before = set(await Migration.get_migrations_which_ran(app_name=app_name))
    manager = ForwardsMigrationManager(app_name=app_name)
    # Piccolo puts the migrations folder on sys.path on every call; keep it from growing.
    saved_path = list(sys.path)
    try:
        result = await manager.run_migrations(manager.get_app_config(app_name))
    finally:
        sys.path[:] = saved_path
    if not result.success:
        raise RuntimeError(f"migrating {app_name} failed: {result.message}")
    ran_after = await Migration.get_migrations_which_ran(app_name=app_name)
    return [m for m in ran_after if m not in ran_before]


async def migrate_platform(app_role: str) -> list[str]:
    """Create/upgrade schema `platform` and grant the runtime role read access to it."""
    app = quote_ident(app_role)
    with as_admin():
        async with DB.transaction() as txn:
            conn: asyncpg.Connection = txn.connection
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('kortisto:platform'))")
            await conn.execute(
                f"""
                CREATE SCHEMA IF NOT EXISTS {EXTENSION_SCHEMA};
                GRANT USAGE ON SCHEMA {EXTENSION_SCHEMA} TO PUBLIC;
                CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA {EXTENSION_SCHEMA};
                CREATE SCHEMA IF NOT EXISTS {PLATFORM_SCHEMA};
                REVOKE ALL ON SCHEMA {PLATFORM_SCHEMA} FROM PUBLIC;
                GRANT USAGE ON SCHEMA {PLATFORM_SCHEMA} TO {app};
                SELECT set_config('search_path', '{PLATFORM_SCHEMA}', true);
                """
            )
            await conn.execute(create_migration_table_sql())
            with _quiet_piccolo():
                applied = await _run_app_migrations("platform")
            await conn.execute(
                f"GRANT SELECT ON {PLATFORM_SCHEMA}.tenant, {PLATFORM_SCHEMA}.tenant_domain "
                f"TO {app}"
            )
            await conn.execute(_runtime_grants(app))
    return applied


def _runtime_grants(app: str) -> str:
    """What serve/worker/scheduler may do with operators and their records.

    Operators are created and disabled by the CLI as the owner; the runtime role only updates
    sign-in facts. The platform audit is append-only for it: INSERT and SELECT, nothing else.
    """
    p = PLATFORM_SCHEMA
    return f"""
        GRANT SELECT ON {p}.operator TO {app};
        GRANT UPDATE (totp_secret, totp_enabled, totp_last_step, last_login_at)
            ON {p}.operator TO {app};
        GRANT SELECT, INSERT ON {p}.platform_audit TO {app};
        GRANT USAGE ON SEQUENCE {p}.platform_audit_id_seq TO {app};
        GRANT SELECT, INSERT ON {p}.break_glass_grant TO {app};
        GRANT UPDATE (revoked_at, revoked_by, closed_at) ON {p}.break_glass_grant TO {app};
        GRANT SELECT, INSERT, UPDATE ON {p}.tenant_plugin_allowance TO {app};
    """


@dataclass
class MigrateReport:
    tenants: int = 0
    migrated: int = 0
    up_to_date: int = 0
    failed: dict[str, str] | None = None
    seconds: float = 0.0


async def migrate_tenant(schema: str) -> list[str]:
    """Bring one tenant schema up to date; returns the migration ids applied."""
    with as_admin():
        async with DB.transaction() as txn:
            conn: asyncpg.Connection = txn.connection
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"kortisto:{schema}")
            await conn.execute("SELECT set_config('search_path', $1, true)", schema)
            done = {
                r["name"]
                for r in await conn.fetch("SELECT name FROM migration WHERE app_name = 'register'")
            }
            if done.issuperset(register_migration_ids()):
                return []
            if _quieted.get():
                return await _run_app_migrations("register")
            with _quiet_piccolo():
                return await _run_app_migrations("register")


async def tenant_schemas(only: list[str] | None = None) -> list[tuple[str, str]]:
    """(slug, schema) of every tenant that has a schema, in slug order."""
    with as_admin():
        async with DB.transaction() as txn:
            rows = await txn.connection.fetch(
                "SELECT slug, schema_name FROM platform.tenant "
                "WHERE status IN ('active', 'suspended') ORDER BY slug"
            )
    pairs = [(r["slug"], r["schema_name"]) for r in rows]
    if only:
        wanted = set(only)
        pairs = [p for p in pairs if p[0] in wanted]
    return pairs


async def migrate_all(
    app_role: str,
    *,
    parallel: int = 1,
    only: list[str] | None = None,
    progress: Progress | None = None,
) -> MigrateReport:
    """Platform first, then every tenant with `[i/n] schema` progress lines."""
    started = time.perf_counter()
    if progress is None:
        out = sys.stdout  # the real one, captured before Piccolo is silenced

        def progress(line: str) -> None:
            print(line, file=out, flush=True)

    applied = await migrate_platform(app_role)
    progress(f"platform: {'applied ' + ', '.join(applied) if applied else 'up to date'}")
    pairs = await tenant_schemas(only)
    report = MigrateReport(tenants=len(pairs), failed={})
    total = len(pairs)
    semaphore = asyncio.Semaphore(max(1, parallel))
    counter = 0

    async def one(schema: str) -> None:
        nonlocal counter
        async with semaphore:
            try:
                ids = await migrate_tenant(schema)
            except Exception as exc:  # one broken tenant must not stop the others
                report.failed[schema] = f"{type(exc).__name__}: {exc}"
                status = f"FAILED ({exc})"
            else:
                if ids:
                    report.migrated += 1
                    status = f"applied {len(ids)}"
                else:
                    report.up_to_date += 1
                    status = "up to date"
            counter += 1
            progress(f"[{counter}/{total}] {schema}: {status}")

    token = _quieted.set(True)
    saved_path = list(sys.path)  # concurrent per-call restores interleave; restore once more
    try:
        with _quiet_piccolo():
            await asyncio.gather(*(one(schema) for _, schema in pairs))
    finally:
        _quieted.reset(token)
        sys.path[:] = saved_path
    report.seconds = time.perf_counter() - started
    return report
