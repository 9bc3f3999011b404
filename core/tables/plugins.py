"""Tables of plugins and transfers (DESIGN §6): which plugins the tenant enabled and their
settings (credentials encrypted), processors an admin added by hand, cached embed previews,
newsletter subscriptions, and the published versions of the privacy notice.

The transfer register itself is core.tables.privacy_records.Transfer.
"""

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    Boolean,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB


class PluginSetting(Table, db=DB, tablename="plugin_setting"):
    """A plugin the tenant's admin enabled (the operator must allow it first) and its
    configuration: plain options in `options`, credentials only sealed in `secrets_sealed`."""

    plugin = Varchar(length=100, primary_key=True)
    enabled = Boolean(default=False)
    options = JSONB(default="{}")
    secrets_sealed = Text(default="")  # core.secret_box ciphertext of a JSON object
    changed_at = Timestamptz(default=TimestamptzNow())
    changed_by = Varchar(length=320, default="")


class TenantProcessor(Table, db=DB, tablename="tenant_processor"):
    """A processor or recipient that is not a plugin (hosting provider, bookkeeping firm…)."""

    id = UUID(primary_key=True)
    name = Varchar(length=200)
    service = Varchar(length=300, default="")
    country = Varchar(length=2, default="FI")
    outside_eea = Boolean(default=False)
    safeguard = Varchar(length=30, default="")  # adequacy | dpf | scc_2021_914 | none | ""
    categories = Array(base_column=Varchar(length=50), default=list)
    dpa_reference = Varchar(length=300, default="")
    role = Varchar(length=20, default="processor")  # processor | recipient
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class EmbedPreview(Table, db=DB, tablename="embed_preview"):
    """A social media URL's preview fetched server-side (oEmbed): title and a thumbnail kept in
    our own bucket, so the visitor's browser contacts nobody before the click."""

    url = Varchar(length=1000, primary_key=True)
    provider = Varchar(length=30)
    title = Text(default="")
    author = Varchar(length=300, default="")
    thumbnail_key = Varchar(length=300, default="")  # object key in the tenant bucket
    embed_url = Varchar(length=1000, default="")  # what the iframe loads after the click
    fetched_at = Timestamptz(default=TimestamptzNow())
    failed = Boolean(default=False)
    refusal = Varchar(length=30, default="")  # "" | private_address (core.public_fetch)


class NewsletterSubscription(Table, db=DB, tablename="newsletter_subscription"):
    """A person synced to a newsletter service; the id is a value (erasure removes the row
    after telling the service)."""

    id = UUID(primary_key=True)
    person_id = UUID(index=True)
    plugin = Varchar(length=100)
    list_id = Varchar(length=200, default="")
    external_id = Varchar(length=200, default="")
    status = Varchar(length=20, default="subscribed")  # subscribed | removed | failed
    synced_at = Timestamptz(default=TimestamptzNow())
    error = Text(default="")


class PrivacyNoticeVersion(Table, db=DB, tablename="privacy_notice_version"):
    """A published version of the register description (tietosuojaseloste): the structured
    content it was drawn from and the text in each language, kept for good."""

    id = UUID(primary_key=True)
    version = Integer(unique=True)
    drawn_up_on = Timestamptz(default=TimestamptzNow())
    valid_from = Timestamptz(default=TimestamptzNow())
    content = JSONB(default="{}")  # the facts from live settings, language-neutral codes
    rendered = JSONB(default="{}")  # {"fi": html, "sv": html, "en": html}
    published_by = Varchar(length=320, default="")
