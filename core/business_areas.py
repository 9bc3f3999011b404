"""Business areas (liiketoiminta-alueet) and which users belong to them.

Runs inside a tenant scope. The rules:
- a name is required, at most NAME_MAX characters, and unique regardless of case;
- an archived area keeps its members (restoring it gives them back) but cannot be given to
  anyone new; only staff and admins belong to areas, end customers (role self) never;
- `set_user_areas` replaces a user's active areas with the ones chosen and leaves memberships
  of archived areas alone (they are not on the form, so leaving them out must not drop them).

Errors are `ValidationFailed` with field `name` or `areas`, like the register's services.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from core.db import DB
from core.validation import ValidationFailed

NAME_MAX = 100


class AreaNotFoundError(LookupError):
    """No such business area in this tenant."""


async def _clean_name(name: str, *, exclude_id: uuid.UUID | None = None) -> str:
    value = " ".join((name or "").split())  # no stray or doubled spaces in a label
    if not value:
        raise ValidationFailed({"name": ("required", "the area needs a name")})
    if len(value) > NAME_MAX:
        raise ValidationFailed(
            {"name": ("too_long", f"the name may be at most {NAME_MAX} characters")}
        )
    clash = await DB.current_connection().fetchrow(
        "SELECT name, archived FROM business_area WHERE lower(name) = lower($1) "
        "AND id IS DISTINCT FROM $2",
        value,
        exclude_id,
    )
    if clash is not None:
        code = "duplicate_archived" if clash["archived"] else "duplicate"
        raise ValidationFailed({"name": (code, f"an area named {clash['name']!r} exists")})
    return value


async def list_areas() -> list[dict]:
    """Every area, active ones first, each with its member count."""
    rows = await DB.current_connection().fetch(
        "SELECT a.id, a.name, a.archived, a.created_at, count(ua.id) AS member_count "
        "FROM business_area a LEFT JOIN user_area ua ON ua.area = a.id "
        "GROUP BY a.id ORDER BY a.archived, lower(a.name)"
    )
    return [dict(r) for r in rows]


async def get_area(area_id: uuid.UUID) -> dict:
    """The area with its members (users, active or not)."""
    conn = DB.current_connection()
    row = await conn.fetchrow(
        "SELECT id, name, archived, created_at FROM business_area WHERE id = $1", area_id
    )
    if row is None:
        raise AreaNotFoundError(str(area_id))
    members = await conn.fetch(
        "SELECT u.id, u.email, u.display_name, u.role, u.active FROM user_area ua "
        "JOIN app_user u ON u.id = ua.app_user WHERE ua.area = $1 ORDER BY u.email",
        area_id,
    )
    return {**dict(row), "members": [dict(m) for m in members]}


async def add_area(name: str) -> uuid.UUID:
    value = await _clean_name(name)
    area_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO business_area (id, name, archived, created_at) VALUES ($1, $2, false, now())",
        area_id,
        value,
    )
    return area_id


async def rename_area(area_id: uuid.UUID, name: str) -> str:
    """Rename; returns the name as saved. Members and content keep pointing at the area."""
    await get_area(area_id)
    value = await _clean_name(name, exclude_id=area_id)
    await DB.current_connection().execute(
        "UPDATE business_area SET name = $2 WHERE id = $1", area_id, value
    )
    return value


async def set_archived(area_id: uuid.UUID, archived: bool) -> None:
    await get_area(area_id)
    await DB.current_connection().execute(
        "UPDATE business_area SET archived = $2 WHERE id = $1", area_id, archived
    )


async def user_area_ids(user_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await DB.current_connection().fetch(
        "SELECT area FROM user_area WHERE app_user = $1", user_id
    )
    return {r["area"] for r in rows}


async def areas_by_user() -> dict[uuid.UUID, list[str]]:
    """{user id: names of their active areas}, for the users list."""
    rows = await DB.current_connection().fetch(
        "SELECT ua.app_user, a.name FROM user_area ua JOIN business_area a ON a.id = ua.area "
        "WHERE NOT a.archived ORDER BY lower(a.name)"
    )
    out: dict[uuid.UUID, list[str]] = {}
    for row in rows:
        out.setdefault(row["app_user"], []).append(row["name"])
    return out


async def set_user_areas(user_id: uuid.UUID, area_ids: Iterable[uuid.UUID]) -> None:
    """Make the user's active areas exactly `area_ids` (see the module rules)."""
    conn = DB.current_connection()
    role = await conn.fetchval("SELECT role FROM app_user WHERE id = $1", user_id)
    if role is None:
        raise LookupError("no such user")
    wanted = set(area_ids)
    if role == "self" and wanted:
        raise ValidationFailed(
            {"areas": ("self_user", "end customers do not belong to business areas")}
        )
    rows = await conn.fetch(
        "SELECT id, name, archived FROM business_area WHERE id = ANY($1::uuid[])", list(wanted)
    )
    found = {r["id"]: r for r in rows}
    if len(found) != len(wanted):
        raise ValidationFailed({"areas": ("unknown", "no such business area")})
    current = await user_area_ids(user_id)
    archived_new = [r["name"] for r in rows if r["archived"] and r["id"] not in current]
    if archived_new:
        raise ValidationFailed(
            {"areas": ("archived", f"archived areas cannot be assigned: {', '.join(archived_new)}")}
        )
    # Leave archived memberships as they are; replace the active ones.
    await conn.execute(
        "DELETE FROM user_area ua USING business_area a WHERE ua.area = a.id "
        "AND ua.app_user = $1 AND NOT a.archived AND NOT (ua.area = ANY($2::uuid[]))",
        user_id,
        list(wanted),
    )
    await conn.executemany(
        "INSERT INTO user_area (id, app_user, area) VALUES ($1, $2, $3)",
        [(uuid.uuid4(), user_id, area) for area in wanted - current],
    )
