"""Collaboration content linked to business cards, and the customer data that accrues.

Who may see a content item is decided in one place, `core.visibility`; every query that reads
`content_item` (or anything hanging off it) takes its condition from there.
"""

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB
from core.tables.accounts import AppUser, BusinessArea
from core.tables.register import Organization, Person


class ContentItem(Table, db=DB, tablename="content_item"):
    """A deal, contract, meeting, course, … (`kind`, vocabulary in `core.content_kinds`)."""

    id = UUID(primary_key=True)
    kind = Varchar(length=20, index=True)
    title = Varchar(length=300)
    description = Text(default="")
    status = Varchar(length=30, default="open")
    # Pipeline stage for the kinds that have one (deal, idea); "" for the others.
    stage = Varchar(length=30, default="")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    organization = ForeignKey(
        references=Organization, null=True, on_delete=OnDelete.set_null, index=True
    )
    area = ForeignKey(references=BusinessArea, null=True, on_delete=OnDelete.set_null, index=True)
    private = Boolean(default=False)
    # A course's lectures and exercises, an exercise's submissions: the part's item.
    parent = ForeignKey(references="self", null=True, on_delete=OnDelete.cascade, index=True)
    owner = ForeignKey(references=AppUser, null=True, on_delete=OnDelete.set_null)
    # Kind-specific fields (deal value, contract period, meeting place, …), checked by
    # `core.content_kinds` before they are written.
    details = JSONB(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = Varchar(length=200, default="")


class ContentLink(Table, db=DB, tablename="content_link"):
    """A business card linked to a content item in a role of the item kind's vocabulary."""

    id = UUID(primary_key=True)
    item = ForeignKey(references=ContentItem, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=30)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")


class ContentParticipant(Table, db=DB, tablename="content_participant"):
    """A user who takes part in an item; for a private item, the only staff who see it."""

    id = UUID(primary_key=True)
    item = ForeignKey(references=ContentItem, on_delete=OnDelete.cascade)
    app_user = ForeignKey(references=AppUser, on_delete=OnDelete.cascade, index=True)


class Attachment(Table, db=DB, tablename="attachment"):
    """A file in the tenant's bucket, on exactly one content item, person or organization.

    Deleting the owner deletes this row (cascade); the object is then removed by the orphan
    sweep, which deletes every object no row references."""

    id = UUID(primary_key=True)
    item = ForeignKey(references=ContentItem, null=True, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(
        references=Organization, null=True, on_delete=OnDelete.cascade, index=True
    )
    object_key = Varchar(length=300, unique=True)
    filename = Varchar(length=255)
    content_type = Varchar(length=100, default="application/octet-stream")
    size_bytes = BigInt(default=0)
    sha256 = Varchar(length=64, default="")
    # uploaded -> ready (verified by the job) | rejected (content not what it claims)
    status = Varchar(length=20, default="uploaded")
    status_reason = Varchar(length=300, default="")
    thumbnail_key = Varchar(length=300, null=True, default=None)
    uploaded_at = Timestamptz(default=TimestamptzNow())
    uploaded_by = Varchar(length=200, default="")


class ContactEvent(Table, db=DB, tablename="contact_event"):
    """Contact history: a call, e-mail, meeting, … with a person and/or an organization."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(
        references=Organization, null=True, on_delete=OnDelete.cascade, index=True
    )
    channel = Varchar(length=20)
    direction = Varchar(length=10)  # inbound | outbound
    happened_at = Timestamptz(default=TimestamptzNow())
    summary = Text(default="")
    recorded_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class CustomerFeedback(Table, db=DB, tablename="customer_feedback"):
    """Feedback a customer gave, or a satisfaction answer (`score` set, 0–10)."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(
        references=Organization, null=True, on_delete=OnDelete.cascade, index=True
    )
    kind = Varchar(length=20, default="feedback")  # feedback | satisfaction
    score = Integer(null=True, default=None)
    comment = Text(default="")
    received_on = Date(null=True, default=None)
    recorded_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class CustomerPreference(Table, db=DB, tablename="customer_preference"):
    """Personalisation the customer gave, or a restriction they set ("no phone calls")."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # personalisation | restriction
    topic = Varchar(length=50)
    value = Text(default="")
    given_on = Date(null=True, default=None)
    ended_on = Date(null=True, default=None)
    recorded_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Comment(Table, db=DB, tablename="comment"):
    """A comment on a content item, a person or an organization (exactly one of them)."""

    id = UUID(primary_key=True)
    item = ForeignKey(references=ContentItem, null=True, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(
        references=Organization, null=True, on_delete=OnDelete.cascade, index=True
    )
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")


class OrganizationOrder(Table, db=DB, tablename="organization_order"):
    """An order by the organization (orders and payments are tracked per organization only)."""

    id = UUID(primary_key=True)
    organization = ForeignKey(references=Organization, on_delete=OnDelete.cascade, index=True)
    reference = Varchar(length=100, default="")
    ordered_on = Date(null=True, default=None)
    description = Text(default="")
    amount = Numeric(digits=(14, 2), default=Decimal("0"))
    currency = Varchar(length=3, default="EUR")
    status = Varchar(length=20, default="open")
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")


class OrganizationPayment(Table, db=DB, tablename="organization_payment"):
    """A payment event of the organization, optionally for one of its orders."""

    id = UUID(primary_key=True)
    organization = ForeignKey(references=Organization, on_delete=OnDelete.cascade, index=True)
    order = ForeignKey(
        references=OrganizationOrder, null=True, on_delete=OnDelete.set_null, index=True
    )
    paid_on = Date(null=True, default=None)
    amount = Numeric(digits=(14, 2), default=Decimal("0"))
    currency = Varchar(length=3, default="EUR")
    reference = Varchar(length=100, default="")
    method = Varchar(length=30, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")


class SellerContact(Table, db=DB, tablename="seller_contact"):
    """An inbound contact from a salesperson to the client company (they are data subjects too)."""

    id = UUID(primary_key=True)
    contacted_on = Date(null=True, default=None)
    seller_name = Varchar(length=200)
    seller_organization = Varchar(length=300, default="")
    phone_e164 = Varchar(length=20, default="")
    email = Varchar(length=320, default="")
    subject = Varchar(length=300, default="")
    notes = Text(default="")
    recorded_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


# Constraints Piccolo cannot declare; applied by provisioning and the migration.
CONTENT_DDL = (
    "CREATE UNIQUE INDEX IF NOT EXISTS content_link_unique ON content_link (item, person, role)",
    "CREATE UNIQUE INDEX IF NOT EXISTS content_participant_unique "
    "ON content_participant (item, app_user)",
    "CREATE INDEX IF NOT EXISTS content_item_kind_stage ON content_item (kind, stage)",
    "ALTER TABLE attachment DROP CONSTRAINT IF EXISTS attachment_one_owner, "
    "ADD CONSTRAINT attachment_one_owner "
    "CHECK (num_nonnulls(item, person, organization) = 1)",
    "ALTER TABLE comment DROP CONSTRAINT IF EXISTS comment_one_target, "
    "ADD CONSTRAINT comment_one_target CHECK (num_nonnulls(item, person, organization) = 1)",
    "ALTER TABLE contact_event DROP CONSTRAINT IF EXISTS contact_event_subject, "
    "ADD CONSTRAINT contact_event_subject CHECK (num_nonnulls(person, organization) >= 1)",
    "ALTER TABLE customer_feedback DROP CONSTRAINT IF EXISTS customer_feedback_subject, "
    "ADD CONSTRAINT customer_feedback_subject CHECK (num_nonnulls(person, organization) >= 1)",
)
