"""Restriction of processing (GDPR Art. 18): while a card is restricted only storage remains.

`person.restricted_at` is the mark. **`ensure_not_restricted(person_id, purpose)` is the single
check**: every path that processes a card for anything but storage calls it before it does —
card edits (core.persons), exports, marketing, transfers to processors — and gets
`ProcessingRestricted` while the mark is set. Bulk paths filter with `NOT_RESTRICTED` (SQL) and
tell the user how many they left out (`count_restricted`).

Marking and lifting are audited by the caller (web layer) with the reason code; the reason
code of the current restriction is read back from that audit event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from core.db import DB
from core.validation import ValidationFailed

# The grounds of Art. 18(1), plus "other" (with a note).
REASONS = (
    "accuracy_contested",
    "unlawful_processing",
    "legal_claims",
    "objection_pending",
    "other",
)
NOTE_MAX = 1000
# Purposes a caller names (free text is allowed; these are the ones the product uses).
PURPOSES = ("edit", "export", "marketing", "transfer")
# A WHERE fragment for bulk reads of `person p`.
NOT_RESTRICTED = "p.restricted_at IS NULL"


class ProcessingRestricted(Exception):  # noqa: N818 - reads as a state, like PermissionError
    """The card is restricted (Art. 18); only storage and lifting are allowed."""

    def __init__(self, person_id: uuid.UUID, purpose: str, since: datetime) -> None:
        super().__init__(f"processing of {person_id} is restricted since {since:%Y-%m-%d}")
        self.person_id = person_id
        self.purpose = purpose
        self.since = since


def check_reason(code: str, note: str) -> tuple[str, str]:
    """The reason of a restriction: one of REASONS; "other" needs a note. ValidationFailed."""
    code, note = (code or "").strip(), (note or "").strip()
    if code not in REASONS:
        raise ValidationFailed({"reason": ("required", "choose the ground of the restriction")})
    if code == "other" and not note:
        raise ValidationFailed({"note": ("required", "describe the ground")})
    if len(note) > NOTE_MAX:
        raise ValidationFailed({"note": ("too_long", f"at most {NOTE_MAX} characters")})
    return code, note


async def restricted_since(person_id: uuid.UUID) -> datetime | None:
    return await DB.current_connection().fetchval(
        "SELECT restricted_at FROM person WHERE id = $1", person_id
    )


async def ensure_not_restricted(person_id: uuid.UUID, purpose: str) -> None:
    """Raise ProcessingRestricted when the card is restricted; `purpose` says what was refused
    (edit, export, marketing, transfer). Call it inside the tenant transaction, before acting."""
    since = await restricted_since(person_id)
    if since is not None:
        raise ProcessingRestricted(person_id, purpose, since)


async def restrict(person_id: uuid.UUID) -> bool:
    """Set the mark; True when it was not set before."""
    status = await DB.current_connection().execute(
        "UPDATE person SET restricted_at = now() WHERE id = $1 AND restricted_at IS NULL",
        person_id,
    )
    return status != "UPDATE 0"


async def lift(person_id: uuid.UUID) -> bool:
    """Clear the mark; True when it was set."""
    status = await DB.current_connection().execute(
        "UPDATE person SET restricted_at = NULL WHERE id = $1 AND restricted_at IS NOT NULL",
        person_id,
    )
    return status != "UPDATE 0"


async def count_restricted() -> int:
    """Current (not merged-away) cards under restriction: what a bulk path leaves out."""
    return await DB.current_connection().fetchval(
        "SELECT count(*) FROM person WHERE restricted_at IS NOT NULL AND merged_into IS NULL"
    )
