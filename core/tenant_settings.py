"""The register's settings that its admins choose (table `tenant_setting`, tenant schema).

Runs inside a tenant scope. A setting that was never chosen has its default, so a register
created before a setting existed behaves as before.
"""

from __future__ import annotations

from core.db import DB

TOTP_REQUIRED_FOR_ADMINS = "totp_required_for_admins"

# Personal identity codes (core.hetu): off until an admin enables them with a justification.
HETU_ENABLED = "hetu_enabled"
HETU_JUSTIFICATION = "hetu_justification"

# How long audit events are kept (core.audit_retention; months, whole number).
AUDIT_RETENTION_MONTHS = "audit_retention_months"

DEFAULTS: dict[str, str] = {
    TOTP_REQUIRED_FOR_ADMINS: "off",
    HETU_ENABLED: "off",
    HETU_JUSTIFICATION: "",
    AUDIT_RETENTION_MONTHS: "24",
}


async def get_setting(name: str) -> str:
    if name not in DEFAULTS:
        raise KeyError(f"unknown setting {name!r}")
    value = await DB.current_connection().fetchval(
        "SELECT value FROM tenant_setting WHERE name = $1", name
    )
    return DEFAULTS[name] if value is None else value


async def set_setting(name: str, value: str, *, changed_by: str) -> None:
    if name not in DEFAULTS:
        raise KeyError(f"unknown setting {name!r}")
    await DB.current_connection().execute(
        "INSERT INTO tenant_setting (name, value, changed_at, changed_by) "
        "VALUES ($1, $2, now(), $3) ON CONFLICT (name) DO UPDATE "
        "SET value = EXCLUDED.value, changed_at = now(), changed_by = EXCLUDED.changed_by",
        name,
        value,
        changed_by,
    )


async def totp_required_for_admins() -> bool:
    return await get_setting(TOTP_REQUIRED_FOR_ADMINS) == "on"


async def set_totp_required_for_admins(required: bool, *, changed_by: str) -> None:
    await set_setting(TOTP_REQUIRED_FOR_ADMINS, "on" if required else "off", changed_by=changed_by)
