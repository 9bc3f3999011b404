"""A person's lawful bases (DESIGN §5): for which processing activity their data is processed,
on which basis of GDPR Art. 6(1), since when and on what source (a signed contract, a form…).

Runs inside a tenant scope. A basis is never deleted: it ends (`ended_on`) and stays as history.
The basis defaults to the activity's own; staff may record another point when the activity
rests on more than one for this person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.customer_data import Subject, check_subject
from core.db import DB
from core.processing import LAWFUL_BASES, ActivityNotFoundError, get_activity
from core.validation import ValidationFailed

SOURCE_MAX = 200
_CURRENT = "(ended_on IS NULL OR ended_on > current_date)"


class BasisNotFoundError(LookupError):
    """No such current basis of this person."""


@dataclass
class BasisInput:
    activity_id: str | uuid.UUID
    basis: str = ""  # empty: the activity's own
    since: dt.date | str | None = None  # empty: today
    source: str = ""


async def add_basis(person_id: uuid.UUID, data: BasisInput, *, actor: audit.Actor) -> uuid.UUID:
    await check_subject(Subject.person(person_id))
    errors: check.Errors = {}
    activity = None
    try:
        activity = await get_activity(uuid.UUID(str(data.activity_id)))
        if not activity["active"]:
            errors["activity_id"] = ("inactive", "the activity is no longer in use")
    except (ValueError, ActivityNotFoundError):
        errors["activity_id"] = ("required", "choose a processing activity")
    basis = (data.basis or "").strip() or (activity["lawful_basis"] if activity else "")
    if basis not in LAWFUL_BASES:
        errors["basis"] = ("invalid", "choose a point of Art. 6(1), a–f")
    since = check.day(errors, "since", data.since)
    source = check.text(errors, "source", data.source, max_len=SOURCE_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    assert activity is not None
    basis_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO person_lawful_basis (id, person, activity, basis, since, source, "
        "recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        basis_id,
        person_id,
        activity["id"],
        basis,
        since,
        source,
        actor.label,
    )
    await audit.record(
        "basis.add",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        detail={"record": str(basis_id), "activity": str(activity["id"]), "basis": basis},
    )
    return basis_id


async def end_basis(
    person_id: uuid.UUID, basis_id: uuid.UUID, *, actor: audit.Actor, on: dt.date | None = None
) -> None:
    """The basis no longer applies from `on` (today) on; the row stays as history."""
    ended = await DB.current_connection().fetchval(
        f"UPDATE person_lawful_basis SET ended_on = coalesce($3, current_date) "
        f"WHERE id = $1 AND person = $2 AND {_CURRENT} RETURNING id",
        basis_id,
        person_id,
        on,
    )
    if ended is None:
        raise BasisNotFoundError(str(basis_id))
    await audit.record(
        "basis.end",
        actor=actor,
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        detail={"record": str(basis_id)},
    )


async def list_bases(person_id: uuid.UUID, *, current_only: bool = False) -> list[dict]:
    """Current ones first, then ended ones; newest first within each."""
    rows = await DB.current_connection().fetch(
        f"SELECT b.id, b.activity AS activity_id, a.name AS activity_name, b.basis, b.since, "
        f"b.source, b.ended_on, b.recorded_by, b.created_at, {_CURRENT} AS current "
        f"FROM person_lawful_basis b JOIN processing_activity a ON a.id = b.activity "
        f"WHERE b.person = $1 AND ({_CURRENT} OR NOT $2) "
        f"ORDER BY {_CURRENT} DESC, b.since DESC NULLS LAST, b.created_at DESC",
        person_id,
        current_only,
    )
    return [dict(r) for r in rows]
