"""End-customer self-service: a person sees and corrects their own card (GDPR Art. 15, 16).

Runs inside a tenant scope. The card is saved through `core.persons.update_person`, so the same
validation and derived columns apply as when staff edit it; each changed field is then written
to the `rectification` table with the old and the new value and who made the change.

What the person may change themselves: names, e-mail addresses, phone numbers and title — the
contact data they know best. Not the organization (it starts and ends employment history that
staff rely on, and a person cannot vouch for an employer's records), nor keywords and the
description (staff's own working notes). Those are shown to the person read-only, since they
are data held about them (Art. 15), and can be corrected through a rectification request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from core import audit, provenance
from core.db import DB
from core.persons import PersonInput, PersonMergedError, get_person, update_person

SELF_EDITABLE_FIELDS = ("first_name", "last_name", "emails", "phones", "title")
# How deep to follow merged cards before giving up (a merge chain is short in practice).
MAX_MERGE_HOPS = 10


@dataclass
class OwnCardInput:
    """The fields a person may change on their own card, as typed."""

    first_name: str
    last_name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    title: str = ""


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return str(value)


async def own_card(person_id: uuid.UUID) -> dict:
    """The card a self user is linked to; a merged card is followed to where it lives now.

    Raises core.persons.PersonNotFoundError when the card no longer exists.
    """
    for _hop in range(MAX_MERGE_HOPS):
        try:
            return await get_person(person_id)
        except PersonMergedError as merged:
            person_id = merged.survivor_id
    return await get_person(person_id)


async def rectify_own_card(
    person_id: uuid.UUID, data: OwnCardInput, *, user_id: uuid.UUID, label: str
) -> list[dict]:
    """Save the person's own changes; returns the rectifications recorded (one per field).

    Raises core.validation.ValidationFailed (nothing saved) when a field is invalid.
    """
    card = await own_card(person_id)
    merged = PersonInput(
        first_name=data.first_name,
        last_name=data.last_name,
        emails=list(data.emails),
        phones=list(data.phones),
        title=data.title,
        # Kept as they are: not the person's to change here (see the module docstring).
        organization_id=card["organization_id"],
        keywords=card["keywords"],
        description=card["description"],
    )
    # The person's own correction goes through even while processing is restricted.
    changes = await update_person(card["id"], merged, actor=label, rectification=True)
    recorded = []
    for name in SELF_EDITABLE_FIELDS:
        if name in changes:
            old, new = changes[name]
            recorded.append({"field": name, "old_value": _as_text(old), "new_value": _as_text(new)})
    await DB.current_connection().executemany(
        "INSERT INTO rectification (id, person, field, old_value, new_value, changed_by_user, "
        "changed_by_label, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        [
            (uuid.uuid4(), card["id"], r["field"], r["old_value"], r["new_value"], user_id, label)
            for r in recorded
        ],
    )
    if recorded:  # the change's audit event names the fields, never their values
        await audit.record(
            "person.rectify",
            actor=audit.Actor("user", str(user_id), label),
            object_kind="person",
            object_id=card["id"],
            person_id=card["id"],
            purpose="self_service",
            detail={"via": "self_service", "fields": [r["field"] for r in recorded]},
        )
    # Where these values came from now: the person, on their own page.
    await provenance.record_fields(
        card["id"], "self_form", [r["field"] for r in recorded], detail="self_service", by=label
    )
    return recorded


async def list_rectifications(person_id: uuid.UUID, limit: int = 200) -> list[dict]:
    """The person's own corrections, newest first."""
    rows = await DB.current_connection().fetch(
        "SELECT id, field, old_value, new_value, changed_by_user, changed_by_label, changed_at "
        "FROM rectification WHERE person = $1 ORDER BY changed_at DESC, field LIMIT $2",
        person_id,
        limit,
    )
    return [dict(r) for r in rows]


async def self_account(person_id: uuid.UUID) -> dict | None:
    """The end-customer account linked to a card, if any (one per card)."""
    row = await DB.current_connection().fetchrow(
        "SELECT id, email, active, last_login_at FROM app_user "
        "WHERE person = $1 AND role = 'self' ORDER BY created_at LIMIT 1",
        person_id,
    )
    return dict(row) if row else None
