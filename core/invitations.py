"""Invitations and password resets: a one-time link plus a key code, expiring, single use.

Only keyed hashes of the token and the code are stored. Visiting the link consumes nothing
(mail scanners open links); accepting with the right code does, once. Five wrong codes void
the invitation.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from core.account_language import ACCOUNT_LANGUAGES, set_account_language
from core.accounts import create_user, set_password
from core.db import DB
from core.mail import send_mail
from core.secret_box import keyed_hash
from core.validation import normalise_email

INVITE_TTL = timedelta(days=7)
RESET_TTL = timedelta(hours=1)
MAX_CODE_ATTEMPTS = 5


class InvitationError(Exception):
    """The link cannot be used. reason: unknown | expired | used | too_many_attempts"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedInvitation:
    id: uuid.UUID
    token: str  # goes in the link; never stored
    key_code: str  # told to the person; never stored


async def issue(
    email: str,
    *,
    purpose: str,
    role: str = "staff",
    person_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    created_by: str = "",
    secret_key: str,
) -> IssuedInvitation:
    _, normalised = normalise_email(email)
    token = secrets.token_urlsafe(32)
    key_code = f"{secrets.randbelow(10**6):06d}"
    invitation_id = uuid.uuid4()
    ttl = INVITE_TTL if purpose == "invite" else RESET_TTL
    await DB.current_connection().execute(
        "INSERT INTO invitation (id, purpose, email, role, person, app_user, token_hash, "
        "key_code_hash, attempts, expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, 0, now() + $9::interval, now(), $10)",
        invitation_id,
        purpose,
        normalised,
        role,
        person_id,
        user_id,
        keyed_hash(secret_key, "invite-token", token),
        keyed_hash(secret_key, "invite-code", key_code),
        ttl,
        created_by,
    )
    return IssuedInvitation(invitation_id, token, key_code)


async def send(issued: IssuedInvitation, email: str, *, link: str, subject: str, body: str) -> None:
    """Mail the link and key code (body is a template with {link} and {code}). A mail plugin
    sends it through the transfer gate (purpose "account"), naming the card of a self-service
    user so that the transfer shows on it; a staff user's has no card."""
    person_id = await DB.current_connection().fetchval(
        "SELECT coalesce(i.person, u.person) FROM invitation i "
        "LEFT JOIN app_user u ON u.id = i.app_user WHERE i.id = $1",
        issued.id,
    )
    await send_mail(
        email,
        subject,
        body.format(link=link, code=issued.key_code),
        kind="invitation",
        person_id=person_id,
    )


async def find(token: str, *, secret_key: str) -> dict:
    """The pending invitation behind a link (for showing the accept form)."""
    row = await DB.current_connection().fetchrow(
        "SELECT id, purpose, email, role, person, app_user, attempts, expires_at, used_at, "
        "expires_at < now() AS expired FROM invitation WHERE token_hash = $1",
        keyed_hash(secret_key, "invite-token", token or ""),
    )
    if row is None:
        raise InvitationError("unknown")
    if row["used_at"] is not None:
        raise InvitationError("used")
    if row["expired"]:
        raise InvitationError("expired")
    if row["attempts"] >= MAX_CODE_ATTEMPTS:
        raise InvitationError("too_many_attempts")
    return dict(row)


@dataclass(frozen=True)
class Accepted:
    user_id: uuid.UUID | None
    failure: str = ""  # "" on success, else wrong_code | too_many_attempts


async def accept(
    token: str, key_code: str, password: str, *, secret_key: str, locale: str | None = None
) -> Accepted:
    """Check the code, then create the user (invite) or set the password (reset); once.

    `locale`: the language the invitee accepted in, stored as the new user's own (a reset
    keeps the one the user has).

    A wrong code is returned, not raised, so the caller's transaction commits the attempt
    count (raising would roll it back and allow unlimited guesses).
    """
    invitation = await find(token, secret_key=secret_key)
    conn = DB.current_connection()
    # Lock the row so two simultaneous accepts cannot both succeed.
    row = await conn.fetchrow(
        "SELECT key_code_hash, used_at, attempts FROM invitation WHERE id = $1 FOR UPDATE",
        invitation["id"],
    )
    if row["used_at"] is not None:
        raise InvitationError("used")
    if keyed_hash(secret_key, "invite-code", (key_code or "").strip()) != row["key_code_hash"]:
        await conn.execute(
            "UPDATE invitation SET attempts = attempts + 1 WHERE id = $1", invitation["id"]
        )
        exhausted = row["attempts"] + 1 >= MAX_CODE_ATTEMPTS
        return Accepted(None, "too_many_attempts" if exhausted else "wrong_code")
    if invitation["purpose"] == "invite":
        user_id = await create_user(
            invitation["email"],
            role=invitation["role"],
            person_id=invitation["person"],
            password=password,
        )
        if locale in ACCOUNT_LANGUAGES:
            await set_account_language(user_id, locale)
    else:
        user_id = invitation["app_user"]
        await set_password(user_id, password)
    await conn.execute("UPDATE invitation SET used_at = now() WHERE id = $1", invitation["id"])
    return Accepted(user_id)
