"""Tenant users: creation, authentication with throttling and optional TOTP, password changes.

Runs inside a tenant scope. Returns reasons rather than raising, so the login page can say
exactly what to do (wrong password, locked until, code needed, code already used) without
revealing whether an e-mail address has an account. Each TOTP code is accepted once
(core.totp_codes); changing the password or turning TOTP on or off voids every session that
started before (the caller re-issues its own).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyotp

from core.db import DB
from core.passwords import check_strength, hash_password, needs_rehash, verify_password
from core.secret_box import open_sealed, seal
from core.tables.accounts import ROLES
from core.tenant_settings import TOTP_REQUIRED_FOR_ADMINS
from core.throttle import LoginThrottle
from core.totp_codes import ACCEPTED, REPLAYED, WRONG, matching_step
from core.validation import ValidationFailed, normalise_email

TOTP_PURPOSE = "totp"


@dataclass(frozen=True)
class AuthResult:
    outcome: str  # ok | bad_credentials | locked | totp_required | bad_totp | totp_replayed
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
        "locale, created_at, sessions_valid_after) VALUES ($1, $2, $3, $4, $5, $6, true, NULL, "
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


async def get_session_user(user_id: uuid.UUID | str) -> tuple[dict | None, bool]:
    """The user behind a session, and whether the tenant requires TOTP of admins.

    One round trip for both: this runs on every signed-in request."""
    row = await DB.current_connection().fetchrow(
        "SELECT id, email, display_name, role, person, active, totp_enabled, locale, "
        "sessions_valid_after, last_login_at, "
        "(SELECT value = 'on' FROM tenant_setting WHERE name = $2) AS totp_required "
        "FROM app_user WHERE id = $1",
        uuid.UUID(str(user_id)),
        TOTP_REQUIRED_FOR_ADMINS,
    )
    if row is None:
        return None, False
    user = dict(row)
    return user, bool(user.pop("totp_required"))


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
    if needs_rehash(row["password_hash"]):
        await conn.execute(
            "UPDATE app_user SET password_hash = $2 WHERE id = $1",
            row["id"],
            await hash_password(password),
        )
    if row["totp_enabled"]:
        if not totp_code:
            # The password was right; the caller asks for the code as a second step.
            return AuthResult("totp_required", user=await get_user(row["id"]))
        checked = await _accept_totp(row["id"], secret_key, row["totp_secret"], totp_code)
        if checked != ACCEPTED:
            lockout = await throttle.failed(realm, account, address)
            return AuthResult("locked", retry_after=lockout) if lockout else AuthResult(checked)
    return await _signed_in(row["id"], throttle=throttle, realm=realm, address=address)


async def verify_second_step(
    user_id: uuid.UUID | str,
    code: str,
    *,
    throttle: LoginThrottle,
    realm: str,
    address: str,
    secret_key: str,
) -> AuthResult:
    """The TOTP code after a right password: a wrong code counts like a wrong password."""
    user = await get_user(user_id)
    if user is None or not user["active"]:
        return AuthResult("bad_credentials")
    locked = await throttle.locked_for(realm, user["email"], address)
    if locked:
        return AuthResult("locked", retry_after=locked)
    sealed = await DB.current_connection().fetchval(
        "SELECT totp_secret FROM app_user WHERE id = $1 AND totp_enabled", user["id"]
    )
    checked = WRONG if sealed is None else await _accept_totp(user["id"], secret_key, sealed, code)
    if checked != ACCEPTED:
        lockout = await throttle.failed(realm, user["email"], address)
        return AuthResult("locked", retry_after=lockout) if lockout else AuthResult(checked)
    return await _signed_in(user["id"], throttle=throttle, realm=realm, address=address)


async def _signed_in(
    user_id: uuid.UUID, *, throttle: LoginThrottle, realm: str, address: str
) -> AuthResult:
    user = await get_user(user_id)
    await throttle.succeeded(realm, user["email"], address)
    await DB.current_connection().execute(
        "UPDATE app_user SET last_login_at = now() WHERE id = $1", user_id
    )
    return AuthResult("ok", user=await get_user(user_id))


async def _accept_totp(user_id: uuid.UUID, secret_key: str, sealed: str, code: str) -> str:
    """ok, bad_totp, or totp_replayed when the code's time step is not newer than the last
    one this user had accepted. Check and record are one UPDATE: of two concurrent requests
    with the same code, the second waits for the first's row lock and then finds the step
    taken."""
    step = matching_step(open_sealed(secret_key, TOTP_PURPOSE, sealed), code)
    if step is None:
        return WRONG
    claimed = await DB.current_connection().fetchval(
        "UPDATE app_user SET totp_last_step = $2 WHERE id = $1 "
        "AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING 1",
        user_id,
        step,
    )
    return ACCEPTED if claimed else REPLAYED


async def verify_current_password(
    user_id: uuid.UUID, password: str, *, throttle: LoginThrottle, realm: str, address: str
) -> AuthResult:
    """Re-check a signed-in user's password (before changing it or turning TOTP off).

    Wrong guesses count against the same limits as sign-in, so a borrowed session cannot be
    used to guess the password without end."""
    user = await get_user(user_id)
    if user is None:
        return AuthResult("bad_credentials")
    locked = await throttle.locked_for(realm, user["email"], address)
    if locked:
        return AuthResult("locked", retry_after=locked)
    stored = await DB.current_connection().fetchval(
        "SELECT password_hash FROM app_user WHERE id = $1", user_id
    )
    if not await verify_password(stored, password or ""):
        lockout = await throttle.failed(realm, user["email"], address)
        return (
            AuthResult("locked", retry_after=lockout) if lockout else AuthResult("bad_credentials")
        )
    return AuthResult("ok", user=user)


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
    """Store a new (not yet enabled) TOTP secret; returns the otpauth:// URI for the QR code.

    The new secret starts with no accepted code (totp_last_step)."""
    user = await get_user(user_id)
    if user is None:
        raise LookupError("no such user")
    if user["totp_enabled"]:
        # A new secret would silently replace the one in the user's app: turn it off first.
        raise ValueError("TOTP is already in use; disable it before enrolling again")
    secret = pyotp.random_base32()
    await DB.current_connection().execute(
        "UPDATE app_user SET totp_secret = $2, totp_enabled = false, totp_last_step = NULL "
        "WHERE id = $1",
        user_id,
        seal(secret_key, TOTP_PURPOSE, secret),
    )
    return pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=issuer)


async def confirm_totp_enrolment(user_id: uuid.UUID, code: str, *, secret_key: str) -> str:
    """Turn TOTP on when `code` is from the secret being enrolled: ok, bad_totp or
    totp_replayed. On ok every session that started before is void (a stolen one must not
    outlive the owner securing the account); the caller re-issues its own."""
    sealed = await DB.current_connection().fetchval(
        "SELECT totp_secret FROM app_user WHERE id = $1", user_id
    )
    if not sealed:
        return WRONG
    checked = await _accept_totp(user_id, secret_key, sealed, code)
    if checked == ACCEPTED:
        await DB.current_connection().execute(
            "UPDATE app_user SET totp_enabled = true, sessions_valid_after = clock_timestamp() "
            "WHERE id = $1",
            user_id,
        )
    return checked


async def pending_totp_uri(user_id: uuid.UUID, *, secret_key: str, issuer: str) -> str | None:
    """The otpauth:// URI of an enrolment started but not yet confirmed, else None."""
    row = await DB.current_connection().fetchrow(
        "SELECT email, totp_secret, totp_enabled FROM app_user WHERE id = $1", user_id
    )
    if row is None or row["totp_enabled"] or not row["totp_secret"]:
        return None
    secret = open_sealed(secret_key, TOTP_PURPOSE, row["totp_secret"])
    return pyotp.TOTP(secret).provisioning_uri(name=row["email"], issuer_name=issuer)


async def disable_totp(user_id: uuid.UUID) -> None:
    """Turn TOTP off (by the user, or reset by an admin) and void every session of the user
    that started before; a caller that keeps its own session re-issues it."""
    await DB.current_connection().execute(
        "UPDATE app_user SET totp_enabled = false, totp_secret = NULL, totp_last_step = NULL, "
        "sessions_valid_after = clock_timestamp() WHERE id = $1",
        user_id,
    )
