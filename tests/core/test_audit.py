"""Both audit trails are append-only for the roles the application runs as."""

import importlib

import asyncpg
import pytest

from core import audit, platform_audit
from core.db import DB, as_admin
from tenants.scope import platform_transaction, tenant_scope


async def test_record_and_read_back(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        first = await audit.record(
            "card.viewed",
            actor=audit.Actor("user", "u1", "maija@example.fi"),
            object_kind="person",
            object_id="p1",
            detail={"purpose": "asiakaspalvelu"},
        )
        await audit.record("job.ran", actor=audit.SYSTEM)
        events = await audit.events()
    assert [e["action"] for e in events] == ["job.ran", "card.viewed"]
    assert events[1]["id"] == first and events[1]["detail"] == {"purpose": "asiakaspalvelu"}
    assert events[1]["actor_kind"] == "user" and events[1]["actor_label"] == "maija@example.fi"
    with pytest.raises(ValueError):
        audit.Actor("robot")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'muutettu'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
async def test_tenant_role_cannot_change_or_remove_events(make_tenant, sql):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await audit.record("card.viewed", actor=audit.SYSTEM)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(t.slug):
            await DB.current_connection().execute(sql)
    async with tenant_scope(t.slug):
        assert [e["action"] for e in await audit.events()] == ["card.viewed"]


async def test_migration_makes_an_existing_tenants_audit_append_only(make_tenant):
    """Tenants provisioned before the audit existed get the same rights from the migration."""
    t = await make_tenant()
    migration = importlib.import_module(
        "core.piccolo_migrations.register_2026_11_22t07_44_45_000000"
    )
    with as_admin():
        async with DB.transaction() as txn:
            c = txn.connection
            await c.execute(f'GRANT UPDATE, DELETE ON {t.schema}.audit_event TO "{t.role}"')
            await c.execute("SELECT set_config('search_path', $1, true)", t.schema)
            await c.execute(migration.STATEMENT)
            rights = await c.fetchrow(
                "SELECT has_table_privilege($1, 'audit_event', 'INSERT') AS ins, "
                "has_table_privilege($1, 'audit_event', 'SELECT') AS sel, "
                "has_table_privilege($1, 'audit_event', 'UPDATE') AS upd, "
                "has_table_privilege($1, 'audit_event', 'DELETE') AS del",
                t.role,
            )
    assert dict(rights) == {"ins": True, "sel": True, "upd": False, "del": False}


@pytest.mark.parametrize(
    "sql",
    ["UPDATE platform.platform_audit SET action = 'x'", "DELETE FROM platform.platform_audit"],
)
async def test_runtime_role_can_only_append_to_the_platform_audit(settings, sql):
    async with platform_transaction():
        event = await platform_audit.record("test.event", label="pytest", detail={"n": 1})
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with platform_transaction() as conn:
            await conn.execute(sql)
    async with platform_transaction():
        found = [e for e in await platform_audit.recent(limit=50) if e["id"] == event]
    assert found and found[0]["detail"] == {"n": 1}


async def test_tenant_role_cannot_read_the_platform_audit(make_tenant):
    t = await make_tenant()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(t.slug):
            await DB.current_connection().fetch("SELECT * FROM platform.platform_audit")
