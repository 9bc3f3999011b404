"""Rules Piccolo cannot declare: a break-glass grant lasts at most 4 hours; one allowance row per
tenant and plugin."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T07:45:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "break-glass duration check, unique plugin allowance"

STATEMENTS = (
    "ALTER TABLE platform.break_glass_grant ADD CONSTRAINT break_glass_grant_duration "
    "CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '4 hours')",
    "CREATE UNIQUE INDEX IF NOT EXISTS tenant_plugin_allowance_once "
    "ON platform.tenant_plugin_allowance (tenant, plugin)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="platform", description=DESCRIPTION)

    async def add_rules():
        from core.db import DB

        for statement in STATEMENTS:
            await DB.current_connection().execute(statement)

    manager.add_raw(add_rules)
    return manager
