"""Tables that make jobs reliable: the outbox (enqueue after commit) and the run ledger."""

from piccolo.columns import JSONB, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB


class OutboxMessage(Table, db=DB, tablename="outbox_message"):
    """A job written in the same transaction as the change that asked for it."""

    id = UUID(primary_key=True)
    actor_name = Varchar(length=100)
    queue_name = Varchar(length=100, default="default")
    kwargs = JSONB(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class JobRun(Table, db=DB, tablename="job_run"):
    """One row per message whose effect committed; a redelivered message finds it and stops."""

    message_key = Varchar(length=200, primary_key=True)
    actor_name = Varchar(length=100)
    finished_at = Timestamptz(default=TimestamptzNow())


class HealthReport(Table, db=DB, tablename="health_report"):
    """The nightly consistency check's findings for this tenant."""

    id = UUID(primary_key=True)
    checked_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=20)
    details = JSONB(default="{}")


class JobProgress(Table, db=DB, tablename="job_progress"):
    """How far a long job is, for the page that started it (polled over HTMX)."""

    id = UUID(primary_key=True)
    kind = Varchar(length=50)  # access_bundle | retention_sweep | …
    subject_id = Varchar(length=64, default="", index=True)  # what it works on (a request id…)
    status = Varchar(length=20, default="queued")  # queued | running | done | failed
    done = Integer(default=0)
    total = Integer(default=0)
    message = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
