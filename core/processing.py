"""Processing activities (DESIGN §5): why the register processes personal data, on which lawful
basis of GDPR Art. 6(1) (points a–f), which data categories, to whom it is disclosed and how long
it is kept. The register description is built from them; a person's lawful bases
(core.lawful_bases) point at one.

Runs inside a tenant scope. Activities are never deleted, only deactivated: a person's basis and
a retention rule may still point at one.

Defaults: a register gets `DEFAULT_ACTIVITIES` (a customer register's usual purposes) the first
time anyone needs the list (`ensure_default_activities`: the admin's activity page, the person
page's lawful-basis form). That covers new and existing registers alike without a data
migration; once any activity exists (active or not) nothing is added again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from core import audit
from core import record_fields as check
from core.db import DB
from core.validation import ValidationFailed

# GDPR Art. 6(1) points (a)–(f); their wording lives in the web layer (fi, sv, en).
LAWFUL_BASES = ("a", "b", "c", "d", "e", "f")
# What a register holds, as codes (labels: web.privacy_labels).
DATA_CATEGORIES = (
    "contact",  # names, e-mails, phones, title
    "organization",  # employer, business ID, addresses
    "content",  # deals, contracts, meetings, … the card is linked to
    "contact_history",  # calls, e-mails, visits
    "feedback",  # feedback and satisfaction answers
    "preferences",  # personalisation and restrictions the customer gave
    "consents",  # consents and objections
    "identity_code",  # HETU, only when the admin enabled it
)
NAME_MAX = 200
TEXT_MAX = 4000


class ActivityNotFoundError(LookupError):
    """No such processing activity in this tenant."""


@dataclass
class ActivityInput:
    name: str
    lawful_basis: str
    purpose: str = ""
    data_categories: list[str] = field(default_factory=list)
    recipients: str = ""
    retention: str = ""
    notes: str = ""


# A customer register's usual purposes; written in Finnish (the register's language) and
# editable by the admin like any other activity.
DEFAULT_ACTIVITIES = (
    ActivityInput(
        name="Asiakassuhteen hoito",
        lawful_basis="b",
        purpose="Asiakassuhteen ja sopimusten hoitaminen: yhteydenpito, tarjoukset, tilaukset, "
        "toimitukset ja asiakaspalvelu.",
        data_categories=["contact", "organization", "content", "contact_history"],
        recipients="Rekisterinpitäjän lukuun toimivat palveluntarjoajat (tietojen käsittelijät).",
        retention="Asiakassuhteen ajan ja 5 vuotta sen päättymisestä.",
    ),
    ActivityInput(
        name="Yhteyshenkilöiden markkinointi (B2B)",
        lawful_basis="f",
        purpose="Yritysasiakkaiden ja sidosryhmien yhteyshenkilöille suunnattu markkinointi ja "
        "tiedottaminen puhelimitse ja postitse; henkilö voi kieltää sen milloin tahansa.",
        data_categories=["contact", "organization", "consents"],
        retention="Kunnes henkilö kieltää markkinoinnin tai asiakassuhde päättyy.",
    ),
    ActivityInput(
        name="Sähköinen suoramarkkinointi ja uutiskirjeet",
        lawful_basis="a",
        purpose="Uutiskirjeet ja sähköinen suoramarkkinointi (sähköposti, tekstiviesti) "
        "henkilön antaman suostumuksen perusteella.",
        data_categories=["contact", "consents"],
        retention="Kunnes henkilö peruuttaa suostumuksensa.",
    ),
    ActivityInput(
        name="Asiakaspalaute ja tyytyväisyyskyselyt",
        lawful_basis="f",
        purpose="Palautteen käsittely ja palvelun kehittäminen asiakastyytyväisyyskyselyjen "
        "avulla.",
        data_categories=["contact", "feedback", "preferences"],
        retention="3 vuotta palautteen antamisesta.",
    ),
    ActivityInput(
        name="Laskutus ja kirjanpito",
        lawful_basis="c",
        purpose="Laskutus ja kirjanpitolain mukainen kirjanpito.",
        data_categories=["contact", "organization"],
        recipients="Tilitoimisto, tilintarkastaja, viranomaiset lain edellyttämissä tilanteissa.",
        retention="Tositteet 6 vuotta ja kirjanpitokirjat 10 vuotta tilikauden päättymisestä "
        "(kirjanpitolaki 2 luku 10 §).",
    ),
)


def clean_activity(data: ActivityInput) -> ActivityInput:
    """Every mistake at once (ValidationFailed); the clean values otherwise."""
    errors: check.Errors = {}
    name = check.text(errors, "name", data.name, max_len=NAME_MAX, required=True)
    basis = check.choice(errors, "lawful_basis", data.lawful_basis, LAWFUL_BASES)
    categories: list[str] = []
    for raw in data.data_categories or []:
        code = str(raw or "").strip()
        if code not in DATA_CATEGORIES:
            errors["data_categories"] = ("invalid", f"{code!r} is not a data category")
        elif code not in categories:
            categories.append(code)
    if not categories and "data_categories" not in errors:
        errors["data_categories"] = ("required", "choose at least one data category")
    texts = {
        key: check.text(errors, key, getattr(data, key), max_len=TEXT_MAX)
        for key in ("purpose", "recipients", "retention", "notes")
    }
    if not texts["purpose"] and "purpose" not in errors:
        errors["purpose"] = ("required", "say what the data is processed for")
    if errors:
        raise ValidationFailed(errors)
    ordered = [c for c in DATA_CATEGORIES if c in categories]
    return ActivityInput(name=name, lawful_basis=basis, data_categories=ordered, **texts)


async def _check_unique_name(name: str, exclude: uuid.UUID | None = None) -> None:
    taken = await DB.current_connection().fetchval(
        "SELECT 1 FROM processing_activity WHERE lower(name) = lower($1) "
        "AND ($2::uuid IS NULL OR id <> $2)",
        name,
        exclude,
    )
    if taken:
        raise ValidationFailed({"name": ("duplicate", f"an activity named {name!r} exists")})


_COLUMNS = (
    "id, name, purpose, lawful_basis, data_categories, recipients, retention, notes, active, "
    "created_at, updated_at, updated_by"
)


async def _insert(clean: ActivityInput, by: str) -> uuid.UUID:
    activity_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO processing_activity (id, name, purpose, lawful_basis, data_categories, "
        "recipients, retention, notes, active, created_at, updated_at, updated_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, now(), now(), $9)",
        activity_id,
        clean.name,
        clean.purpose,
        clean.lawful_basis,
        clean.data_categories,
        clean.recipients,
        clean.retention,
        clean.notes,
        by,
    )
    return activity_id


def _detail(clean: ActivityInput) -> dict:
    return {"lawful_basis": clean.lawful_basis, "data_categories": clean.data_categories}


async def create_activity(data: ActivityInput, *, actor: audit.Actor) -> uuid.UUID:
    clean = clean_activity(data)
    await _check_unique_name(clean.name)
    activity_id = await _insert(clean, actor.label)
    await audit.record(
        "activity.create",
        actor=actor,
        object_kind="processing_activity",
        object_id=activity_id,
        detail=_detail(clean),
    )
    return activity_id


async def update_activity(
    activity_id: uuid.UUID, data: ActivityInput, *, actor: audit.Actor
) -> list[str]:
    """Save an activity; returns the names of the fields that changed (audited, not values)."""
    before = await get_activity(activity_id)
    clean = clean_activity(data)
    await _check_unique_name(clean.name, exclude=activity_id)
    changed = [
        key
        for key in (
            "name",
            "purpose",
            "lawful_basis",
            "data_categories",
            "recipients",
            "retention",
            "notes",
        )
        if before[key] != getattr(clean, key)
    ]
    if not changed:
        return []
    await DB.current_connection().execute(
        "UPDATE processing_activity SET name = $2, purpose = $3, lawful_basis = $4, "
        "data_categories = $5, recipients = $6, retention = $7, notes = $8, "
        "updated_at = now(), updated_by = $9 WHERE id = $1",
        activity_id,
        clean.name,
        clean.purpose,
        clean.lawful_basis,
        clean.data_categories,
        clean.recipients,
        clean.retention,
        clean.notes,
        actor.label,
    )
    await audit.record(
        "activity.update",
        actor=actor,
        object_kind="processing_activity",
        object_id=activity_id,
        detail={"fields": changed, **_detail(clean)},
    )
    return changed


async def set_active(activity_id: uuid.UUID, active: bool, *, actor: audit.Actor) -> bool:
    """Deactivate (or bring back) an activity; False when it already was so."""
    await get_activity(activity_id)
    status = await DB.current_connection().execute(
        "UPDATE processing_activity SET active = $2, updated_at = now(), updated_by = $3 "
        "WHERE id = $1 AND active <> $2",
        activity_id,
        active,
        actor.label,
    )
    if status == "UPDATE 0":
        return False
    await audit.record(
        "activity.activate" if active else "activity.deactivate",
        actor=actor,
        object_kind="processing_activity",
        object_id=activity_id,
    )
    return True


async def get_activity(activity_id: uuid.UUID) -> dict:
    row = await DB.current_connection().fetchrow(
        f"SELECT {_COLUMNS} FROM processing_activity WHERE id = $1", activity_id
    )
    if row is None:
        raise ActivityNotFoundError(str(activity_id))
    return _row(row)


async def list_activities(*, active_only: bool = False) -> list[dict]:
    """Active ones first, then by name."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM processing_activity WHERE active OR NOT $1 "
        f"ORDER BY active DESC, lower(name)",
        active_only,
    )
    return [_row(r) for r in rows]


def _row(row) -> dict:
    item = dict(row)
    item["data_categories"] = list(item["data_categories"] or [])
    return item


async def ensure_default_activities() -> int:
    """Give a register that has no activities at all the defaults; returns how many were added.

    Safe to call on every visit: one cheap read once seeded. Does nothing in a read-only
    transaction (an operator's break-glass view) and never twice (an advisory lock serialises
    two first visits).
    """
    conn = DB.current_connection()
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM processing_activity)"):
        return 0
    if await conn.fetchval("SELECT current_setting('transaction_read_only') = 'on'"):
        return 0
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':pa'))")
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM processing_activity)"):
        return 0
    for default in DEFAULT_ACTIVITIES:
        await _insert(clean_activity(default), "Kortisto")
    await audit.record(
        "activity.defaults", actor=audit.SYSTEM, detail={"count": len(DEFAULT_ACTIVITIES)}
    )
    return len(DEFAULT_ACTIVITIES)
