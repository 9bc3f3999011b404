"""Name vocabulary for typo-tolerant search, and a prefix index for partial e-mails."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T08:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "name vocabulary with triggers; e-mail prefix index"

# Frozen copy of core.tables.register.NAME_VOCABULARY at the time of this migration.
STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS name_word (word varchar(100) PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS name_word_trgm ON name_word USING gin (word ext.gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS person_email_normalised_prefix ON person_email (email_normalised varchar_pattern_ops)",
    "CREATE OR REPLACE FUNCTION collect_name_words() RETURNS trigger\n    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$\n    BEGIN\n        INSERT INTO name_word (word)\n        SELECT DISTINCT w FROM new_rows, unnest(string_to_array(new_rows.search_name, ' ')) w\n        WHERE length(w) BETWEEN 2 AND 100\n        ON CONFLICT DO NOTHING;\n        RETURN NULL;\n    END $$",
    "CREATE OR REPLACE TRIGGER person_name_words_insert AFTER INSERT ON person REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION collect_name_words()",
    "CREATE OR REPLACE TRIGGER person_name_words_update AFTER UPDATE ON person REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION collect_name_words()",
    "CREATE OR REPLACE TRIGGER organization_name_words_insert AFTER INSERT ON organization REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION collect_name_words()",
    "CREATE OR REPLACE TRIGGER organization_name_words_update AFTER UPDATE ON organization REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION collect_name_words()",
    "ALTER INDEX person_search_name_trgm SET (fastupdate = off)",
    "ALTER INDEX organization_search_name_trgm SET (fastupdate = off)",
    "ALTER INDEX person_keywords_gin SET (fastupdate = off)",
    "ALTER INDEX name_word_trgm SET (fastupdate = off)",
    "SELECT gin_clean_pending_list(c.oid::regclass) FROM pg_class c WHERE c.relname IN ('person_search_name_trgm', 'organization_search_name_trgm', 'person_keywords_gin') AND c.relnamespace = current_schema()::regnamespace",
    "INSERT INTO name_word (word) SELECT DISTINCT w FROM (SELECT search_name FROM person UNION ALL SELECT search_name FROM organization) n, unnest(string_to_array(n.search_name, ' ')) w WHERE length(w) BETWEEN 2 AND 100 ON CONFLICT DO NOTHING",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="register", description=DESCRIPTION)

    async def create_vocabulary():
        from core.db import DB

        for statement in STATEMENTS:
            await DB.current_connection().execute(statement)

    manager.add_raw(create_vocabulary)
    return manager
