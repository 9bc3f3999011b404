"""The tenant role may write the audit's chain link (and nothing else of an audit event)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event.chain_hash writable by the tenant role (the sealer)"

# The sealer (core.audit_chain) runs as the tenant role and writes each event's link once it
# is chained; verification recomputes links from the content, so a forged link is detected.
# The tenant role is `<schema>_rw` (tenants.naming); a reference schema has none.
STATEMENT = """
DO $$
DECLARE
    tenant_role text := current_schema() || '_rw';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = tenant_role) THEN
        EXECUTE format('GRANT UPDATE (chain_hash) ON audit_event TO %I', tenant_role);
    END IF;
END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def grant_chain_link():
        from core.db import DB

        await DB.current_connection().execute(STATEMENT)

    manager.add_raw(grant_chain_link)
    return manager
