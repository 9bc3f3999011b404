"""An index of the whole parts of person and organization names (words, and the parts of
double names): a corrected typo finds its cards through it (core.search)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-05T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "name part indexes for corrected searches"

# Frozen copy of core.tables.register.NAME_PART_INDEXES at the time of this migration.
STATEMENTS = tuple(
    f"CREATE INDEX IF NOT EXISTS {table}_search_name_parts ON {table} "
    f"USING gin (string_to_array(replace(search_name, '-', ' '), ' ')) WITH (fastupdate = off)"
    for table in ("person", "organization")
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def create_indexes():
        from core.db import DB

        for statement in STATEMENTS:
            await DB.current_connection().execute(statement)

    manager.add_raw(create_indexes)
    return manager
