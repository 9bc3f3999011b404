"""Uniqueness of links and participants, and one owner per attachment and comment."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T13:54:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "content constraints"

# Frozen copy of core.tables.content.CONTENT_DDL at the time of this migration.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS content_link_unique ON content_link (item, person, role)",
    "CREATE UNIQUE INDEX IF NOT EXISTS content_participant_unique ON content_participant (item, app_user)",
    "CREATE INDEX IF NOT EXISTS content_item_kind_stage ON content_item (kind, stage)",
    "ALTER TABLE attachment DROP CONSTRAINT IF EXISTS attachment_one_owner, ADD CONSTRAINT attachment_one_owner CHECK (num_nonnulls(item, person, organization) = 1)",
    "ALTER TABLE comment DROP CONSTRAINT IF EXISTS comment_one_target, ADD CONSTRAINT comment_one_target CHECK (num_nonnulls(item, person, organization) = 1)",
    "ALTER TABLE contact_event DROP CONSTRAINT IF EXISTS contact_event_subject, ADD CONSTRAINT contact_event_subject CHECK (num_nonnulls(person, organization) >= 1)",
    "ALTER TABLE customer_feedback DROP CONSTRAINT IF EXISTS customer_feedback_subject, ADD CONSTRAINT customer_feedback_subject CHECK (num_nonnulls(person, organization) >= 1)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def add_constraints():
        from core.db import DB

        for statement in STATEMENTS:
            await DB.current_connection().execute(statement)

    manager.add_raw(add_constraints)
    return manager
