"""The personal identity code (henkilötunnus, HETU) on a card: off unless an admin enabled it.

- **Switch**: tenant settings `hetu_enabled` ("on"/"off") and `hetu_justification` (the written
  reason, required to enable; who and when are the setting rows' `changed_by`/`changed_at`).
  Disabling hides the field and refuses new codes; codes already stored stay encrypted and are
  neither shown nor searchable until it is enabled again (removing them is a card edit).
- **At rest**: `person.hetu_encrypted` is Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
  with HKDF-SHA256 from KORTISTO_HETU_KEY and the tenant slug; `person.hetu_hash` is
  HMAC-SHA256 of the canonical code under a second derived key, for exact lookups. A key of one
  tenant opens nothing of another.
- **Display**: masked (`131052-****`); the code itself only through `reveal()`, which the caller
  audits (the web layer writes `person.hetu_reveal` with the reason).

Never put the code in exports, API answers, audit details or logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from stdnum import exceptions as stdnum_errors
from stdnum.fi import hetu as stdnum_hetu

from core.context import current_tenant
from core.db import DB
from core.settings import get_settings
from core.tenant_settings import HETU_ENABLED, HETU_JUSTIFICATION, get_setting, set_setting
from core.validation import ValidationFailed

ENABLED = HETU_ENABLED
JUSTIFICATION = HETU_JUSTIFICATION
JUSTIFICATION_MIN = 10
JUSTIFICATION_MAX = 2000
# Used only outside production when KORTISTO_HETU_KEY is not set (as web.auth's secret key).
DEVELOPMENT_HETU_KEY = "development-only-hetu-key-kortisto-not-for-production"  # noqa: S105
# Shape of a code someone may have typed into the search box (century signs of 2023 included).
LOOKS_LIKE_HETU = re.compile(r"^\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]$", re.IGNORECASE)


class HetuKeyMissingError(RuntimeError):
    """Production without KORTISTO_HETU_KEY: codes can be neither stored nor read."""


class HetuDisabledError(PermissionError):
    """The register has not enabled identity codes."""


class HetuCorruptError(ValueError):
    """The stored value does not open with the current key (key changed or value damaged)."""


# --- keys ------------------------------------------------------------------------------------


def _master_key() -> bytes:
    settings = get_settings()
    key = settings.hetu_key.reveal()
    if key:
        return key.encode()
    if settings.is_production:
        raise HetuKeyMissingError("KORTISTO_HETU_KEY is not set")
    return DEVELOPMENT_HETU_KEY.encode()


def key_available() -> bool:
    try:
        _master_key()
    except HetuKeyMissingError:
        return False
    return True


@lru_cache(maxsize=256)
def _derive(master: bytes, slug: str, use: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"kortisto-hetu-v1",
        info=f"{use}:{slug}".encode(),
    ).derive(master)


def _fernet(slug: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(_master_key(), slug, "encrypt")))


def _slug() -> str:
    return current_tenant().slug


# --- the switch ------------------------------------------------------------------------------


async def enabled() -> bool:
    return await get_setting(ENABLED) == "on"


async def status() -> dict:
    """For the settings page: on/off, the justification and who set it when."""
    rows = await DB.current_connection().fetch(
        "SELECT name, value, changed_at, changed_by FROM tenant_setting WHERE name = ANY($1)",
        [ENABLED, JUSTIFICATION],
    )
    by_name = {r["name"]: dict(r) for r in rows}
    switch = by_name.get(ENABLED) or {}
    reason = by_name.get(JUSTIFICATION) or {}
    return {
        "enabled": switch.get("value") == "on",
        "justification": reason.get("value", ""),
        "changed_at": switch.get("changed_at"),
        "changed_by": switch.get("changed_by", ""),
        "justified_at": reason.get("changed_at"),
        "justified_by": reason.get("changed_by", ""),
        "key_available": key_available(),
    }


async def set_enabled(on: bool, justification: str = "", *, changed_by: str) -> bool:
    """Turn identity codes on (a justification is required) or off; True when it changed."""
    was = await enabled()
    text = (justification or "").strip()
    if on:
        if not key_available():
            raise ValidationFailed({"hetu_enabled": ("no_key", "KORTISTO_HETU_KEY is not set")})
        if len(text) < JUSTIFICATION_MIN and not (was and not text):
            raise ValidationFailed(
                {"hetu_justification": ("required", "a written justification is required")}
            )
        if len(text) > JUSTIFICATION_MAX:
            raise ValidationFailed({"hetu_justification": ("too_long", "the text is too long")})
        if text:
            await set_setting(JUSTIFICATION, text, changed_by=changed_by)
    if was != on:
        await set_setting(ENABLED, "on" if on else "off", changed_by=changed_by)
    return was != on


# --- codes -----------------------------------------------------------------------------------


def canonical(raw: str) -> str:
    """The code validated and in its canonical form (`131052-308T`); raises ValidationFailed
    with the code `invalid_format`, `invalid_date` or `invalid_check`."""
    text = (raw or "").strip()
    try:
        return stdnum_hetu.validate(text)
    except stdnum_errors.InvalidChecksum as exc:
        raise ValidationFailed(
            {"hetu": ("invalid_check", "the check character does not match the digits")}
        ) from exc
    except stdnum_errors.InvalidComponent as exc:
        raise ValidationFailed(
            {"hetu": ("invalid_date", "the date of birth or the century sign is not possible")}
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise ValidationFailed(
            {"hetu": ("invalid_format", "the format is DDMMYY, sign, three digits, check")}
        ) from exc


def mask(code: str) -> str:
    """`131052-308T` → `131052-****`: the date part and the sign, never the individual part."""
    return code[:7] + "****"


def lookup_hash(code: str, slug: str | None = None) -> str:
    key = _derive(_master_key(), slug or _slug(), "lookup")
    return hmac.new(key, canonical(code).encode(), hashlib.sha256).hexdigest()


def seal(code: str, slug: str | None = None) -> str:
    return _fernet(slug or _slug()).encrypt(canonical(code).encode()).decode()


def open_sealed(token: str, slug: str | None = None) -> str:
    try:
        return _fernet(slug or _slug()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise HetuCorruptError("cannot decrypt the identity code: wrong key or damaged") from exc


async def set_code(person_id: uuid.UUID, raw: str | None) -> bool:
    """Store (or with None/"" remove) the card's code; True when it changed. Refused while
    the register has codes off."""
    conn = DB.current_connection()
    if raw and raw.strip():
        if not await enabled():
            raise HetuDisabledError("identity codes are not enabled in this register")
        digest = lookup_hash(raw)
        current = await conn.fetchval("SELECT hetu_hash FROM person WHERE id = $1", person_id)
        if current == digest:
            return False
        await conn.execute(
            "UPDATE person SET hetu_encrypted = $2, hetu_hash = $3 WHERE id = $1",
            person_id,
            seal(raw),
            digest,
        )
        return True
    status_ = await conn.execute(
        "UPDATE person SET hetu_encrypted = NULL, hetu_hash = NULL "
        "WHERE id = $1 AND hetu_encrypted IS NOT NULL",
        person_id,
    )
    return status_ != "UPDATE 0"


async def masked(person_id: uuid.UUID) -> str | None:
    """The masked code of the card, or None when it has none (or codes are off)."""
    if not await enabled():
        return None
    token = await DB.current_connection().fetchval(
        "SELECT hetu_encrypted FROM person WHERE id = $1", person_id
    )
    if not token:
        return None
    try:
        return mask(open_sealed(token))
    except HetuCorruptError:
        return "??????-****"


async def reveal(person_id: uuid.UUID) -> str | None:
    """The code in clear. The caller must audit it (reason included) in the same transaction."""
    if not await enabled():
        raise HetuDisabledError("identity codes are not enabled in this register")
    token = await DB.current_connection().fetchval(
        "SELECT hetu_encrypted FROM person WHERE id = $1", person_id
    )
    return open_sealed(token) if token else None


async def search_hash(query: str) -> str | None:
    """The lookup hash of a typed code when codes are on and it is a valid code; else None."""
    if not LOOKS_LIKE_HETU.match(query.strip()) or not await enabled():
        return None
    try:
        return lookup_hash(query)
    except (ValidationFailed, HetuKeyMissingError):
        return None
