from core.db import DB, as_admin
from tenants.migrate import migrate_all, register_migration_ids
from tenants.scope import tenant_scope


async def _set_behind(schema: str) -> None:
    """Make a tenant look like it was created before every migration ran."""
    with as_admin():
        async with DB.transaction() as txn:
            c = txn.connection
            await c.execute("SELECT set_config('search_path', $1, true)", schema)
            tables = await c.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 "
                "AND tablename <> 'migration'", schema)
            for t in tables:
                await c.execute(f'DROP TABLE IF EXISTS "{t["tablename"]}" CASCADE')
            await c.execute("DELETE FROM migration WHERE app_name = 'register'")


async def test_migrate_all_brings_every_tenant_up_with_progress(make_tenant, settings):
    tenants = [await make_tenant() for _ in range(4)]
    await _set_behind(tenants[1].schema)
    await _set_behind(tenants[3].schema)
    lines: list[str] = []
    report = await migrate_all(
        settings.database.app_role,
        parallel=3,
        only=[t.slug for t in tenants],
        progress=lines.append,
    )
    assert report.failed == {}
    assert (report.migrated, report.up_to_date) == (2, 2)
    tenant_lines = [line for line in lines if line.startswith("[")]
    assert len(tenant_lines) == 4
    assert all(line.startswith(f"[{i}/4] t_") for i, line in enumerate(tenant_lines, 1))
    for t in tenants:
        async with tenant_scope(t.slug):  # the tenant role can use the rebuilt tables
            assert await DB.current_connection().fetchval("SELECT count(*) FROM organization") == 0
            ran = await DB.current_connection().fetch("SELECT name FROM migration")
            assert {r["name"] for r in ran} == set(register_migration_ids())
    # Resumable: a second run finds nothing left to do.
    again = await migrate_all(
        settings.database.app_role, only=[t.slug for t in tenants], progress=lambda _: None
    )
    assert (again.migrated, again.up_to_date) == (0, 4)


async def test_one_broken_tenant_does_not_stop_the_others(make_tenant, settings):
    good, broken = await make_tenant(), await make_tenant()
    await _set_behind(good.schema)
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute(f"DROP SCHEMA {broken.schema} CASCADE")
            await txn.connection.execute(f"CREATE SCHEMA {broken.schema}")  # no migration table
    report = await migrate_all(
        settings.database.app_role, only=[good.slug, broken.slug], progress=lambda _: None
    )
    assert list(report.failed) == [broken.schema]
    assert report.migrated == 1


async def test_parallel_migrate_leaves_stdout_and_sys_path_alone(make_tenant, settings):
    import sys

    tenants = [await make_tenant() for _ in range(4)]
    for t in tenants:
        await _set_behind(t.schema)
    stdout, path_len = sys.stdout, len(sys.path)
    report = await migrate_all(settings.database.app_role, parallel=4,
                               only=[t.slug for t in tenants], progress=lambda _: None)
    assert report.migrated == 4
    assert sys.stdout is stdout
    assert len(sys.path) == path_len
