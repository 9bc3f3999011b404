"""What the privacy engine records besides the person's own rows (DESIGN §5): the transfer
register, Art. 19 notifications of recipients, and field-level change history.

A transfer row and a notification keep the person only as an id value (no foreign key): they
prove what was sent and who was told even after the person is erased. Field changes hold old
and new values, which are personal data, so they go with the person (erased with the card).
"""

from piccolo.columns import (
    UUID,
    Array,
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
from core.tables.privacy_engine import DataSubjectRequest
from core.tables.register import Person


class Transfer(Table, db=DB, tablename="transfer"):
    """One outbound transfer of a person's data to a processor or recipient."""

    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    person_id = UUID(null=True, default=None, index=True)
    processor = Varchar(length=200)  # who receives: "SparkPost", "Netvisor", a partner…
    recipient = Varchar(length=300, default="")  # the endpoint / account / address used
    plugin = Varchar(length=100, default="")  # "" = recorded by hand or by core
    country = Varchar(length=2, default="")
    outside_eea = Boolean(default=False)
    safeguard = Varchar(length=100, default="")  # adequacy / SCC 2021/914 / DPF / none
    purpose = Varchar(length=50, default="")
    categories = Array(base_column=Varchar(length=50), default=list)
    external_ref = Varchar(length=200, default="")
    actor_label = Varchar(length=320, default="")
    # The gate records the row before the plugin is called: pending → sent | failed.
    status = Varchar(length=10, default="sent")
    error = Text(default="")


class RecipientNotification(Table, db=DB, tablename="recipient_notification"):
    """Art. 19: one recipient told of a rectification or erasure, or a manual task to do so."""

    id = UUID(primary_key=True)
    request = ForeignKey(references=DataSubjectRequest, on_delete=OnDelete.cascade, index=True)
    person_id = UUID(null=True, default=None, index=True)
    processor = Varchar(length=200)
    recipient = Varchar(length=300, default="")
    plugin = Varchar(length=100, default="")
    method = Varchar(length=10)  # plugin | manual
    status = Varchar(length=10, default="open")  # sent | failed | open | done
    created_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)
    done_by = Varchar(length=320, default="")
    note = Text(default="")


class FieldChange(Table, db=DB, tablename="field_change"):
    """One field of a card changed: old → new, by whom, in which request."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    field = Varchar(length=50)
    old_value = Text(default="")
    new_value = Text(default="")
    at = Timestamptz(default=TimestamptzNow())
    actor_label = Varchar(length=320, default="")
    request_id = Varchar(length=64, default="")
