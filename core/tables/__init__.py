"""Tenant tables: declared without a schema; the tenant scope's search_path picks the schema."""

from core.tables.accounts import (
    AREA_NAME_INDEX,
    AppUser,
    BusinessArea,
    Invitation,
    MailMessage,
    UserArea,
)
from core.tables.audit import (
    APPEND_ONLY_TABLES,
    READ_ONLY_TABLES,
    AuditEvent,
    AuditPrune,
    AuditSeal,
)
from core.tables.content import (
    CONTENT_DDL,
    Attachment,
    Comment,
    ContactEvent,
    ContentItem,
    ContentLink,
    ContentParticipant,
    CustomerFeedback,
    CustomerPreference,
    OrganizationOrder,
    OrganizationPayment,
    SellerContact,
)
from core.tables.jobs import HealthReport, JobProgress, JobRun, OutboxMessage
from core.tables.plugins import (
    EmbedPreview,
    NewsletterSubscription,
    PluginSetting,
    PrivacyNoticeVersion,
    TenantProcessor,
)
from core.tables.privacy import Rectification
from core.tables.privacy_engine import (
    ConsentEvent,
    DataSubjectRequest,
    LegalHold,
    ObjectionEvent,
    PersonLawfulBasis,
    PersonProvenance,
    ProcessingActivity,
    RequestEvent,
    RetentionRule,
    RetentionRun,
    SuppressionEntry,
)
from core.tables.privacy_records import FieldChange, RecipientNotification, Transfer
from core.tables.register import (
    NAME_PART_INDEXES,
    NAME_VOCABULARY,
    TRIGRAM_INDEXES,
    Employment,
    Organization,
    Person,
    PersonEmail,
    PersonMerge,
    PersonPhone,
)
from core.tables.settings import TenantSetting

TENANT_TABLES = [
    OutboxMessage,
    JobRun,
    HealthReport,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Employment,
    PersonMerge,
    AppUser,
    BusinessArea,
    UserArea,
    Invitation,
    MailMessage,
    Rectification,
    TenantSetting,
    AuditEvent,
    ContentItem,
    ContentLink,
    ContentParticipant,
    Attachment,
    ContactEvent,
    CustomerFeedback,
    CustomerPreference,
    Comment,
    OrganizationOrder,
    OrganizationPayment,
    SellerContact,
    AuditSeal,
    ProcessingActivity,
    PersonLawfulBasis,
    PersonProvenance,
    ConsentEvent,
    ObjectionEvent,
    DataSubjectRequest,
    RequestEvent,
    LegalHold,
    SuppressionEntry,
    RetentionRule,
    RetentionRun,
    Transfer,
    RecipientNotification,
    FieldChange,
    JobProgress,
    AuditPrune,
    PluginSetting,
    TenantProcessor,
    EmbedPreview,
    NewsletterSubscription,
    PrivacyNoticeVersion,
]

# Business areas every new register starts with (DESIGN §1: sales, production, support).
DEFAULT_BUSINESS_AREAS = ("Myynti", "Tuotanto", "Asiakaspalvelu")

# Statements run after the tables' own DDL (indexes Piccolo cannot express).
EXTRA_TENANT_DDL = (
    TRIGRAM_INDEXES
    + NAME_VOCABULARY
    + NAME_PART_INDEXES
    + tuple(
        f"INSERT INTO business_area (id, name, archived, created_at) "
        f"VALUES (gen_random_uuid(), '{name}', false, now()) ON CONFLICT (name) DO NOTHING"
        for name in DEFAULT_BUSINESS_AREAS
    )
    + (AREA_NAME_INDEX,)
    + CONTENT_DDL
)

__all__ = [
    "TENANT_TABLES",
    "EXTRA_TENANT_DDL",
    "OutboxMessage",
    "JobRun",
    "HealthReport",
    "Organization",
    "Person",
    "PersonEmail",
    "PersonPhone",
    "Employment",
    "PersonMerge",
    "AppUser",
    "BusinessArea",
    "UserArea",
    "Invitation",
    "MailMessage",
    "TenantSetting",
    "Rectification",
    "AuditEvent",
    "APPEND_ONLY_TABLES",
    "READ_ONLY_TABLES",
    "DEFAULT_BUSINESS_AREAS",
    "ContentItem",
    "ContentLink",
    "ContentParticipant",
    "Attachment",
    "ContactEvent",
    "CustomerFeedback",
    "CustomerPreference",
    "Comment",
    "OrganizationOrder",
    "OrganizationPayment",
    "SellerContact",
    "AuditSeal",
    "ProcessingActivity",
    "PersonLawfulBasis",
    "PersonProvenance",
    "ConsentEvent",
    "ObjectionEvent",
    "DataSubjectRequest",
    "RequestEvent",
    "LegalHold",
    "SuppressionEntry",
    "RetentionRule",
    "RetentionRun",
]
