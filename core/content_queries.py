"""Reading content items: one item, lists with filters, a person's or an organization's items,
and pipeline boards. Every query takes its visibility condition from `Viewer.item_condition`,
so an item the viewer may not see is never returned — not even its title.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from core.content import ContentNotFoundError
from core.content_kinds import KINDS, get_kind
from core.db import DB
from core.text import search_form
from core.visibility import Viewer

PAGE_SIZE = 25
_ITEM_COLUMNS = (
    "ci.id, ci.kind, ci.title, ci.status, ci.stage, ci.starts_on, ci.ends_on, ci.private, "
    "ci.area, ci.organization, ci.parent, ci.updated_at"
)


def _item(row) -> dict:
    item = dict(row)
    if isinstance(item.get("details"), str):
        item["details"] = json.loads(item["details"])
    return item


async def get_item(viewer: Viewer, item_id: uuid.UUID) -> dict:
    """The item with its organization, area, parent, parts, linked cards and participants."""
    condition, args = viewer.item_condition("ci", 2)
    conn = DB.current_connection()
    row = await conn.fetchrow(
        f"SELECT ci.*, o.name AS organization_name, a.name AS area_name, "
        f"u.display_name AS owner_name, u.email AS owner_email "
        f"FROM content_item ci LEFT JOIN organization o ON o.id = ci.organization "
        f"LEFT JOIN business_area a ON a.id = ci.area LEFT JOIN app_user u ON u.id = ci.owner "
        f"WHERE ci.id = $1 AND {condition}",
        item_id,
        *args,
    )
    if row is None:
        raise ContentNotFoundError(str(item_id))
    item = _item(row)
    item["links"] = [
        dict(r)
        for r in await conn.fetch(
            "SELECT l.id, l.role, l.person AS person_id, p.first_name, p.last_name, "
            "p.left_organization_on, o.name AS organization_name "
            "FROM content_link l JOIN person p ON p.id = l.person "
            "LEFT JOIN organization o ON o.id = p.organization "
            "WHERE l.item = $1 ORDER BY p.sort_key, l.role",
            item_id,
        )
    ]
    item["participants"] = [
        dict(r)
        for r in await conn.fetch(
            "SELECT u.id, u.display_name, u.email FROM content_participant cp "
            "JOIN app_user u ON u.id = cp.app_user WHERE cp.item = $1 ORDER BY u.email",
            item_id,
        )
    ]
    parent_condition, parent_args = viewer.item_condition("ci", 2)
    item["parent_item"] = None
    if item["parent"] is not None:
        parent = await conn.fetchrow(
            f"SELECT ci.id, ci.kind, ci.title FROM content_item ci "
            f"WHERE ci.id = $1 AND {parent_condition}",
            item["parent"],
            *parent_args,
        )
        item["parent_item"] = dict(parent) if parent else None
    item["parts"] = [
        dict(r)
        for r in await conn.fetch(
            f"SELECT {_ITEM_COLUMNS} FROM content_item ci "
            f"WHERE ci.parent = $1 AND {parent_condition} ORDER BY ci.starts_on NULLS LAST, "
            f"ci.title",
            item_id,
            *parent_args,
        )
    ]
    return item


@dataclass(frozen=True)
class ItemFilter:
    kind: str | None = None
    status: str | None = None
    stage: str | None = None
    area_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    query: str = ""
    mine: bool = False  # only items the viewer participates in


def _filter_sql(viewer: Viewer, f: ItemFilter) -> tuple[str, list]:
    """The WHERE clause (visibility first) and its arguments."""
    args: list = []
    condition, visibility_args = viewer.item_condition("ci", 1)
    clauses = [condition]
    args.extend(visibility_args)

    def arg(value) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.kind:
        clauses.append(f"ci.kind = {arg(get_kind(f.kind).code)}")
    if f.status:
        clauses.append(f"ci.status = {arg(f.status)}")
    if f.stage:
        clauses.append(f"ci.stage = {arg(f.stage)}")
    if f.area_id:
        clauses.append(f"ci.area = {arg(f.area_id)}")
    if f.organization_id:
        clauses.append(f"ci.organization = {arg(f.organization_id)}")
    if f.person_id:
        clauses.append(
            f"EXISTS (SELECT 1 FROM content_link fl WHERE fl.item = ci.id "
            f"AND fl.person = {arg(f.person_id)})"
        )
    if f.mine and viewer.user_id is not None:
        clauses.append(
            f"EXISTS (SELECT 1 FROM content_participant fp WHERE fp.item = ci.id "
            f"AND fp.app_user = {arg(viewer.user_id)})"
        )
    words = search_form(f.query).split()
    for word in words[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(f"lower(ci.title) LIKE {arg('%' + escaped + '%')}")
    return " AND ".join(clauses), args


async def list_items(
    viewer: Viewer, filters: ItemFilter, *, limit: int = PAGE_SIZE, offset: int = 0
) -> tuple[list[dict], int]:
    """A page of the items the viewer sees, newest change first, and how many there are."""
    where, args = _filter_sql(viewer, filters)
    conn = DB.current_connection()
    n = len(args)
    rows = await conn.fetch(
        f"SELECT {_ITEM_COLUMNS}, o.name AS organization_name, a.name AS area_name, "
        f"(SELECT count(*) FROM content_link cl WHERE cl.item = ci.id) AS link_count "
        f"FROM content_item ci LEFT JOIN organization o ON o.id = ci.organization "
        f"LEFT JOIN business_area a ON a.id = ci.area WHERE {where} "
        f"ORDER BY ci.updated_at DESC, ci.id LIMIT ${n + 1} OFFSET ${n + 2}",
        *args,
        limit,
        offset,
    )
    total = await conn.fetchval(f"SELECT count(*) FROM content_item ci WHERE {where}", *args)
    return [dict(r) for r in rows], total


async def items_for_person(viewer: Viewer, person_id: uuid.UUID) -> dict[str, list[dict]]:
    """The items linked to the card that the viewer sees, grouped by kind (in the order of
    `KINDS`), each once with all the person's roles in it."""
    condition, args = viewer.item_condition("ci", 2)
    rows = await DB.current_connection().fetch(
        f"SELECT {_ITEM_COLUMNS}, array_agg(l.role ORDER BY l.role) AS roles "
        f"FROM content_link l JOIN content_item ci ON ci.id = l.item "
        f"WHERE l.person = $1 AND {condition} "
        f"GROUP BY ci.id ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC",
        person_id,
        *args,
    )
    return _grouped(rows)


async def items_for_organization(viewer: Viewer, org_id: uuid.UUID) -> dict[str, list[dict]]:
    """The organization's items the viewer sees, grouped by kind."""
    condition, args = viewer.item_condition("ci", 2)
    rows = await DB.current_connection().fetch(
        f"SELECT {_ITEM_COLUMNS} FROM content_item ci WHERE ci.organization = $1 AND {condition} "
        f"ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC",
        org_id,
        *args,
    )
    return _grouped(rows)


# A page shows at most this many items of each kind; the rest are one link away (the content
# list filtered by the person or organization), so a card with 1,000 items stays readable.
OVERVIEW_PER_KIND = 10


@dataclass(frozen=True)
class KindGroup:
    kind: str
    items: list[dict]
    total: int  # all of this kind the viewer may see; `items` holds the newest of them


async def person_overview(
    viewer: Viewer, person_id: uuid.UUID, per_kind: int = OVERVIEW_PER_KIND
) -> list[KindGroup]:
    """The person page's view of a card's items: per kind (in `KINDS` order) the newest
    `per_kind` the viewer may see, with the person's roles, and how many there are in all."""
    condition, args = viewer.item_condition("ci", 3)
    rows = await DB.current_connection().fetch(
        f"SELECT * FROM (SELECT {_ITEM_COLUMNS}, array_agg(l.role ORDER BY l.role) AS roles, "
        f"row_number() OVER (PARTITION BY ci.kind "
        f"ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC, ci.id) AS n, "
        f"count(*) OVER (PARTITION BY ci.kind) AS kind_total "
        f"FROM content_link l JOIN content_item ci ON ci.id = l.item "
        f"WHERE l.person = $1 AND {condition} GROUP BY ci.id) s "
        f"WHERE s.n <= $2 ORDER BY s.n",
        person_id,
        per_kind,
        *args,
    )
    return _kind_groups(rows)


async def organization_overview(
    viewer: Viewer, org_id: uuid.UUID, per_kind: int = OVERVIEW_PER_KIND
) -> list[KindGroup]:
    """The organization page's view of its items, like `person_overview` (no roles)."""
    condition, args = viewer.item_condition("ci", 3)
    rows = await DB.current_connection().fetch(
        f"SELECT * FROM (SELECT {_ITEM_COLUMNS}, "
        f"row_number() OVER (PARTITION BY ci.kind "
        f"ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC, ci.id) AS n, "
        f"count(*) OVER (PARTITION BY ci.kind) AS kind_total "
        f"FROM content_item ci WHERE ci.organization = $1 AND {condition}) s "
        f"WHERE s.n <= $2 ORDER BY s.n",
        org_id,
        per_kind,
        *args,
    )
    return _kind_groups(rows)


def _kind_groups(rows) -> list[KindGroup]:
    items: dict[str, list[dict]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        items.setdefault(row["kind"], []).append(dict(row))
        totals[row["kind"]] = row["kind_total"]
    return [KindGroup(code, items[code], totals[code]) for code in KINDS if code in items]


def _grouped(rows) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {code: [] for code in KINDS}
    for row in rows:
        groups[row["kind"]].append(dict(row))
    return {code: items for code, items in groups.items() if items}


async def pipeline(
    viewer: Viewer, kind_code: str, filters: ItemFilter | None = None, *, per_stage: int = 100
) -> dict[str, list[dict]]:
    """A pipeline kind's open items per stage (every stage present, empty or not)."""
    kind = get_kind(kind_code)
    if not kind.has_pipeline:
        raise ValueError(f"{kind.code} has no pipeline")
    base = filters or ItemFilter()
    where, args = _filter_sql(
        viewer, ItemFilter(**{**base.__dict__, "kind": kind.code, "stage": None})
    )
    rows = await DB.current_connection().fetch(
        f"SELECT * FROM (SELECT {_ITEM_COLUMNS}, ci.details, o.name AS organization_name, "
        f"row_number() OVER (PARTITION BY ci.stage ORDER BY ci.updated_at DESC) AS n "
        f"FROM content_item ci LEFT JOIN organization o ON o.id = ci.organization "
        f"WHERE {where} AND ci.status <> 'cancelled') s WHERE s.n <= {int(per_stage)}",
        *args,
    )
    board: dict[str, list[dict]] = {stage: [] for stage in kind.stages}
    for row in rows:
        if row["stage"] in board:
            board[row["stage"]].append(_item(row))
    return board
