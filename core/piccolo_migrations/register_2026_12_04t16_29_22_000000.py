"""The audit's prune records are written by the owner role only (audit retention)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T16:29:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_prune read-only for the tenant role"

# The tenant role is `<schema>_rw` (tenants.naming); a reference schema has none.
STATEMENT = """
DO $$
DECLARE
    tenant_role text := current_schema() || '_rw';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = tenant_role) THEN
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_prune FROM %I',
                       tenant_role);
    END IF;
END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def revoke_writes():
        from core.db import DB

        await DB.current_connection().execute(STATEMENT)

    manager.add_raw(revoke_writes)
    return manager
