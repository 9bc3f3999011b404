"""The register's own settings, one row per setting (in the tenant schema, isolated with it)."""

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB


class TenantSetting(Table, db=DB, tablename="tenant_setting"):
    """A named switch or value an admin chose; a missing row means the default."""

    name = Varchar(length=100, primary_key=True)
    value = Text(default="")
    changed_at = Timestamptz(default=TimestamptzNow())
    changed_by = Varchar(length=200, default="")
