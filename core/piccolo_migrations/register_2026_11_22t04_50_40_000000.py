"""Default business areas for registers created before accounts existed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T04:50:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "default business areas"

# Frozen copy of core.tables.DEFAULT_BUSINESS_AREAS at the time of this migration.
AREAS = ("Myynti", "Tuotanto", "Asiakaspalvelu")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def insert_defaults():
        from core.db import DB

        for name in AREAS:
            await DB.current_connection().execute(
                "INSERT INTO business_area (id, name, archived, created_at) "
                "VALUES (gen_random_uuid(), $1, false, now()) ON CONFLICT (name) DO NOTHING",
                name,
            )

    manager.add_raw(insert_defaults)
    return manager
