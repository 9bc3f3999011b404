"""The tenant's own audit trail (in the tenant schema): who did what to which object, when.

Append-only: the tenant role may INSERT and SELECT but not UPDATE or DELETE (see
`APPEND_ONLY_TABLES`, revoked at provisioning and by migration). Issue 6 extends it
(hash chain, purposes, pseudonymisation, retention).
"""

from piccolo.columns import JSONB, UUID, BigInt, BigSerial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB

# Tables whose rows, once written, the tenant role can never change or remove.
# Consent and objection histories too: a withdrawal is a new row, never an edit (DESIGN §5).
APPEND_ONLY_TABLES = ("audit_event", "consent_event", "objection_event")
# Tables only the owner role writes (audit retention); the tenant role may read them.
READ_ONLY_TABLES = ("audit_prune",)


class AuditEvent(Table, db=DB, tablename="audit_event"):
    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    # user (a tenant user), operator (break-glass), system (jobs), anonymous
    actor_kind = Varchar(length=20)
    actor_id = Varchar(length=64, default="")
    # Readable even after the account is gone: e-mail or name at the time.
    actor_label = Varchar(length=320, default="")
    action = Varchar(length=100, index=True)
    object_kind = Varchar(length=50, default="")
    object_id = Varchar(length=64, default="")
    detail = JSONB(default="{}")
    # Privacy engine: the person whose data was read or changed (an id, no name), why, and
    # the request it happened in.
    person_id = UUID(null=True, default=None, index=True)
    purpose = Varchar(length=50, default="")
    request_id = Varchar(length=64, default="")
    # Order of the hash chain, and this event's link in it once sealed (sha256 hex).
    seq = BigSerial()
    chain_hash = Varchar(length=64, null=True, default=None)


class AuditSeal(Table, db=DB, tablename="audit_seal"):
    """How far the audit trail's hash chain reaches: the last sealed event and its hash."""

    id = UUID(primary_key=True)
    last_seq = BigInt(default=0)
    last_hash = Varchar(length=64, default="")
    sealed_at = Timestamptz(default=TimestamptzNow())


class AuditPrune(Table, db=DB, tablename="audit_prune"):
    """Audit retention: events up to last_seq were removed (by the owner role, not the tenant
    role); last_hash is the chain link of the last one removed, where verification resumes."""

    id = UUID(primary_key=True)
    last_seq = BigInt(default=0)
    last_hash = Varchar(length=64, default="")
    removed = BigInt(default=0)
    older_than = Timestamptz()
    pruned_at = Timestamptz(default=TimestamptzNow())
