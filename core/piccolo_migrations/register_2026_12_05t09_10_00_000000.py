"""A user's language is NULL until they choose one (core.account_language): the column's old
default 'fi' had put every existing user on Finnish, overriding the language their browser
asks for. The per-user choice shipped the same day (2026-12-05) and was never deployed, so a
stored 'fi' is the default, not a choice, and becomes NULL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-05T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "app_user.locale NULL until chosen"

STATEMENTS = (
    "ALTER TABLE app_user ALTER COLUMN locale DROP NOT NULL",
    "ALTER TABLE app_user ALTER COLUMN locale SET DEFAULT NULL",
    "UPDATE app_user SET locale = NULL WHERE locale = 'fi'",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def unset_default_language():
        from core.db import DB

        for statement in STATEMENTS:
            await DB.current_connection().execute(statement)

    manager.add_raw(unset_default_language)
    return manager
