"""Data-subject rights records (in the tenant schema): what the person corrected themselves."""

from piccolo.columns import UUID, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB
from core.tables.register import Person


class Rectification(Table, db=DB, tablename="rectification"):
    """One field of a card changed by the person it describes (GDPR Art. 16).

    The rows go with the card (cascade): an erased person leaves no trail of old values.
    `changed_by_label` keeps who it was readable even after their user account is removed.
    """

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    field = Varchar(length=50)
    old_value = Text(default="")
    new_value = Text(default="")
    changed_by_user = UUID(null=True, default=None)
    changed_by_label = Varchar(length=320, default="")
    changed_at = Timestamptz(default=TimestamptzNow())
