"""Platform tables in schema `platform`: the tenant catalog and host mapping.

Only the runtime role's lookups and the owner's provisioning touch these; tenant roles have no
rights here at all.
"""

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
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
