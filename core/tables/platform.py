"""Platform tables in schema `platform`: the tenant catalog and host mapping, operators, the
platform audit, break-glass grants and plugin allowances.

Only the runtime role and the owner's provisioning touch these; tenant roles have no rights here
at all. What the runtime role may do on each table is granted in `tenants.migrate`.
"""

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB

PLATFORM_SCHEMA = "platform"


class Tenant(Table, db=DB, schema=PLATFORM_SCHEMA, tablename="tenant"):
    slug = Varchar(length=40, unique=True)
    name = Varchar(length=200)
    business_id = Varchar(length=9, null=True, default=None)
    status = Varchar(length=20, default="provisioning")
    schema_name = Varchar(length=63)
    role_name = Varchar(length=63)
    bucket = Varchar(length=63)
    created_at = Timestamptz(default=TimestamptzNow())
    status_changed_at = Timestamptz(default=TimestamptzNow())


class TenantDomain(Table, db=DB, schema=PLATFORM_SCHEMA, tablename="tenant_domain"):
    host = Varchar(length=253, unique=True)
    tenant = ForeignKey(references=Tenant, on_delete=OnDelete.cascade)


class Operator(Table, db=DB, schema=PLATFORM_SCHEMA, tablename="operator"):
    """Agency staff who run the platform. Created with `kortisto operator create`."""

    id = UUID(primary_key=True)
    email = Varchar(length=320, unique=True)
    display_name = Varchar(length=200, default="")
    password_hash = Varchar(length=200, null=True, default=None)
    # Sealed with core.secret_box; enrolment happens at the first sign-in.
    totp_secret = Varchar(length=300, null=True, default=None)
    totp_enabled = Boolean(default=False)
    # The time step of the last TOTP code accepted: a code is good once (core.totp_codes).
    totp_last_step = BigInt(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    # Sessions started before this moment are void (disable, password change).
    sessions_valid_after = Timestamptz(default=TimestamptzNow())


class PlatformAudit(Table, db=DB, schema=PLATFORM_SCHEMA, tablename="platform_audit"):
    """Append-only record of everything operators do (the runtime role may not change it)."""

    id = BigSerial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    operator = UUID(null=True, default=None)
    operator_label = Varchar(length=320, default="")
    action = Varchar(length=100)
    tenant_slug = Varchar(length=40, null=True, default=None, index=True)
    detail = JSONB(default="{}")


class BreakGlassGrant(Table, db=DB, schema=PLATFORM_SCHEMA, tablename="break_glass_grant"):
    """An operator's time-limited, read-only access to one tenant's data (at most 4 h)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(references=Tenant, on_delete=OnDelete.cascade, index=True)
    operator = ForeignKey(references=Operator, on_delete=OnDelete.cascade, index=True)
    reason = Text()
    starts_at = Timestamptz(default=TimestamptzNow())
    ends_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = Varchar(length=320, null=True, default=None)
    # Set once the end (expiry or revocation) has been written to both audits.
    closed_at = Timestamptz(null=True, default=None)


class TenantPluginAllowance(
    Table, db=DB, schema=PLATFORM_SCHEMA, tablename="tenant_plugin_allowance"
):
    """Which plugins a tenant's admins may enable (the operator decides)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(references=Tenant, on_delete=OnDelete.cascade, index=True)
    plugin = Varchar(length=100)
    allowed = Boolean(default=False)
    changed_at = Timestamptz(default=TimestamptzNow())
    changed_by = Varchar(length=320, default="")
