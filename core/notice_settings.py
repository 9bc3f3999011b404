"""The controller's facts for the privacy notice (tietosuojaseloste), as an admin writes them.

Kept in `tenant_setting` under `notice.<field>` (one row per field, missing = default). A text
field left empty means "the standard wording" for the texts that have one (security
principles, automated decisions) — written by Kortisto in each of fi/sv/en, so the notice
stays whole in every language until the admin writes their own. Declared cookies and
analytics are optional: empty = the section is left out.

Runs inside a tenant scope. Changes are audited by field name, not value.
"""

from __future__ import annotations

from stdnum.fi import ytunnus

from core import audit
from core import record_fields as check
from core.context import current_tenant
from core.db import DB
from core.validation import ValidationFailed

PREFIX = "notice."
SHORT_MAX = 300
TEXT_MAX = 4000

# field -> the longest it may be
FIELDS: dict[str, int] = {
    "controller_name": SHORT_MAX,
    "business_id": 9,
    "address": SHORT_MAX,
    "phone": 40,
    "email": 320,
    "contact_person": SHORT_MAX,
    "contact_email": 320,
    "dpo_name": SHORT_MAX,
    "dpo_email": 320,
    "register_name": SHORT_MAX,
    "website": SHORT_MAX,
    "cookies": TEXT_MAX,
    "automated_decisions": TEXT_MAX,
    "security_manual": TEXT_MAX,
    "security_electronic": TEXT_MAX,
}
EMAIL_FIELDS = ("email", "contact_email", "dpo_email")


async def load() -> dict[str, str]:
    """Every field, with the tenant's name as the controller until an admin writes one."""
    rows = await DB.current_connection().fetch(
        "SELECT name, value FROM tenant_setting WHERE name LIKE 'notice.%'"
    )
    stored = {r["name"][len(PREFIX) :]: r["value"] for r in rows}
    values = {name: stored.get(name, "") for name in FIELDS}
    if not values["controller_name"]:
        values["controller_name"] = current_tenant().name
    return values


def clean(raw: dict[str, object]) -> dict[str, str]:
    """Every mistake at once (ValidationFailed); the clean values otherwise."""
    errors: check.Errors = {}
    values = {
        name: check.text(errors, name, raw.get(name, ""), max_len=limit)
        for name, limit in FIELDS.items()
    }
    if not values["controller_name"] and "controller_name" not in errors:
        errors["controller_name"] = ("required", "name the controller")
    if values["business_id"]:
        try:
            values["business_id"] = ytunnus.format(ytunnus.validate(values["business_id"]))
        except Exception:  # stdnum raises several ValidationError kinds
            errors["business_id"] = ("invalid", "not a valid business ID (1234567-8)")
    for name in EMAIL_FIELDS:
        value = values[name]
        if value and ("@" not in value or " " in value or value.startswith("@")):
            errors[name] = ("invalid", "not an e-mail address")
    if values["dpo_email"] and not values["dpo_name"] and "dpo_name" not in errors:
        errors["dpo_name"] = ("required", "name the data protection officer")
    if errors:
        raise ValidationFailed(errors)
    return values


async def save(raw: dict[str, object], *, actor: audit.Actor) -> list[str]:
    """Save the fields; returns the names that changed (audited as one event)."""
    values = clean(raw)
    before = await load()
    changed = [name for name, value in values.items() if before[name] != value]
    if not changed:
        return []
    conn = DB.current_connection()
    for name in changed:
        await conn.execute(
            "INSERT INTO tenant_setting (name, value, changed_at, changed_by) "
            "VALUES ($1, $2, now(), $3) ON CONFLICT (name) DO UPDATE "
            "SET value = EXCLUDED.value, changed_at = now(), changed_by = EXCLUDED.changed_by",
            PREFIX + name,
            values[name],
            actor.label,
        )
    await audit.record(
        "settings.privacy_notice",
        actor=actor,
        object_kind="setting",
        object_id="privacy_notice",
        detail={"fields": changed},
    )
    return changed
