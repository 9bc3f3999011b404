"""Retention rules (DESIGN §5): how long a card is kept after a trigger, then what happens.

A rule belongs to a processing activity and/or a data category (what it implements, as the
privacy notice states it), has a trigger — `relationship_ended` (person.relationship_ended_on),
`last_activity` (see core.retention) or `created` (person.created_at) — a period in months and
an action, `delete` or `anonymise`. Every active rule is a ceiling: a card goes when any active
rule's time is up (core.retention decides which rule acts when several are). A rule without a
category or with `contact` acts on whole cards; any other category narrows it to that
category's rows (core.retention_parts). `consents` is refused: consent and objection histories
are append-only proof. `content` links have no free text, so only `delete` is allowed there.

Runs inside a tenant scope. Rules are never deleted, only deactivated: past sweep reports name
them. Defaults (`DEFAULT_RULES`) are given lazily the first time an admin opens the rules,
like the processing activities; the sweep never creates rules by itself, so nothing is removed
until an admin has seen the rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.db import DB
from core.processing import DATA_CATEGORIES, ensure_default_activities
from core.retention_parts import DELETE_ONLY, REFUSED
from core.validation import ValidationFailed

TRIGGERS = ("relationship_ended", "last_activity", "created")
ACTIONS = ("delete", "anonymise")
PERIOD_MAX_MONTHS = 100 * 12


class RuleNotFoundError(LookupError):
    """No such retention rule in this tenant."""


@dataclass
class RuleInput:
    trigger: str
    period_months: str | int
    action: str = "delete"
    activity_id: str | uuid.UUID | None = None
    data_category: str = ""


# (activity name among core.processing.DEFAULT_ACTIVITIES, category, trigger, months, action)
DEFAULT_RULES = (
    # "Asiakassuhteen ajan ja 5 vuotta sen päättymisestä."
    ("Asiakassuhteen hoito", "contact", "relationship_ended", 60, "delete"),
    # A contact person nobody has dealt with for five years: keep only anonymous statistics.
    ("Yhteyshenkilöiden markkinointi (B2B)", "contact", "last_activity", 60, "anonymise"),
)


async def clean_rule(data: RuleInput) -> RuleInput:
    """Every mistake at once (ValidationFailed); the clean values otherwise."""
    errors: check.Errors = {}
    trigger = check.choice(errors, "trigger", data.trigger, TRIGGERS)
    action = check.choice(errors, "action", data.action, ACTIONS)
    months = _months(errors, data.period_months)
    category = str(data.data_category or "").strip()
    if category and category not in DATA_CATEGORIES:
        errors["data_category"] = ("invalid", f"{category!r} is not a data category")
    elif category in REFUSED:
        errors["data_category"] = ("append_only", REFUSED[category])
    elif category in DELETE_ONLY and action == "anonymise":
        errors["action"] = ("no_free_text", f"{category} rows have no free text to clear")
    activity_id = None
    raw_activity = str(data.activity_id or "").strip()
    if raw_activity:
        try:
            activity_id = uuid.UUID(raw_activity)
        except ValueError:
            activity_id = None
        exists = activity_id and await DB.current_connection().fetchval(
            "SELECT EXISTS (SELECT 1 FROM processing_activity WHERE id = $1)", activity_id
        )
        if not exists:
            errors["activity_id"] = ("invalid", "choose an activity from the list")
    if not raw_activity and not category and "data_category" not in errors:
        errors["activity_id"] = ("required", "say which activity or data category this is for")
    if errors:
        raise ValidationFailed(errors)
    return RuleInput(trigger, months, action, activity_id, category)


def _months(errors: check.Errors, raw: object) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text:
        errors["period_months"] = ("required", "give the period in months")
        return 0
    try:
        months = int(text)
    except ValueError:
        errors["period_months"] = ("invalid", "the period is a whole number of months")
        return 0
    if not 1 <= months <= PERIOD_MAX_MONTHS:
        errors["period_months"] = ("range", f"between 1 and {PERIOD_MAX_MONTHS} months")
    return months


_COLUMNS = (
    "r.id, r.activity AS activity_id, a.name AS activity_name, r.data_category, r.trigger, "
    "r.period_months, r.action, r.active, r.created_at"
)
_FROM = "retention_rule r LEFT JOIN processing_activity a ON a.id = r.activity"


def _detail(clean: RuleInput) -> dict:
    return {
        "activity": str(clean.activity_id or ""),
        "data_category": clean.data_category,
        "trigger": clean.trigger,
        "period_months": clean.period_months,
        "action": clean.action,
    }


async def _insert(clean: RuleInput) -> uuid.UUID:
    rule_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO retention_rule (id, activity, data_category, trigger, period_months, "
        "action, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, true, now())",
        rule_id,
        clean.activity_id,
        clean.data_category,
        clean.trigger,
        clean.period_months,
        clean.action,
    )
    return rule_id


async def create_rule(data: RuleInput, *, actor: audit.Actor) -> uuid.UUID:
    clean = await clean_rule(data)
    rule_id = await _insert(clean)
    await audit.record(
        "retention_rule.create",
        actor=actor,
        object_kind="retention_rule",
        object_id=rule_id,
        detail=_detail(clean),
    )
    return rule_id


async def update_rule(rule_id: uuid.UUID, data: RuleInput, *, actor: audit.Actor) -> bool:
    """Save a rule; False when nothing changed."""
    before = await get_rule(rule_id)
    clean = await clean_rule(data)
    after = _detail(clean)
    same = RuleInput(
        before["trigger"],
        before["period_months"],
        before["action"],
        before["activity_id"],
        before["data_category"],
    )
    if _detail(same) == after:
        return False
    await DB.current_connection().execute(
        "UPDATE retention_rule SET activity = $2, data_category = $3, trigger = $4, "
        "period_months = $5, action = $6 WHERE id = $1",
        rule_id,
        clean.activity_id,
        clean.data_category,
        clean.trigger,
        clean.period_months,
        clean.action,
    )
    await audit.record(
        "retention_rule.update",
        actor=actor,
        object_kind="retention_rule",
        object_id=rule_id,
        detail=after,
    )
    return True


async def set_rule_active(rule_id: uuid.UUID, active: bool, *, actor: audit.Actor) -> bool:
    """Deactivate (or bring back) a rule; False when it already was so."""
    await get_rule(rule_id)
    status = await DB.current_connection().execute(
        "UPDATE retention_rule SET active = $2 WHERE id = $1 AND active <> $2", rule_id, active
    )
    if status == "UPDATE 0":
        return False
    await audit.record(
        "retention_rule.activate" if active else "retention_rule.deactivate",
        actor=actor,
        object_kind="retention_rule",
        object_id=rule_id,
    )
    return True


async def get_rule(rule_id: uuid.UUID) -> dict:
    row = await DB.current_connection().fetchrow(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE r.id = $1", rule_id
    )
    if row is None:
        raise RuleNotFoundError(str(rule_id))
    return dict(row)


async def list_rules(*, active_only: bool = False) -> list[dict]:
    """Active ones first, then by activity, category and period."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE r.active OR NOT $1 "
        "ORDER BY r.active DESC, lower(coalesce(a.name, '')), r.data_category, r.period_months",
        active_only,
    )
    return [dict(r) for r in rows]


async def ensure_default_rules() -> int:
    """Give a register without any rules the defaults; returns how many were added.

    Cheap once seeded; nothing in a read-only transaction (break-glass view); an advisory lock
    serialises two first visits."""
    conn = DB.current_connection()
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM retention_rule)"):
        return 0
    if await conn.fetchval("SELECT current_setting('transaction_read_only') = 'on'"):
        return 0
    await ensure_default_activities()
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':rr'))")
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM retention_rule)"):
        return 0
    added = 0
    for activity_name, category, trigger, months, action in DEFAULT_RULES:
        activity_id = await conn.fetchval(
            "SELECT id FROM processing_activity WHERE name = $1 ORDER BY created_at LIMIT 1",
            activity_name,
        )
        await _insert(RuleInput(trigger, months, action, activity_id, category))
        added += 1
    await audit.record("retention_rule.defaults", actor=audit.SYSTEM, detail={"count": added})
    return added
