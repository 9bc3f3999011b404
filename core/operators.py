"""Operators (agency staff in schema `platform`): accounts, password + TOTP sign-in.

TOTP is not optional for operators: a sign-in is complete only after a code, and an operator
without a confirmed secret must enrol first; each code is accepted once (core.totp_codes).
Creating and disabling operators is done by the CLI as the owner role; the web (runtime role)
only reads operators and updates sign-in facts.
Functions run in the caller's transaction and return outcomes rather than raising, so the
pages can say exactly what to do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyotp

from core.db import DB
from core.passwords import check_strength, hash_password, verify_password
from core.secret_box import open_sealed, seal
from core.throttle import LoginThrottle
from core.totp_codes import ACCEPTED, REPLAYED, WRONG, matching_step
from core.validation import ValidationFailed, normalise_email

TOTP_PURPOSE = "operator-totp"
THROTTLE_REALM = "operator"  # a reserved slug, so never a tenant's realm
TOTP_ISSUER = "Kortisto ylläpito"

_COLUMNS = (
    "id, email, display_name, active, totp_enabled, created_at, last_login_at, sessions_valid_after"
)


@dataclass(frozen=True)
class OperatorAuth:
    outcome: str  # ok | bad_credentials | locked | bad_totp | totp_replayed
    operator: dict | None = None
    retry_after: int = 0


async def create_operator(email: str, *, display_name: str, password: str) -> dict:
    """Add an operator (owner role). Raises ValidationFailed or WeakPasswordError."""
    _, normalised = normalise_email(email)
    check_strength(password, email=normalised)
    conn = DB.current_connection()
    if await conn.fetchval("SELECT 1 FROM platform.operator WHERE email = $1", normalised):
        raise ValidationFailed({"email": ("duplicate", f"an operator {normalised} exists")})
    row = await conn.fetchrow(
        f"INSERT INTO platform.operator (id, email, display_name, password_hash, totp_enabled, "
        f"active, created_at, sessions_valid_after) "
        f"VALUES ($1, $2, $3, $4, false, true, now(), now()) RETURNING {_COLUMNS}",
        uuid.uuid4(),
        normalised,
        display_name.strip() or normalised.split("@")[0],
        await hash_password(password),
    )
    return dict(row)


async def list_operators() -> list[dict]:
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM platform.operator ORDER BY email"
    )
    return [dict(r) for r in rows]


async def set_active(email: str, active: bool) -> bool:
    """Enable or disable an operator (owner role); disabling ends their sessions at once."""
    done = await DB.current_connection().fetchval(
        "UPDATE platform.operator SET active = $2, sessions_valid_after = "
        "CASE WHEN $2 THEN sessions_valid_after ELSE clock_timestamp() END "
        "WHERE email = $1 RETURNING 1",
        (email or "").strip().casefold(),
        active,
    )
    return bool(done)


async def get_operator(operator_id: uuid.UUID | str) -> dict | None:
    try:
        key = uuid.UUID(str(operator_id))
    except ValueError:
        return None
    row = await DB.current_connection().fetchrow(
        f"SELECT {_COLUMNS} FROM platform.operator WHERE id = $1", key
    )
    return dict(row) if row else None


async def check_password(
    email: str, password: str, *, throttle: LoginThrottle, address: str
) -> OperatorAuth:
    """First factor. `ok` means: now ask for the TOTP code (or enrol)."""
    account = (email or "").strip().casefold()
    locked = await throttle.locked_for(THROTTLE_REALM, account, address)
    if locked:
        return OperatorAuth("locked", retry_after=locked)
    row = await DB.current_connection().fetchrow(
        f"SELECT {_COLUMNS}, password_hash FROM platform.operator WHERE email = $1", account
    )
    valid = await verify_password(row["password_hash"] if row else None, password or "")
    if not (row and valid and row["active"]):
        lockout = await throttle.failed(THROTTLE_REALM, account, address)
        return (
            OperatorAuth("locked", retry_after=lockout)
            if lockout
            else OperatorAuth("bad_credentials")
        )
    operator = dict(row)
    operator.pop("password_hash")
    return OperatorAuth("ok", operator=operator)


async def check_totp(
    operator: dict, code: str, *, throttle: LoginThrottle, address: str, secret_key: str
) -> OperatorAuth:
    """Second factor for an enrolled operator; failures count towards the same lockout."""
    account = operator["email"]
    locked = await throttle.locked_for(THROTTLE_REALM, account, address)
    if locked:
        return OperatorAuth("locked", retry_after=locked)
    sealed = await DB.current_connection().fetchval(
        "SELECT totp_secret FROM platform.operator WHERE id = $1 AND active AND totp_enabled",
        operator["id"],
    )
    checked = await _accept_totp(operator["id"], sealed, code, secret_key=secret_key)
    if checked != ACCEPTED:
        lockout = await throttle.failed(THROTTLE_REALM, account, address)
        return OperatorAuth("locked", retry_after=lockout) if lockout else OperatorAuth(checked)
    await throttle.succeeded(THROTTLE_REALM, account, address)
    return OperatorAuth("ok", operator=operator)


async def enrolment_secret(operator: dict, *, secret_key: str) -> tuple[str, str]:
    """(secret, otpauth:// URI) for an operator not yet enrolled.

    The same unconfirmed secret is shown again on reload, so an authenticator app that already
    scanned it keeps working; a new one is made only when none exists.
    """
    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT totp_secret, totp_enabled FROM platform.operator WHERE id = $1", operator["id"]
    )
    if row is None or row["totp_enabled"]:
        raise PermissionError("this operator is already enrolled")
    if row["totp_secret"]:
        secret = open_sealed(secret_key, TOTP_PURPOSE, row["totp_secret"])
    else:
        secret = pyotp.random_base32()
        await conn.execute(
            "UPDATE platform.operator SET totp_secret = $2 WHERE id = $1 AND NOT totp_enabled",
            operator["id"],
            seal(secret_key, TOTP_PURPOSE, secret),
        )
    uri = pyotp.TOTP(secret).provisioning_uri(name=operator["email"], issuer_name=TOTP_ISSUER)
    return secret, uri


async def confirm_enrolment(
    operator: dict, code: str, *, throttle: LoginThrottle, address: str, secret_key: str
) -> OperatorAuth:
    """Enable TOTP when the code matches the secret being enrolled."""
    account = operator["email"]
    locked = await throttle.locked_for(THROTTLE_REALM, account, address)
    if locked:
        return OperatorAuth("locked", retry_after=locked)
    conn = DB.current_connection()
    sealed = await conn.fetchval(
        "SELECT totp_secret FROM platform.operator WHERE id = $1 AND NOT totp_enabled",
        operator["id"],
    )
    checked = await _accept_totp(operator["id"], sealed, code, secret_key=secret_key)
    if checked != ACCEPTED:
        lockout = await throttle.failed(THROTTLE_REALM, account, address)
        return OperatorAuth("locked", retry_after=lockout) if lockout else OperatorAuth(checked)
    await conn.execute(
        "UPDATE platform.operator SET totp_enabled = true WHERE id = $1", operator["id"]
    )
    await throttle.succeeded(THROTTLE_REALM, account, address)
    return OperatorAuth("ok", operator={**operator, "totp_enabled": True})


async def _accept_totp(
    operator_id: uuid.UUID, sealed: str | None, code: str, *, secret_key: str
) -> str:
    """ok, bad_totp, or totp_replayed when the code's time step is not newer than the last one
    accepted. One conditional UPDATE: a concurrent sign-in with the same code waits for this
    row lock and then finds the step taken."""
    if not sealed:
        return WRONG
    step = matching_step(open_sealed(secret_key, TOTP_PURPOSE, sealed), code)
    if step is None:
        return WRONG
    claimed = await DB.current_connection().fetchval(
        "UPDATE platform.operator SET totp_last_step = $2 WHERE id = $1 "
        "AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING 1",
        operator_id,
        step,
    )
    return ACCEPTED if claimed else REPLAYED


async def mark_signed_in(operator_id: uuid.UUID) -> None:
    await DB.current_connection().execute(
        "UPDATE platform.operator SET last_login_at = now() WHERE id = $1", operator_id
    )
