"""Tenant users, business areas and invitations (in the tenant schema, isolated with it)."""

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.db import DB
from core.tables.register import Person

ROLES = ("admin", "staff", "self")


class AppUser(Table, db=DB, tablename="app_user"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, unique=True)
    display_name = Varchar(length=200, default="")
    role = Varchar(length=10, default="staff")
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    password_hash = Varchar(length=200, null=True, default=None)
    totp_secret = Varchar(length=300, null=True, default=None)
    totp_enabled = Boolean(default=False)
    # The time step of the last TOTP code accepted: a code is good once (core.totp_codes).
    totp_last_step = BigInt(null=True, default=None)
    active = Boolean(default=True)
    # The user's own language; NULL until they choose one: their browser's is used till then.
    locale = Varchar(length=5, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    # Sessions started before this moment are void (password change = logout everywhere).
    sessions_valid_after = Timestamptz(default=TimestamptzNow())


class BusinessArea(Table, db=DB, tablename="business_area"):
    id = UUID(primary_key=True)
    name = Varchar(length=100, unique=True)
    archived = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


# Names are unique regardless of case ("myynti" and "Myynti" would be the same area to users).
AREA_NAME_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS business_area_name_casefold ON business_area (lower(name))"
)


class UserArea(Table, db=DB, tablename="user_area"):
    id = UUID(primary_key=True)
    app_user = ForeignKey(references=AppUser, on_delete=OnDelete.cascade)
    area = ForeignKey(references=BusinessArea, on_delete=OnDelete.cascade)


class Invitation(Table, db=DB, tablename="invitation"):
    """A one-time link + key code: an invitation to join, or a password reset."""

    id = UUID(primary_key=True)
    purpose = Varchar(length=10, default="invite")
    email = Varchar(length=320)
    role = Varchar(length=10, default="staff")
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.cascade)
    app_user = ForeignKey(references=AppUser, null=True, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True)
    key_code_hash = Varchar(length=200)
    attempts = Integer(default=0)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=200, default="")


class MailMessage(Table, db=DB, tablename="mail_message"):
    """Outgoing mail: written here, delivered by the mail plugin (or read from the outbox)."""

    id = UUID(primary_key=True)
    recipient = Varchar(length=320)
    subject = Varchar(length=300)
    body = Text()
    kind = Varchar(length=30, default="")
    status = Varchar(length=20, default="queued")
    created_at = Timestamptz(default=TimestamptzNow())
