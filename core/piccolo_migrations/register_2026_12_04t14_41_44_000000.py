"""Consent and objection histories are append-only for the tenant role, like the audit trail."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T14:41:44:000000"
VERSION = "1.38.0"
DESCRIPTION = "consent_event and objection_event append-only for the tenant role"

# The tenant role is `<schema>_rw` (tenants.naming). A schema without one (a reference schema
# built only to compare DDL) has nobody to revoke from.
STATEMENT = """
DO $$
DECLARE
    tenant_role text := current_schema() || '_rw';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = tenant_role) THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON consent_event, objection_event FROM %I',
                       tenant_role);
    END IF;
END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def revoke_changes():
        from core.db import DB

        await DB.current_connection().execute(STATEMENT)

    manager.add_raw(revoke_changes)
    return manager
