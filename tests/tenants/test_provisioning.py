import pytest

from core.db import DB, as_admin
from tenants.migrate import _run_app_migrations, create_migration_table_sql
from tenants.naming import InvalidSlugError
from tenants.provisioning import TenantExistsError, create_tenant, delete_tenant
from tests.conftest import unique_slug


async def _leftovers(names, store) -> dict:
    with as_admin():
        async with DB.transaction() as txn:
            c = txn.connection
            found = {
                "schema": await c.fetchval(
                    "SELECT 1 FROM pg_namespace WHERE nspname = $1", names.schema
                ),
                "role": await c.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", names.role),
                "catalog": await c.fetchval(
                    "SELECT 1 FROM platform.tenant WHERE slug = $1", names.slug
                ),
            }
    found["bucket"] = await store.bucket_exists(names.bucket)
    return {k: v for k, v in found.items() if v}


async def test_create_then_delete_leaves_nothing(settings, store):
    names = await create_tenant(
        unique_slug(), "Poistuva Oy", store=store, app_role=settings.database.app_role
    )
    assert set(await _leftovers(names, store)) == {"schema", "role", "catalog", "bucket"}
    await delete_tenant(names.slug, store=store)
    assert await _leftovers(names, store) == {}


@pytest.mark.parametrize("step", ["catalog", "schema", "tables", "bucket"])
async def test_failure_half_way_leaves_nothing(settings, store, step):
    slug = unique_slug()

    async def fail_at(current: str) -> None:
        if current == step:
            raise RuntimeError(f"injected failure at {step}")

    with pytest.raises(RuntimeError, match="injected"):
        await create_tenant(
            slug,
            "Keskeneräinen Oy",
            store=store,
            app_role=settings.database.app_role,
            fail_at=fail_at,
        )
    from tenants.naming import tenant_names

    assert await _leftovers(tenant_names(slug), store) == {}


async def test_duplicate_slug_is_refused(make_tenant, settings, store):
    a = await make_tenant()
    with pytest.raises(TenantExistsError):
        await create_tenant(a.slug, "Toinen Oy", store=store, app_role=settings.database.app_role)


async def test_bad_slug_is_refused_before_any_sql(settings, store):
    with pytest.raises(InvalidSlugError):
        await create_tenant("Bad Slug", "X", store=store, app_role=settings.database.app_role)


async def test_runtime_role_is_neither_superuser_nor_owner(make_tenant, settings):
    a = await make_tenant()
    with as_admin():
        async with DB.transaction() as txn:
            c = txn.connection
            app = settings.database.app_role
            assert not await c.fetchval(
                "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = $1", app
            )
            owner = await c.fetchval(
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1", a.schema
            )
            assert owner != app
            # Member of the tenant role, but without inheriting its rights.
            inherit, can_set = await c.fetchrow(
                "SELECT inherit_option, set_option FROM pg_auth_members m "
                "JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                "WHERE r.rolname = $1 AND u.rolname = $2",
                a.role,
                app,
            )
            assert (inherit, can_set) == (False, True)


async def _columns_and_indexes(conn, schema: str):
    columns = await conn.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, "
        "replace(column_default, $2, '') FROM information_schema.columns "
        "WHERE table_schema = $1 ORDER BY table_name, column_name",
        schema,
        schema + ".",
    )
    indexes = await conn.fetch(
        "SELECT tablename, replace(indexdef, $1, 'S') AS d FROM pg_indexes "
        "WHERE schemaname = $2 ORDER BY tablename, indexname",
        schema + ".",
        schema,
    )
    return [tuple(r) for r in columns], sorted(r["d"] for r in indexes)


async def test_replayed_ddl_equals_what_migrations_build(make_tenant):
    """Provisioning replays current DDL; it must match running the migration history."""
    provisioned = await make_tenant()
    migrated_schema = "t_migrated_reference"
    with as_admin():
        async with DB.transaction() as txn:
            c = txn.connection
            await c.execute(f"DROP SCHEMA IF EXISTS {migrated_schema} CASCADE")
            await c.execute(f"CREATE SCHEMA {migrated_schema}")
            await c.execute("SELECT set_config('search_path', $1, true)", migrated_schema)
            await c.execute(create_migration_table_sql())
            await _run_app_migrations("register")
            expected = await _columns_and_indexes(c, migrated_schema)
            actual = await _columns_and_indexes(c, provisioned.schema)
            await c.execute(f"DROP SCHEMA {migrated_schema} CASCADE")
    assert actual == expected
