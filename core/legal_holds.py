"""Legal holds: a person's data kept despite erasure or retention, with the reason and an end.

A hold is *active* while it has not been ended and its end date (`until`) is today or later
(no end date = until ended by hand). While a person has an active hold, `core.erasure` does not
erase the card; an erasure request on such a card leaves it restricted (Art. 18) with only the
data the hold needs (see `core.erasure.HOLD_KEEPS`). Writes are audited by the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from core.db import DB
from core.validation import ValidationFailed

REASON_KINDS = (
    "open_invoice",
    "debt_collection",
    "misuse_investigation",
    "bookkeeping",
    "litigation",
)
REASON_MAX = 2000
ACTIVE = "h.ended_at IS NULL AND (h.until IS NULL OR h.until >= current_date)"
_COLUMNS = (
    "h.id, h.person, h.reason_kind, h.reason, h.until, h.created_at, h.created_by, h.ended_at"
)


class LegalHoldNotFoundError(LookupError):
    """No such hold on this card, or it has already ended."""


def check_hold(reason_kind: str, reason: str, until: date | None, today: date) -> tuple:
    """(kind, reason, until) cleaned, or ValidationFailed naming the field to fix."""
    reason_kind, reason = (reason_kind or "").strip(), (reason or "").strip()
    errors = {}
    if reason_kind not in REASON_KINDS:
        errors["reason_kind"] = ("required", "choose the kind of the hold")
    if not reason:
        errors["reason"] = ("required", "write why the data must be kept")
    elif len(reason) > REASON_MAX:
        errors["reason"] = ("too_long", f"at most {REASON_MAX} characters")
    if until is not None and until < today:
        errors["until"] = ("past", "the end date cannot be in the past")
    if errors:
        raise ValidationFailed(errors)
    return reason_kind, reason, until


async def create_hold(
    person_id: uuid.UUID, reason_kind: str, reason: str, until: date | None, *, by: str
) -> dict:
    conn = DB.current_connection()
    today = await conn.fetchval("SELECT current_date")
    reason_kind, reason, until = check_hold(reason_kind, reason, until, today)
    row = await conn.fetchrow(
        "INSERT INTO legal_hold AS h (id, person, reason_kind, reason, until, created_at, "
        f"created_by) VALUES ($1, $2, $3, $4, $5, now(), $6) RETURNING {_COLUMNS}",
        uuid.uuid4(),
        person_id,
        reason_kind,
        reason,
        until,
        by[:200],
    )
    return dict(row)


async def end_hold(person_id: uuid.UUID, hold_id: uuid.UUID) -> dict:
    row = await DB.current_connection().fetchrow(
        f"UPDATE legal_hold AS h SET ended_at = now() WHERE h.id = $1 AND h.person = $2 "
        f"AND h.ended_at IS NULL RETURNING {_COLUMNS}",
        hold_id,
        person_id,
    )
    if row is None:
        raise LegalHoldNotFoundError(hold_id)
    return dict(row)


async def holds_of(person_id: uuid.UUID) -> list[dict]:
    """Every hold of the card, active ones first, with `active` set."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS}, ({ACTIVE}) AS active FROM legal_hold h WHERE h.person = $1 "
        "ORDER BY active DESC, h.created_at DESC",
        person_id,
    )
    return [dict(r) for r in rows]


async def active_holds(person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    """person id -> its active holds (only persons that have one), one statement."""
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM legal_hold h WHERE h.person = ANY($1::uuid[]) AND {ACTIVE} "
        "ORDER BY h.person, h.until NULLS LAST",
        list(person_ids),
    )
    held: dict[uuid.UUID, list[dict]] = {}
    for r in rows:
        held.setdefault(r["person"], []).append(dict(r))
    return held
