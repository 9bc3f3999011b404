"""Creating and deleting tenants: schema + role + tables + grants + bucket, all or nothing.

Provisioning replays the current tables' DDL into the new schema and records every migration as
applied (measured faster than running the migration history or cloning a template schema; a
test checks the result equals what the migrations build). The database part is one
transaction (PostgreSQL's DDL and CREATE ROLE are transactional); the bucket is created before
that transaction commits and removed again if the commit fails, so a failure at any step leaves
nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from core.db import DB, as_admin
from core.storage import ObjectStore
from core.tables import APPEND_ONLY_TABLES, READ_ONLY_TABLES
from core.tables.platform import PLATFORM_SCHEMA
from tenants.migrate import (
    create_migration_table_sql,
    register_migration_ids,
    tenant_table_script,
)
from tenants.naming import TenantNames, quote_ident, tenant_names


class TenantExistsError(ValueError):
    """A tenant with this slug already exists (slugs are case-insensitively unique)."""


class TenantNotFoundError(LookupError):
    """No tenant with this slug in the catalog."""


# A hook for tests to make provisioning fail at a named step.
FailureHook = Callable[[str], Awaitable[None]]


async def _no_failure(step: str) -> None:
    return None


async def create_tenant(
    slug: str,
    name: str,
    *,
    store: ObjectStore,
    app_role: str,
    business_id: str | None = None,
    bucket_prefix: str = "kortisto-",
    fail_at: FailureHook = _no_failure,
) -> TenantNames:
    """Provision a tenant. Raises TenantExistsError, InvalidSlugError; leaves nothing on failure."""
    names = tenant_names(slug, bucket_prefix)
    if not name.strip():
        raise ValueError('the tenant needs a name (e.g. --name "Acme Oy")')
    bucket_created = False
    try:
        with as_admin():
            async with DB.transaction() as txn:
                conn: asyncpg.Connection = txn.connection
                await _insert_catalog_row(conn, names, name.strip(), business_id)
                await fail_at("catalog")
                await _create_role_and_schema(conn, names, app_role)
                await fail_at("schema")
                await _create_tables(conn, names)
                await fail_at("tables")
                if await store.bucket_exists(names.bucket):
                    raise TenantExistsError(f"bucket {names.bucket} already exists")
                await store.create_bucket(names.bucket)
                bucket_created = True
                await fail_at("bucket")
                await conn.execute(
                    "UPDATE platform.tenant SET status = 'active', status_changed_at = now() "
                    "WHERE slug = $1",
                    slug,
                )
    except BaseException:
        if bucket_created:
            with contextlib.suppress(Exception):
                await store.remove_bucket(names.bucket)
        raise
    return names


async def _insert_catalog_row(
    conn: asyncpg.Connection, names: TenantNames, name: str, business_id: str | None
) -> None:
    exists = await conn.fetchval(
        "SELECT 1 FROM platform.tenant WHERE lower(slug) = lower($1)", names.slug
    )
    if exists:
        raise TenantExistsError(f"a tenant with slug '{names.slug}' already exists")
    schema_taken = await conn.fetchval(
        "SELECT 1 FROM pg_namespace WHERE nspname = $1 UNION ALL "
        "SELECT 1 FROM pg_roles WHERE rolname = $2",
        names.schema,
        names.role,
    )
    if schema_taken:
        raise TenantExistsError(
            f"schema {names.schema} or role {names.role} already exists in the database"
        )
    await conn.execute(
        "INSERT INTO platform.tenant (slug, name, business_id, status, schema_name, role_name,"
        " bucket) VALUES ($1, $2, $3, 'provisioning', $4, $5, $6)",
        names.slug,
        name,
        business_id,
        names.schema,
        names.role,
        names.bucket,
    )


async def _create_role_and_schema(
    conn: asyncpg.Connection, names: TenantNames, app_role: str
) -> None:
    role, schema, app = quote_ident(names.role), quote_ident(names.schema), quote_ident(app_role)
    await conn.execute(
        f"""
        CREATE ROLE {role} NOLOGIN NOINHERIT;
        GRANT {role} TO {app} WITH INHERIT FALSE, SET TRUE;
        CREATE SCHEMA {schema};
        REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
        GRANT USAGE ON SCHEMA {schema} TO {role};
        ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}
            GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
        ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}
            GRANT USAGE, SELECT ON SEQUENCES TO {role};
        """
    )


async def _create_tables(conn: asyncpg.Connection, names: TenantNames) -> None:
    await conn.execute("SELECT set_config('search_path', $1, true)", names.schema)
    await conn.execute(create_migration_table_sql())
    await conn.execute(tenant_table_script())
    await conn.executemany(
        "INSERT INTO migration (name, app_name, ran_on) VALUES ($1, 'register', now())",
        [(mid,) for mid in register_migration_ids()],
    )
    # Migration history is readable (health checks) but not writable by the tenant role.
    await conn.execute(f"REVOKE INSERT, UPDATE, DELETE ON migration FROM {quote_ident(names.role)}")
    # Audit tables: the tenant role may add rows and read them, never change or remove them.
    role = quote_ident(names.role)
    for table in APPEND_ONLY_TABLES:
        await conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote_ident(table)} FROM {role}")
    # ... except the audit's chain link, which the sealer writes (core.audit_chain): verify
    # recomputes links from the content, so a wrong one is detected, never trusted.
    await conn.execute(f"GRANT UPDATE (chain_hash) ON audit_event TO {role}")
    for table in READ_ONLY_TABLES:
        await conn.execute(
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {quote_ident(table)} FROM {role}"
        )
    await conn.execute(f"SELECT set_config('search_path', '{PLATFORM_SCHEMA}', true)")


async def set_tenant_status(slug: str, status: str) -> None:
    """Suspend or resume a tenant (status 'suspended' or 'active')."""
    if status not in ("active", "suspended"):
        raise ValueError(f"unknown status {status!r}")
    with as_admin():
        async with DB.transaction() as txn:
            done = await txn.connection.fetchval(
                "UPDATE platform.tenant SET status = $2, status_changed_at = now() "
                "WHERE slug = $1 AND status IN ('active', 'suspended') RETURNING 1",
                slug,
                status,
            )
    if not done:
        raise TenantNotFoundError(f"no tenant '{slug}'")


async def list_tenants() -> list[dict]:
    with as_admin():
        async with DB.transaction() as txn:
            rows = await txn.connection.fetch(
                "SELECT slug, name, business_id, status, schema_name, bucket, created_at "
                "FROM platform.tenant ORDER BY slug"
            )
    return [dict(r) for r in rows]


async def export_tenant(slug: str, target_dir: Path) -> Path:
    """Write every row of the tenant's tables to a gzipped JSON file; returns its path."""
    names = tenant_names(slug)
    await asyncio.to_thread(target_dir.mkdir, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = target_dir / f"{slug}-{stamp}.json.gz"
    with as_admin():
        async with DB.transaction() as txn:
            conn = txn.connection
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
                "AND table_type = 'BASE TABLE' ORDER BY table_name",
                names.schema,
            )
            dump: dict[str, list] = {}
            for t in tables:
                rows = await conn.fetch(
                    f"SELECT row_to_json(x)::text AS j FROM "
                    f"{quote_ident(names.schema)}.{quote_ident(t['table_name'])} x"
                )
                dump[t["table_name"]] = [json.loads(r["j"]) for r in rows]
    payload = {"tenant": slug, "exported_at": stamp, "tables": dump}
    await asyncio.to_thread(_write_gzip_json, path, payload)
    return path


def _write_gzip_json(path: Path, payload: dict) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)


async def delete_tenant(slug: str, *, store: ObjectStore, bucket_prefix: str = "kortisto-") -> None:
    """Drop the tenant's schema, role, catalog entry and bucket (export first if wanted)."""
    names = tenant_names(slug, bucket_prefix)
    with as_admin():
        async with DB.transaction() as txn:
            conn = txn.connection
            row = await conn.fetchrow(
                "UPDATE platform.tenant SET status = 'deleting', status_changed_at = now() "
                "WHERE slug = $1 RETURNING bucket",
                slug,
            )
            if row is None:
                raise TenantNotFoundError(f"no tenant '{slug}'")
    # The bucket goes first: if that fails the catalog still says 'deleting' and a rerun
    # finishes the job, instead of leaving an orphan bucket nobody knows about.
    await store.remove_bucket(row["bucket"])
    with as_admin():
        async with DB.transaction() as txn:
            conn = txn.connection
            await conn.execute(f"DROP SCHEMA IF EXISTS {quote_ident(names.schema)} CASCADE")
            await conn.execute(f"DROP ROLE IF EXISTS {quote_ident(names.role)}")
            await conn.execute("DELETE FROM platform.tenant WHERE slug = $1", slug)
