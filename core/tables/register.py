"""The register's own tables (organizations now; persons and the rest follow)."""

from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB


class Organization(Table, db=DB, tablename="organization"):
    id = UUID(primary_key=True)
    name = Varchar(length=300)
    business_id = Varchar(length=9, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
