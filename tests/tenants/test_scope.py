"""The database itself keeps tenants apart: these must be refused by PostgreSQL."""

import asyncpg
import pytest

from core.db import DB, OutsideTransactionError
from core.organizations import OrganizationInput, create_organization, list_organizations
from core.tables import Organization
from tenants.provisioning import set_tenant_status
from tenants.scope import TenantSuspendedError, UnknownTenantError, tenant_scope


async def test_scope_runs_as_tenant_role_in_tenant_schema(make_tenant):
    a = await make_tenant()
    async with tenant_scope(a.slug) as info:
        conn = DB.current_connection()
        assert await conn.fetchval("SELECT current_user") == a.role
        assert await conn.fetchval("SHOW search_path") == a.schema
        assert info.bucket == a.bucket


async def test_other_tenants_schema_named_explicitly_is_refused(make_tenant):
    a, b = await make_tenant(), await make_tenant()
    async with tenant_scope(b.slug):
        await create_organization(OrganizationInput(name="Secret of B"))
    for sql in (
        f"SELECT * FROM {b.schema}.organization",
        f"INSERT INTO {b.schema}.organization (id, name) VALUES (gen_random_uuid(), 'x')",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(a.slug):
                conn = DB.current_connection()
                await conn.execute(sql)
                await conn.fetch("SELECT * FROM organization")


async def test_pointing_search_path_at_another_tenant_finds_nothing(make_tenant):
    a, b = await make_tenant(), await make_tenant()
    with pytest.raises(asyncpg.UndefinedTableError):
        async with tenant_scope(a.slug):
            conn = DB.current_connection()
            await conn.execute(f"SET LOCAL search_path = {b.schema}")
            await conn.fetch("SELECT * FROM organization")


async def test_platform_schema_is_refused_inside_a_scope(make_tenant):
    a = await make_tenant()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(a.slug):
            await DB.current_connection().fetch("SELECT * FROM platform.tenant")


async def test_switching_role_back_is_refused(make_tenant, settings):
    a = await make_tenant()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(a.slug):
            await DB.current_connection().execute("SET LOCAL ROLE kortisto_owner")


async def test_runtime_role_outside_scope_reads_no_tenant(make_tenant):
    """Even raw SQL on the runtime role's own connection (no SET ROLE) cannot read a tenant."""
    a = await make_tenant()
    async with DB.transaction() as txn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await txn.connection.fetch(f"SELECT * FROM {a.schema}.organization")


async def test_query_outside_any_scope_fails_loudly(settings):
    with pytest.raises(OutsideTransactionError):
        await Organization.select().run()
    with pytest.raises(OutsideTransactionError):
        DB.current_connection()


async def test_unknown_and_invalid_tenants(settings):
    for slug in ("no-such-tenant", "Bad Slug", "pg-catalog", ""):
        with pytest.raises(UnknownTenantError):
            async with tenant_scope(slug):
                pass


async def test_suspended_tenant_is_refused_then_resumed(make_tenant):
    a = await make_tenant()
    await set_tenant_status(a.slug, "suspended")
    with pytest.raises(TenantSuspendedError):
        async with tenant_scope(a.slug):
            pass
    await set_tenant_status(a.slug, "active")
    async with tenant_scope(a.slug):
        assert await list_organizations() == []


async def test_rollback_on_error_keeps_nothing(make_tenant):
    a = await make_tenant()
    with pytest.raises(RuntimeError):
        async with tenant_scope(a.slug):
            await create_organization(OrganizationInput(name="Vanishing Oy"))
            raise RuntimeError("boom")
    async with tenant_scope(a.slug):
        assert await list_organizations() == []


async def test_cached_fast_path_keeps_the_backstop_and_savepoints(make_tenant):
    from core.organizations import OrganizationInput as OrgIn
    from core.validation import ValidationFailed
    from tenants.scope import forget_cached_tenant

    a, b = await make_tenant(), await make_tenant()
    forget_cached_tenant()
    async with tenant_scope(a.slug, cache_seconds=60):  # fills the cache
        pass
    async with tenant_scope(a.slug, cache_seconds=60) as info:  # BEGIN + switch in one trip
        conn = DB.current_connection()
        assert await conn.fetchval("SELECT current_user") == a.role
        assert await conn.fetchval("SHOW search_path") == a.schema
        assert info.bucket == a.bucket
        await create_organization(OrgIn(name="Eka Oy", business_id="0112038-9"))
        with pytest.raises(ValidationFailed):  # a savepoint inside the fast-path transaction
            await create_organization(OrgIn(name="Toka Oy", business_id="0112038-9"))
        assert len(await list_organizations()) == 1  # and the transaction is still usable
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with tenant_scope(a.slug, cache_seconds=60):
            await DB.current_connection().fetch(f"SELECT * FROM {b.schema}.organization")


async def test_cached_tenant_deleted_or_suspended_takes_effect(make_tenant, store):
    import asyncio

    from tenants.provisioning import delete_tenant
    from tenants.scope import forget_cached_tenant

    a, b = await make_tenant(), await make_tenant()
    forget_cached_tenant()
    async with tenant_scope(a.slug, cache_seconds=60):
        pass
    await delete_tenant(a.slug, store=store)
    with pytest.raises(UnknownTenantError):  # role gone: refused even from the cache
        async with tenant_scope(a.slug, cache_seconds=60):
            pass
    async with tenant_scope(b.slug, cache_seconds=0.3):
        pass
    await set_tenant_status(b.slug, "suspended")
    await asyncio.sleep(0.4)
    with pytest.raises(TenantSuspendedError):
        async with tenant_scope(b.slug, cache_seconds=0.3):
            pass
    await set_tenant_status(b.slug, "active")
