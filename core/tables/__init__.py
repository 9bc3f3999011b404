"""Tenant tables: declared without a schema; the tenant scope's search_path picks the schema."""

from core.tables.jobs import HealthReport, JobRun, OutboxMessage
from core.tables.register import Organization

TENANT_TABLES = [OutboxMessage, JobRun, HealthReport, Organization]

__all__ = ["TENANT_TABLES", "OutboxMessage", "JobRun", "HealthReport", "Organization"]
