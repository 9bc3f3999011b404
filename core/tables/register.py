"""The register's tables: organizations and persons (the electronic business card).

Derived columns (`search_name`, `sort_key`, normalised e-mail/phone) are written by the services
in `core/persons.py` and `core/organizations.py`; search and duplicate detection read only them.
"""

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB


class Organization(Table, db=DB, tablename="organization"):
    id = UUID(primary_key=True)
    name = Varchar(length=300)
    business_id = Varchar(length=9, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    vat_number = Varchar(length=12, null=True, default=None)
    street_address = Varchar(length=200, default="")
    postal_code = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    country = Varchar(length=2, default="FI")
    einvoice_address = Varchar(length=35, default="")
    einvoice_operator = Varchar(length=35, default="")
    status = Varchar(length=20, default="active")
    search_name = Varchar(length=300, default="", index=True)
    sort_key = Varchar(length=300, default="", index=True)
    created_by = Varchar(length=200, default="")
    updated_by = Varchar(length=200, default="")


class Person(Table, db=DB, tablename="person"):
    """The electronic business card (käyntikortti)."""

    id = UUID(primary_key=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    title = Varchar(length=200, default="")
    organization = ForeignKey(
        references=Organization, null=True, on_delete=OnDelete.set_null, index=True
    )
    keywords = Array(base_column=Varchar(length=100), default=list)
    description = Text(default="")
    left_organization_on = Date(null=True, default=None)
    search_name = Varchar(length=250, default="", index=True)
    sort_key = Varchar(length=250, default="", index=True)
    merged_into = UUID(null=True, default=None, index=True)
    # Personal identity code (HETU), only when the admin enabled it: encrypted at rest, found
    # by a keyed hash, shown masked (core privacy engine).
    hetu_encrypted = Text(null=True, default=None)
    hetu_hash = Varchar(length=64, null=True, default=None, index=True)
    # Restriction of processing (Art. 18): set while a restriction holds; only storage remains.
    restricted_at = Timestamptz(null=True, default=None)
    # When the customer relationship ended (a retention trigger); None while it lasts.
    relationship_ended_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = Varchar(length=200, default="")


class PersonEmail(Table, db=DB, tablename="person_email"):
    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=320)
    email_normalised = Varchar(length=320, index=True)
    position = Integer(default=0)


class PersonPhone(Table, db=DB, tablename="person_phone"):
    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    phone_e164 = Varchar(length=20, index=True)
    position = Integer(default=0)


class Employment(Table, db=DB, tablename="employment"):
    """A person's time at an organization; moving or leaving closes the row, keeping history."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(references=Organization, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200, default="")
    started_on = Date(null=True, default=None)
    ended_on = Date(null=True, default=None)
    current = Boolean(default=True)


class PersonMerge(Table, db=DB, tablename="person_merge"):
    """A merge of two cards: which survived, what was chosen, and the card that went away."""

    id = UUID(primary_key=True)
    survivor_id = UUID(index=True)
    merged_id = UUID(index=True)
    merged_at = Timestamptz(default=TimestamptzNow())
    merged_by = Varchar(length=200, default="")
    choices = JSONB(default="{}")
    merged_card = JSONB(default="{}")


# Indexes Piccolo cannot declare (operator classes); applied by provisioning and migrations.
TRIGRAM_INDEXES = (
    "CREATE INDEX IF NOT EXISTS person_search_name_trgm ON person "
    "USING gin (search_name ext.gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS organization_search_name_trgm ON organization "
    "USING gin (search_name ext.gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS person_keywords_gin ON person USING gin (keywords)",
)

# Cards by the whole parts of their name (words, and the parts of double names): a corrected
# typo finds its cards by them (core.search.NAME_PARTS), far cheaper than by its trigrams.
NAME_PART_INDEXES = tuple(
    f"CREATE INDEX IF NOT EXISTS {table}_search_name_parts ON {table} "
    f"USING gin (string_to_array(replace(search_name, '-', ' '), ' ')) WITH (fastupdate = off)"
    for table in ("person", "organization")
)

# The words of every person's and organization's name, each once. A typo is corrected
# against this vocabulary (thousands of rows, not the whole register), then the cards are
# found by the corrected words. Statement-level triggers keep it current, bulk COPY included;
# words are never removed (a stale word only costs a lookup that finds no card).
NAME_VOCABULARY = (
    "CREATE TABLE IF NOT EXISTS name_word (word varchar(100) PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS name_word_trgm ON name_word USING gin (word ext.gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS person_email_normalised_prefix ON person_email "
    "(email_normalised varchar_pattern_ops)",
    """CREATE OR REPLACE FUNCTION collect_name_words() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        INSERT INTO name_word (word)
        SELECT DISTINCT w FROM new_rows, unnest(string_to_array(new_rows.search_name, ' ')) w
        WHERE length(w) BETWEEN 2 AND 100
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    *(
        f"CREATE OR REPLACE TRIGGER {table}_name_words_{event.lower()} AFTER {event} ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION collect_name_words()"
        for table in ("person", "organization")
        for event in ("INSERT", "UPDATE")
    ),
    # Searches stay fast without waiting for (auto)vacuum: no GIN pending list to scan.
    *(
        f"ALTER INDEX {index} SET (fastupdate = off)"
        for index in (
            "person_search_name_trgm",
            "organization_search_name_trgm",
            "person_keywords_gin",
            "name_word_trgm",
        )
    ),
    "SELECT gin_clean_pending_list(c.oid::regclass) FROM pg_class c "
    "WHERE c.relname IN ('person_search_name_trgm', 'organization_search_name_trgm', "
    "'person_keywords_gin') "
    "AND c.relnamespace = current_schema()::regnamespace",
    "INSERT INTO name_word (word) SELECT DISTINCT w FROM ("
    "SELECT search_name FROM person UNION ALL SELECT search_name FROM organization) n, "
    "unnest(string_to_array(n.search_name, ' ')) w WHERE length(w) BETWEEN 2 AND 100 "
    "ON CONFLICT DO NOTHING",
)
