"""A tenant's settings of its plugins (`plugin_setting`): enabled or not, plain options, and
credentials sealed with core.secret_box (DESIGN §6: encrypted at rest in the tenant schema).

Credentials are never handed back in full outside a hook call: pages get `secret_hints`
("…1234"). Runs inside the tenant scope.
"""

from __future__ import annotations

import json
from typing import Any

from core import audit
from core.context import scope_state
from core.db import DB
from core.secret_box import SecretBoxError, open_sealed, seal
from core.settings import get_settings

# Used only where no KORTISTO_SECRET_KEY is set (never in production: core.settings refuses).
DEVELOPMENT_SECRET = "development-only-secret-key-kortisto-not-for-production"  # noqa: S105
HINT_LENGTH = 4


def master_key() -> str:
    return get_settings().web.secret_key.reveal() or DEVELOPMENT_SECRET


def _purpose(plugin: str) -> str:
    return f"plugin-secrets:{plugin}"


def _json(value: Any) -> dict:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return dict(value or {})


def _open(plugin: str, sealed: str) -> dict[str, str]:
    if not sealed:
        return {}
    try:
        return json.loads(open_sealed(master_key(), _purpose(plugin), sealed))
    except (SecretBoxError, ValueError):
        # A changed key: the admin must enter the credentials again; the plugin gets none.
        return {}


async def setting(plugin: str) -> dict:
    """{"enabled", "options", "secret_hints", "changed_at", "changed_by"} (defaults when the
    plugin was never configured). No credential in full."""
    row = await DB.current_connection().fetchrow(
        "SELECT enabled, options, secrets_sealed, changed_at, changed_by FROM plugin_setting "
        "WHERE plugin = $1",
        plugin,
    )
    if row is None:
        row = {
            "enabled": False,
            "options": {},
            "secrets_sealed": "",
            "changed_at": None,
            "changed_by": "",
        }
    return {
        "enabled": row["enabled"],
        "options": _json(row["options"]),
        "secret_hints": hints(_open(plugin, row["secrets_sealed"])),
        "changed_at": row["changed_at"],
        "changed_by": row["changed_by"],
    }


def hints(secrets: dict[str, str]) -> dict[str, str]:
    """What a page may show of each credential: its last characters only."""
    return {
        name: (value[-HINT_LENGTH:] if len(value) > 2 * HINT_LENGTH else "")
        for name, value in secrets.items()
        if value
    }


async def enabled_options() -> dict[str, dict]:
    """{plugin: options with decrypted credentials merged in} for every enabled row. For the
    plugin host only (it adds the operator's allowance). Read and decrypted once per tenant
    scope (`save` forgets it); each caller gets its own copies."""
    state = scope_state()
    if state.plugin_options is None:
        rows = await DB.current_connection().fetch(
            "SELECT plugin, options, secrets_sealed FROM plugin_setting WHERE enabled"
        )
        state.plugin_options = {
            r["plugin"]: {**_json(r["options"]), **_open(r["plugin"], r["secrets_sealed"])}
            for r in rows
        }
    return {name: dict(options) for name, options in state.plugin_options.items()}


async def options_of(plugin: str) -> dict:
    """One plugin's options with credentials, enabled or not (for its processor preview)."""
    row = await DB.current_connection().fetchrow(
        "SELECT options, secrets_sealed FROM plugin_setting WHERE plugin = $1", plugin
    )
    if row is None:
        return {}
    return {**_json(row["options"]), **_open(plugin, row["secrets_sealed"])}


async def save(
    plugin: str,
    *,
    enabled: bool,
    options: dict[str, Any],
    new_secrets: dict[str, str],
    actor: audit.Actor,
) -> None:
    """Store the plugin's settings. `new_secrets` holds only the credentials the admin typed
    (a blank field keeps the stored one); audited without any value."""
    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT enabled, secrets_sealed FROM plugin_setting WHERE plugin = $1 FOR UPDATE", plugin
    )
    secrets = _open(plugin, row["secrets_sealed"]) if row else {}
    replaced = sorted(name for name, value in new_secrets.items() if value)
    secrets.update({name: new_secrets[name] for name in replaced})
    sealed = seal(master_key(), _purpose(plugin), json.dumps(secrets)) if secrets else ""
    await conn.execute(
        "INSERT INTO plugin_setting (plugin, enabled, options, secrets_sealed, changed_at, "
        "changed_by) VALUES ($1, $2, $3::jsonb, $4, now(), $5) ON CONFLICT (plugin) DO UPDATE "
        "SET enabled = EXCLUDED.enabled, options = EXCLUDED.options, "
        "secrets_sealed = EXCLUDED.secrets_sealed, changed_at = now(), "
        "changed_by = EXCLUDED.changed_by",
        plugin,
        enabled,
        json.dumps(options),
        sealed,
        actor.label[:320],
    )
    scope_state().plugin_options = None  # the next hook call reads the new settings
    was_enabled = bool(row and row["enabled"])
    action = (
        "plugin.enabled"
        if enabled and not was_enabled
        else "plugin.disabled"
        if was_enabled and not enabled
        else "plugin.configured"
    )
    await audit.record(
        action,
        actor=actor,
        object_kind="plugin",
        object_id=plugin,
        detail={"options": sorted(options), "credentials_replaced": replaced},
    )
