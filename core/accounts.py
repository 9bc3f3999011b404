"""Tenant users: creation, authentication with throttling and optional TOTP, password changes.

Runs inside a tenant scope. Returns reasons rather than raising, so the login page can say
exactly what to do (wrong password, locked until, code needed) without revealing whether an
e-mail address has an account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyotp

from core.db import DB
from core.passwords import check_strength, hash_password, needs_rehash, verify_password
from core.secret_box import open_sealed, seal
from core.tables.accounts import ROLES
from core.throttle import LoginThrottle
from core.validation import ValidationFailed, normalise_email

TOTP_PURPOSE = "totp"


@dataclass(frozen=True)
class AuthResult:
    outcome: str  # ok | bad_credentials | locked | totp_required | bad_totp
    user: dict | None = None
    retry_after: int = 0


async def create_user(
    email: str,
    *,
    role: str,
    display_name: str = "",
    person_id: uuid.UUID | None = None,
    password: str | None = None,
) -> uuid.UUID:
    if role not in ROLES:
        raise ValidationFailed({"role": ("invalid", f"role must be one of {', '.join(ROLES)}")})
    if role == "self" and person_id is None:
        raise ValidationFailed({"person_id": ("required", "an end customer is linked to a card")})
    _, normalised = normalise_email(email)
    password_hash = None
    if password is not None:
        check_strength(password, email=normalised)
        password_hash = await hash_password(password)
    user_id = uuid.uuid4()
    conn = DB.current_connection()
    if await conn.fetchval("SELECT 1 FROM app_user WHERE email = $1", normalised):
        raise ValidationFailed({"email": ("duplicate", "a user with this e-mail exists")})
    await conn.execute(
        "INSERT INTO app_user (id, email, display_name, role, person, password_hash, active, "
        "locale, created_at, sessions_valid_after) VALUES ($1, $2, $3, $4, $5, $6, true, 'fi', "
        "now(), now())",
        user_id,
        normalised,
        display_name or normalised.split("@")[0],
        role,
        person_id,
        password_hash,
    )
    return user_id


async def get_user(user_id: uuid.UUID | str) -> dict | None:
    row = await DB.current_connection().fetchrow(
        "SELECT id, email, display_name, role, person, active, totp_enabled, locale, "
        "sessions_valid_after, last_login_at FROM app_user WHERE id = $1",
        uuid.UUID(str(user_id)),
    )
    return dict(row) if row else None


async def authenticate(
    email: str,
    password: str,
    *,
    totp_code: str = "",
    throttle: LoginThrottle,
    realm: str,
    address: str,
    secret_key: str,
) -> AuthResult:
    account = (email or "").strip().casefold()
    locked = await throttle.locked_for(realm, account, address)
    if locked:
        return AuthResult("locked", retry_after=locked)
    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT id, email, role, password_hash, active, totp_enabled, totp_secret "
        "FROM app_user WHERE email = $1",
        account,
    )
    valid = await verify_password(row["password_hash"] if row else None, password or "")
    if not (row and valid and row["active"]):
        lockout = await throttle.failed(realm, account, address)
        return (
            AuthResult("locked", retry_after=lockout) if lockout else AuthResult("bad_credentials")
        )
    if row["totp_enabled"]:
        if not totp_code:
            return AuthResult("totp_required")
        secret = open_sealed(secret_key, TOTP_PURPOSE, row["totp_secret"])
        if not pyotp.TOTP(secret).verify(totp_code.strip(), valid_window=1):
            lockout = await throttle.failed(realm, account, address)
            return AuthResult("locked", retry_after=lockout) if lockout else AuthResult("bad_totp")
    await throttle.succeeded(realm, account, address)
    if needs_rehash(row["password_hash"]):
        await conn.execute(
            "UPDATE app_user SET password_hash = $2 WHERE id = $1",
            row["id"],
            await hash_password(password),
        )
    await conn.execute("UPDATE app_user SET last_login_at = now() WHERE id = $1", row["id"])
    return AuthResult("ok", user=await get_user(row["id"]))


async def set_password(user_id: uuid.UUID, password: str) -> None:
    """Change the password and void every existing session of the user."""
    user = await get_user(user_id)
    if user is None:
        raise LookupError("no such user")
    check_strength(password, email=user["email"])
    await DB.current_connection().execute(
        "UPDATE app_user SET password_hash = $2, sessions_valid_after = clock_timestamp() "
        "WHERE id = $1",
        user_id,
        await hash_password(password),
    )


async def start_totp_enrolment(user_id: uuid.UUID, *, secret_key: str, issuer: str) -> str:
    """Store a new (not yet enabled) TOTP secret; returns the otpauth:// URI for the QR code."""
    user = await get_user(user_id)
    if user is None:
        raise LookupError("no such user")
    secret = pyotp.random_base32()
    await DB.current_connection().execute(
        "UPDATE app_user SET totp_secret = $2, totp_enabled = false WHERE id = $1",
        user_id,
        seal(secret_key, TOTP_PURPOSE, secret),
    )
    return pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=issuer)


async def confirm_totp_enrolment(user_id: uuid.UUID, code: str, *, secret_key: str) -> bool:
    sealed = await DB.current_connection().fetchval(
        "SELECT totp_secret FROM app_user WHERE id = $1", user_id
    )
    if not sealed:
        return False
    if not pyotp.TOTP(open_sealed(secret_key, TOTP_PURPOSE, sealed)).verify(code, valid_window=1):
        return False
    await DB.current_connection().execute(
        "UPDATE app_user SET totp_enabled = true WHERE id = $1", user_id
    )
    return True
