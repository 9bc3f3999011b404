"""Trigram and keyword indexes (operator classes Piccolo cannot declare)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T04:32:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "trigram indexes for person and organization search"

# Frozen copy: a migration must keep doing what it did when it was written.
STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS person_search_name_trgm ON person "
    "USING gin (search_name ext.gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS organization_search_name_trgm ON organization "
    "USING gin (search_name ext.gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS person_keywords_gin ON person USING gin (keywords)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def create_indexes():
        from core.db import DB

        for statement in STATEMENTS:
            await DB.current_connection().execute(statement)

    manager.add_raw(create_indexes)
    return manager
