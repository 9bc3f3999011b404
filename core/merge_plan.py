"""The choices of a merge of two business cards, and its preview (inside a tenant scope).

Which fields can be chosen (`FIELDS`) and from which card (`SIDES`), the default choice (the
survivor's value unless it is empty), the check of submitted choices, and `merge_preview`:
what merging would do, without doing it. `core.merge` applies the merge with these rules.
"""

from __future__ import annotations

import uuid
from typing import Any

from core.db import DB
from core.persons import PersonMergedError, PersonNotFoundError, get_person

FIELDS = ("first_name", "last_name", "title", "organization", "description")
SIDES = ("survivor", "merged")


class MergeError(ValueError):
    """The merge was refused. `code` is one of: same_card, already_merged, not_found,
    invalid_choice, conflict; the message is English, for logs and the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- the cards and the choices --------------------------------------------------------------


async def read_cards(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> tuple[dict, dict]:
    """Both cards as `core.persons.get_person` shows them; the pair must have been checked."""
    try:
        return await get_person(survivor_id), await get_person(merged_id)
    except PersonNotFoundError as exc:  # pragma: no cover - the pair was checked
        raise MergeError("not_found", str(exc)) from exc
    except PersonMergedError as exc:  # pragma: no cover - the pair was checked
        raise MergeError("already_merged", str(exc)) from exc


def field_value(card: dict, name: str) -> Any:
    """The comparable value of a choosable field; `organization` is (id, left on)."""
    if name == "organization":
        return (card["organization_id"], card["left_organization_on"])
    return card[name]


def _is_empty(value: Any) -> bool:
    if isinstance(value, tuple):
        return value[0] is None
    return value is None or value == ""


def default_choice(survivor: dict, merged: dict, name: str) -> str:
    """The survivor's value unless it is empty and the merged card has one."""
    mine, theirs = field_value(survivor, name), field_value(merged, name)
    return "merged" if _is_empty(mine) and not _is_empty(theirs) else "survivor"


def effective_choices(survivor: dict, merged: dict, choices: dict[str, str] | None) -> dict:
    choices = dict(choices or {})
    unknown = set(choices) - set(FIELDS)
    if unknown:
        raise MergeError("invalid_choice", f"unknown field(s): {', '.join(sorted(unknown))}")
    bad = {k: v for k, v in choices.items() if v not in SIDES}
    if bad:
        raise MergeError(
            "invalid_choice", f"choose 'survivor' or 'merged' for: {', '.join(sorted(bad))}"
        )
    return {name: choices.get(name) or default_choice(survivor, merged, name) for name in FIELDS}


def union_keywords(first: list[str], second: list[str]) -> list[str]:
    out: list[str] = []
    for keyword in [*first, *second]:
        if keyword.casefold() not in {k.casefold() for k in out}:
            out.append(keyword)
    return out


# --- preview (for the comparison page) -------------------------------------------------------


async def merge_preview(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> dict:
    """What merging would do, without doing it: both cards, the fields that differ with their
    default choice, and the contacts, keywords and history that would move."""
    await _check_pair(survivor_id, merged_id)
    survivor, merged = await read_cards(survivor_id, merged_id)
    fields = []
    for name in FIELDS:
        mine, theirs = field_value(survivor, name), field_value(merged, name)
        fields.append(
            {
                "name": name,
                "survivor": mine,
                "merged": theirs,
                "differs": mine != theirs,
                "default": default_choice(survivor, merged, name),
            }
        )
    conn = DB.current_connection()
    survivor_emails = {
        r["email_normalised"]
        for r in await conn.fetch(
            "SELECT email_normalised FROM person_email WHERE person = $1", survivor_id
        )
    }
    merged_emails = await conn.fetch(
        "SELECT email, email_normalised FROM person_email WHERE person = $1 ORDER BY position",
        merged_id,
    )
    return {
        "survivor": survivor,
        "merged": merged,
        "fields": fields,
        "keywords": union_keywords(survivor["keywords"], merged["keywords"]),
        "emails_moved": [
            r["email"] for r in merged_emails if r["email_normalised"] not in survivor_emails
        ],
        "emails_same": [
            r["email"] for r in merged_emails if r["email_normalised"] in survivor_emails
        ],
        "phones_moved": [p for p in merged["phones"] if p not in survivor["phones"]],
        "phones_same": [p for p in merged["phones"] if p in survivor["phones"]],
        "employment_moved": merged["employment"],
    }


async def _check_pair(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    """The refusals of `core.merge._lock_pair`, without taking locks (for reading pages)."""
    if survivor_id == merged_id:
        raise MergeError("same_card", "a card cannot be merged with itself")
    rows = await DB.current_connection().fetch(
        "SELECT id, merged_into FROM person WHERE id = ANY($1::uuid[])", [survivor_id, merged_id]
    )
    found = {r["id"]: r for r in rows}
    for person_id in (survivor_id, merged_id):
        if person_id not in found:
            raise MergeError("not_found", f"no card {person_id} in this register")
        if found[person_id]["merged_into"] is not None:
            raise MergeError("already_merged", f"card {person_id} was already merged")
