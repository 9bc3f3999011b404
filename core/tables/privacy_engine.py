"""The privacy engine's tables (DESIGN §5): processing activities, lawful bases, provenance,
consents and objections (append-only histories), data-subject requests, legal holds,
suppression, retention.

Rows about a person go with the person (cascade) unless they must outlive an erasure: a
request keeps the erased person's id only as a value (no foreign key), so what was done and
when can still be shown; a suppression entry holds only a keyed hash.
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
from core.tables.register import Person


class ProcessingActivity(Table, db=DB, tablename="processing_activity"):
    """A purpose of processing with its lawful basis (GDPR Art. 6(1) point a–f)."""

    id = UUID(primary_key=True)
    name = Varchar(length=200)
    purpose = Text(default="")
    lawful_basis = Varchar(length=1)  # a | b | c | d | e | f
    data_categories = Array(base_column=Varchar(length=50), default=list)
    recipients = Text(default="")
    retention = Text(default="")  # the rule in words, as the privacy notice states it
    notes = Text(default="")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = Varchar(length=200, default="")


class PersonLawfulBasis(Table, db=DB, tablename="person_lawful_basis"):
    """Why this person's data is processed for an activity, since when, on what source."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    activity = ForeignKey(references=ProcessingActivity, on_delete=OnDelete.cascade)
    basis = Varchar(length=1)
    since = Date(null=True, default=None)
    source = Varchar(length=200, default="")
    ended_on = Date(null=True, default=None)
    recorded_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class PersonProvenance(Table, db=DB, tablename="person_provenance"):
    """Where the card, or one of its fields (`field` non-empty), came from."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    # self_form | self_registration | import | purchased_list | public_register | partner | staff
    source_kind = Varchar(length=30)
    source_detail = Varchar(length=300, default="")  # vendor, import id, form name, …
    field = Varchar(length=50, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())
    recorded_by = Varchar(length=200, default="")


class ConsentEvent(Table, db=DB, tablename="consent_event"):
    """A consent given or withdrawn (append-only; the latest per channel and purpose holds)."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    channel = Varchar(length=10)  # email | sms | phone | post
    purpose = Varchar(length=50)
    given = Boolean()
    at = Timestamptz(default=TimestamptzNow())
    method = Varchar(length=30)  # form | self_service | staff | import | api
    actor_label = Varchar(length=320, default="")
    notice_version = Varchar(length=50, default="")
    evidence = Text(default="")


class ObjectionEvent(Table, db=DB, tablename="objection_event"):
    """An objection made or lifted (append-only; effective at once everywhere)."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    # direct_marketing | market_research | publication | profiling
    kind = Varchar(length=30)
    channel = Varchar(length=10, default="")  # direct marketing per channel; "" = every one
    active = Boolean()
    at = Timestamptz(default=TimestamptzNow())
    method = Varchar(length=30)
    actor_label = Varchar(length=320, default="")
    note = Text(default="")


class DataSubjectRequest(Table, db=DB, tablename="data_subject_request"):
    """A request under GDPR Art. 15–22; due one calendar month from receipt (Art. 12(3))."""

    id = UUID(primary_key=True)
    person_id = UUID(null=True, default=None, index=True)  # a value: outlives an erasure
    # access | rectification | erasure | restriction | portability | objection | withdrawal
    kind = Varchar(length=20)
    status = Varchar(length=20, default="received")
    channel = Varchar(length=20, default="staff")  # staff | self_service
    requester_email = Varchar(length=320, default="")
    received_at = Timestamptz(default=TimestamptzNow())
    due_on = Date()
    extended_until = Date(null=True, default=None)
    extension_reason = Text(default="")
    refusal_reason = Text(default="")
    verification_code_hash = Varchar(length=200, null=True, default=None)
    verification_attempts = Integer(default=0)
    verified_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    repeated = Boolean(default=False)  # a second free access copy within 12 months
    details = JSONB(default="{}")
    bundle_key = Varchar(length=300, null=True, default=None)
    bundle_expires_at = Timestamptz(null=True, default=None)
    handled_by = Varchar(length=200, default="")


class RequestEvent(Table, db=DB, tablename="request_event"):
    """The history of a request: each step, who and why (kept with the request)."""

    id = UUID(primary_key=True)
    request = ForeignKey(references=DataSubjectRequest, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    action = Varchar(length=50)
    actor_label = Varchar(length=320, default="")
    note = Text(default="")


class LegalHold(Table, db=DB, tablename="legal_hold"):
    """Data of a person kept despite erasure or retention, with the reason, until a date."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    # open_invoice | debt_collection | misuse_investigation | bookkeeping | litigation
    reason_kind = Varchar(length=30)
    reason = Text(default="")
    until = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")
    ended_at = Timestamptz(null=True, default=None)


class SuppressionEntry(Table, db=DB, tablename="suppression_entry"):
    """A keyed hash of an erased person's e-mail or phone: stops a silent re-import."""

    id = UUID(primary_key=True)
    kind = Varchar(length=10)  # email | phone
    keyed_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    request_id = UUID(null=True, default=None)


class RetentionRule(Table, db=DB, tablename="retention_rule"):
    """How long data of a category / activity is kept after a trigger, then what happens."""

    id = UUID(primary_key=True)
    activity = ForeignKey(
        references=ProcessingActivity, null=True, on_delete=OnDelete.cascade, index=True
    )
    data_category = Varchar(length=50, default="")
    trigger = Varchar(length=30)  # relationship_ended | last_activity | created
    period_months = Integer()
    action = Varchar(length=10, default="delete")  # delete | anonymise
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RetentionRun(Table, db=DB, tablename="retention_run"):
    """One sweep (or dry run) and its report: what went, what was kept and why."""

    id = UUID(primary_key=True)
    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    dry_run = Boolean(default=False)
    report = JSONB(default="{}")
