"""Merging two business cards of the same person (runs inside a tenant scope).

The *survivor* keeps its id; the *merged* card stays as a row with `merged_into = survivor`, a
redirect (`core.persons.get_person` raises `PersonMergedError` for it), without contacts, so it
no longer shows in search, lists or duplicate warnings.

- The card fields are chosen one by one (`FIELDS`); a field left out of `choices` keeps the
  survivor's value unless that is empty. `organization` covers the employment state too:
  choosing a card's organization also takes whether (and when) the person left it.
- Keywords, e-mails and phones are unioned, deduplicated by their normalised form.
- Everything else that references the merged card is moved to the survivor. The tables are
  discovered from the foreign keys to `person` in the tenant's schema, so a table added later
  is moved without touching this module. A table whose rows cannot simply be re-pointed (a
  unique constraint that both cards' rows would break) gets a handler in `MOVE_HANDLERS`;
  until it has one, such a merge fails with `MergeError("conflict")` and changes nothing.
- A `person_merge` row records who merged what, the choices, and a snapshot of the merged card.

Everything happens inside a savepoint of the caller's transaction: a merge either happens
completely or not at all, and a failed merge leaves the caller's transaction usable.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from core.change_history import record_changes
from core.db import DB
from core.merge_plan import (
    FIELDS,
    MergeError,
    effective_choices,
    field_value,
    read_cards,
    union_keywords,
)
from core.restriction import ensure_not_restricted
from core.text import search_form, sort_key

# Tables handled by merge_persons itself before the generic move: the merged card's contacts
# are unioned into the survivor's (duplicates dropped), not moved as they are.
CONTACT_TABLES = ("person_email", "person_phone")
# Tables that never move: person_merge has no foreign key, but is listed for clarity.
NEVER_MOVED = ("person_merge",)

MoveHandler = Callable[[asyncpg.Connection, uuid.UUID, uuid.UUID], Awaitable[int]]
# table name -> handler(conn, survivor_id, merged_id) returning the number of rows moved.
# Register one for a table whose rows need merging rather than re-pointing.
MOVE_HANDLERS: dict[str, MoveHandler] = {}

# Consent and objection histories are append-only (the tenant role may not UPDATE them): the
# merged card's events are copied to the survivor with their original times, methods and
# actors, and stay on the merged card as well. The survivor's current state is then the latest
# event of either card (core.consents, core.objections).
_HISTORY_COLUMNS = {
    "consent_event": "channel, purpose, given, at, method, actor_label, notice_version, evidence",
    "objection_event": "kind, channel, active, at, method, actor_label, note",
}


def _copy_history(table: str) -> MoveHandler:
    columns = _HISTORY_COLUMNS[table]

    async def copy(conn: asyncpg.Connection, survivor_id: uuid.UUID, merged_id: uuid.UUID) -> int:
        return _count(
            await conn.execute(
                f"INSERT INTO {table} (id, person, {columns}) "  # noqa: S608 - names above
                f"SELECT gen_random_uuid(), $1, {columns} FROM {table} WHERE person = $2",
                survivor_id,
                merged_id,
            )
        )

    return copy


MOVE_HANDLERS.update({table: _copy_history(table) for table in _HISTORY_COLUMNS})


# --- locking the pair -----------------------------------------------------------------------


async def _lock_pair(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> dict[uuid.UUID, Any]:
    """Both person rows, locked (in id order, so two opposite merges cannot deadlock)."""
    if survivor_id == merged_id:
        raise MergeError("same_card", "a card cannot be merged with itself")
    rows = await DB.current_connection().fetch(
        "SELECT id, merged_into FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        [survivor_id, merged_id],
    )
    found = {r["id"]: r for r in rows}
    for person_id in (survivor_id, merged_id):
        if person_id not in found:
            raise MergeError("not_found", f"no card {person_id} in this register")
        if found[person_id]["merged_into"] is not None:
            raise MergeError(
                "already_merged",
                f"card {person_id} was already merged into {found[person_id]['merged_into']}",
            )
    return found


# --- the merge -------------------------------------------------------------------------------


async def merge_persons(
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID,
    choices: dict[str, str] | None = None,
    *,
    actor: str = "",
) -> dict:
    """Merge `merged_id` into `survivor_id`. Returns what happened, for the audit:
    {merge_id, survivor_id, merged_id, choices, changes: {field: (old, new)}, moved: {table: n}}.
    Raises MergeError (nothing changed) when refused, ProcessingRestricted when either card is
    restricted (Art. 18: a merge changes both)."""
    for card_id in (survivor_id, merged_id):
        await ensure_not_restricted(card_id, "edit")
    conn = DB.current_connection()
    async with conn.transaction():  # a savepoint: all or nothing, caller's txn stays usable
        await _lock_pair(survivor_id, merged_id)
        survivor, merged = await read_cards(survivor_id, merged_id)
        chosen = effective_choices(survivor, merged, choices)
        new = {
            name: field_value(merged if chosen[name] == "merged" else survivor, name)
            for name in FIELDS
        }
        org_id, left_on = new.pop("organization")
        keywords = union_keywords(survivor["keywords"], merged["keywords"])

        moved = {
            "person_email": await _union_emails(conn, survivor_id, merged_id),
            "person_phone": await _union_phones(conn, survivor_id, merged_id),
        }
        moved.update(await _move_references(conn, survivor_id, merged_id))
        await _settle_employment(conn, survivor_id, org_id, left_on, new["title"])

        await conn.execute(
            "UPDATE person SET first_name = $2, last_name = $3, title = $4, organization = $5, "
            "description = $6, keywords = $7, left_organization_on = $8, search_name = $9, "
            "sort_key = $10, updated_at = now(), updated_by = $11 WHERE id = $1",
            survivor_id,
            new["first_name"],
            new["last_name"],
            new["title"],
            org_id,
            new["description"],
            keywords,
            left_on,
            search_form(f"{new['first_name']} {new['last_name']}"),
            sort_key(f"{new['last_name']} {new['first_name']}"),
            actor,
        )
        # The redirect; cards merged earlier into the merged one now point at the survivor.
        await conn.execute(
            "UPDATE person SET merged_into = $1, updated_at = now(), updated_by = $3 "
            "WHERE id = $2 OR merged_into = $2",
            survivor_id,
            merged_id,
            actor,
        )
        merge_id = await _record(conn, survivor_id, merged_id, chosen, merged, actor)

        after = {**new, "organization_id": org_id, "left_organization_on": left_on}
        after["keywords"] = keywords
        after["emails"] = await _column_list(conn, "email", "person_email", survivor_id)
        after["phones"] = await _column_list(conn, "phone_e164", "person_phone", survivor_id)
        changes = {
            name: (survivor[name], value)
            for name, value in after.items()
            if survivor[name] != value
        }
        await record_changes(survivor_id, changes, actor_label=actor)
    return {
        "merge_id": merge_id,
        "survivor_id": survivor_id,
        "merged_id": merged_id,
        "choices": chosen,
        "changes": changes,
        "moved": moved,
    }


async def _column_list(conn: asyncpg.Connection, column: str, table: str, person_id) -> list:
    rows = await conn.fetch(
        f"SELECT {column} FROM {table} WHERE person = $1 ORDER BY position",  # noqa: S608
        person_id,
    )
    return [r[column] for r in rows]


async def _union_emails(conn: asyncpg.Connection, survivor_id, merged_id) -> int:
    await conn.execute(
        "DELETE FROM person_email m WHERE m.person = $2 AND EXISTS (SELECT 1 FROM person_email s "
        "WHERE s.person = $1 AND s.email_normalised = m.email_normalised)",
        survivor_id,
        merged_id,
    )
    return _count(
        await conn.execute(
            "UPDATE person_email SET person = $1, position = position + (SELECT coalesce("
            "max(position) + 1, 0) FROM person_email WHERE person = $1) WHERE person = $2",
            survivor_id,
            merged_id,
        )
    )


async def _union_phones(conn: asyncpg.Connection, survivor_id, merged_id) -> int:
    await conn.execute(
        "DELETE FROM person_phone m WHERE m.person = $2 AND EXISTS (SELECT 1 FROM person_phone s "
        "WHERE s.person = $1 AND s.phone_e164 = m.phone_e164)",
        survivor_id,
        merged_id,
    )
    return _count(
        await conn.execute(
            "UPDATE person_phone SET person = $1, position = position + (SELECT coalesce("
            "max(position) + 1, 0) FROM person_phone WHERE person = $1) WHERE person = $2",
            survivor_id,
            merged_id,
        )
    )


_REFERENCES = """
SELECT r.relname AS table_name, a.attname AS column_name
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.confrelid = 'person'::regclass
  AND cardinality(c.conkey) = 1 AND n.nspname = current_schema()
ORDER BY r.relname, a.attname
"""


async def person_references(conn: asyncpg.Connection | None = None) -> list[tuple[str, str]]:
    """(table, column) of every single-column foreign key to `person` in the tenant schema."""
    conn = conn or DB.current_connection()
    return [(r["table_name"], r["column_name"]) for r in await conn.fetch(_REFERENCES)]


async def _move_references(conn: asyncpg.Connection, survivor_id, merged_id) -> dict[str, int]:
    moved: dict[str, int] = {}
    for table, column in await person_references(conn):
        if table in CONTACT_TABLES or table in NEVER_MOVED or table == "person":
            continue
        handler = MOVE_HANDLERS.get(table)
        try:
            if handler is not None:
                count = await handler(conn, survivor_id, merged_id)
            else:
                count = _count(
                    await conn.execute(
                        f"UPDATE {_ident(table)} SET {_ident(column)} = $1 "  # noqa: S608
                        f"WHERE {_ident(column)} = $2",
                        survivor_id,
                        merged_id,
                    )
                )
        except asyncpg.UniqueViolationError as exc:
            raise MergeError(
                "conflict",
                f"rows of {table} cannot be moved to the survivor ({exc.constraint_name}); "
                "the table needs a handler in core.merge.MOVE_HANDLERS",
            ) from exc
        moved[table] = moved.get(table, 0) + count
    return moved


async def _settle_employment(
    conn: asyncpg.Connection,
    survivor_id: uuid.UUID,
    org_id: uuid.UUID | None,
    left_on: dt.date | None,
    title: str,
) -> None:
    """After both cards' history is on the survivor: at most one current employment, at the
    chosen organization; every other one closed (kept as history)."""
    if org_id is None or left_on is not None:
        await conn.execute(
            "UPDATE employment SET current = false, ended_on = coalesce(ended_on, "
            "CASE WHEN organization = $3 THEN $2::date END, current_date) "
            "WHERE person = $1 AND current",
            survivor_id,
            left_on,
            org_id,
        )
        return
    await conn.execute(
        "UPDATE employment SET current = false, ended_on = coalesce(ended_on, current_date) "
        "WHERE person = $1 AND current AND organization <> $2",
        survivor_id,
        org_id,
    )
    current = await conn.fetch(
        "SELECT id FROM employment WHERE person = $1 AND current AND organization = $2 "
        "ORDER BY started_on NULLS LAST, id",
        survivor_id,
        org_id,
    )
    if not current:
        await conn.execute(
            "INSERT INTO employment (id, person, organization, title, started_on, current) "
            "VALUES ($1, $2, $3, $4, current_date, true)",
            uuid.uuid4(),
            survivor_id,
            org_id,
            title,
        )
        return
    # Both cards recorded the same ongoing job: one row of it is enough.
    await conn.execute(
        "DELETE FROM employment WHERE id = ANY($1::uuid[])", [r["id"] for r in current[1:]]
    )
    await conn.execute("UPDATE employment SET title = $2 WHERE id = $1", current[0]["id"], title)


async def _record(
    conn: asyncpg.Connection,
    survivor_id: uuid.UUID,
    merged_id: uuid.UUID,
    choices: dict[str, str],
    merged_card: dict,
    actor: str,
) -> uuid.UUID:
    merge_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO person_merge (id, survivor_id, merged_id, merged_at, merged_by, choices, "
        "merged_card) VALUES ($1, $2, $3, now(), $4, $5::jsonb, $6::jsonb)",
        merge_id,
        survivor_id,
        merged_id,
        actor,
        json.dumps(choices),
        json.dumps(merged_card, default=_json_default, ensure_ascii=False),
    )
    return merge_id


async def merges_into(person_id: uuid.UUID) -> list[dict]:
    """The merges that ended in this card, newest first (choices and snapshot decoded)."""
    rows = await DB.current_connection().fetch(
        "SELECT id, survivor_id, merged_id, merged_at, merged_by, choices, merged_card "
        "FROM person_merge WHERE survivor_id = $1 ORDER BY merged_at DESC",
        person_id,
    )
    return [
        {
            **dict(r),
            "choices": json.loads(r["choices"]),
            "merged_card": json.loads(r["merged_card"]),
        }
        for r in rows
    ]


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a merge snapshot")


def _count(status: str) -> int:
    """Rows affected, from asyncpg's status string ('UPDATE 3')."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except (ValueError, IndexError):
        return 0


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
