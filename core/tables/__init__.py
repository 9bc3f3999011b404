"""Tenant tables: declared without a schema; the tenant scope's search_path picks the schema."""

from core.tables.jobs import HealthReport, JobRun, OutboxMessage
from core.tables.register import (
    TRIGRAM_INDEXES,
    Employment,
    Organization,
    Person,
    PersonEmail,
    PersonMerge,
    PersonPhone,
)

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
]

# Statements run after the tables' own DDL (indexes Piccolo cannot express).
EXTRA_TENANT_DDL = TRIGRAM_INDEXES

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
]
