"""Content items and their links: validation and writes (reads are in `core.content_queries`).

Runs inside a tenant scope. Every function takes the `Viewer` acting; an item the viewer may not
see is answered exactly like a missing one (`ContentNotFoundError`), so its existence does not
leak. Writes return what changed so the web layer can audit it, as the register's services do.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from core.content_kinds import Kind, check_role, check_stage, clean_details, get_kind
from core.db import DB
from core.validation import ValidationFailed
from core.visibility import Viewer, can_see_item

TITLE_MAX = 300
DESCRIPTION_MAX = 20_000
WRITERS = ("admin", "staff")


class ContentNotFoundError(LookupError):
    """No such item in this tenant, or not one the viewer may see."""


class ContentPermissionError(PermissionError):
    """The viewer sees the item but may not do this to it."""


@dataclass
class ContentInput:
    kind: str
    title: str
    description: str = ""
    status: str = "open"
    stage: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    organization_id: uuid.UUID | None = None
    area_id: uuid.UUID | None = None
    private: bool = False
    parent_id: uuid.UUID | None = None
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class CleanContent:
    kind: Kind
    title: str
    description: str
    status: str
    stage: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    organization_id: uuid.UUID | None
    area_id: uuid.UUID | None
    private: bool
    parent_id: uuid.UUID | None
    details: dict[str, object]

    def columns(self) -> tuple:
        """Values of the columns written by both INSERT and UPDATE, in `_COLUMNS` order."""
        return (
            self.title,
            self.description,
            self.status,
            self.stage,
            self.starts_on,
            self.ends_on,
            self.organization_id,
            self.area_id,
            self.private,
            self.parent_id,
            json.dumps(self.details, ensure_ascii=False),
        )


_COLUMNS = (
    "title",
    "description",
    "status",
    "stage",
    "starts_on",
    "ends_on",
    "organization",
    "area",
    "private",
    "parent",
    "details",
)


def _require_writer(viewer: Viewer) -> None:
    if viewer.role not in WRITERS:
        raise ContentPermissionError("only staff and admins change content")


async def clean_content(viewer: Viewer, data: ContentInput) -> CleanContent:
    """Validate everything at once (every mistake in one go), references included."""
    errors: dict[str, tuple[str, str]] = {}
    kind = get_kind(data.kind)  # nothing else can be checked without it
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = ("required", "the item needs a title")
    elif len(title) > TITLE_MAX:
        errors["title"] = ("too_long", f"the title may be at most {TITLE_MAX} characters")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = ("too_long", f"at most {DESCRIPTION_MAX} characters")
    if data.status not in kind.statuses:
        errors["status"] = ("unknown", f"the statuses are {', '.join(kind.statuses)}")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = ("before_start", "the end date is before the start date")
    stage = ""
    try:
        stage = check_stage(kind, data.stage)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    details: dict[str, object] = {}
    try:
        details = clean_details(kind, data.details)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    errors.update(await _reference_errors(viewer, kind, data))
    if errors:
        raise ValidationFailed(errors)
    return CleanContent(
        kind=kind,
        title=title,
        description=description,
        status=data.status,
        stage=stage,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        organization_id=data.organization_id,
        area_id=data.area_id,
        private=bool(data.private),
        parent_id=data.parent_id,
        details=details,
    )


async def _reference_errors(viewer: Viewer, kind: Kind, data: ContentInput) -> dict:
    conn = DB.current_connection()
    errors: dict[str, tuple[str, str]] = {}
    if data.organization_id and not await conn.fetchval(
        "SELECT 1 FROM organization WHERE id = $1", data.organization_id
    ):
        errors["organization_id"] = ("unknown", "no such organization")
    if data.area_id:
        archived = await conn.fetchval(
            "SELECT archived FROM business_area WHERE id = $1", data.area_id
        )
        if archived is None:
            errors["area_id"] = ("unknown", "no such business area")
        elif archived:
            errors["area_id"] = ("archived", "the business area is archived")
        elif viewer.role == "staff" and data.area_id not in viewer.area_ids:
            # Staff would create content they themselves could not see.
            errors["area_id"] = ("not_member", "you are not a member of this business area")
    if kind.parent_kinds and data.parent_id is None:
        errors["parent_id"] = ("required", f"a {kind.code} belongs to a {kind.parent_kinds[0]}")
    elif data.parent_id is not None:
        parent_kind = None
        if await can_see_item(viewer, data.parent_id):
            parent_kind = await conn.fetchval(
                "SELECT kind FROM content_item WHERE id = $1", data.parent_id
            )
        if parent_kind is None:
            errors["parent_id"] = ("unknown", "no such item")
        elif parent_kind not in kind.parent_kinds:
            errors["parent_id"] = ("wrong_kind", f"a {kind.code} cannot be part of a {parent_kind}")
    return errors


async def create_item(viewer: Viewer, data: ContentInput, *, actor: str = "") -> uuid.UUID:
    """A new item; its creator becomes its owner and first participant (so a private item is
    never created unseen by the one who made it)."""
    _require_writer(viewer)
    item = await clean_content(viewer, data)
    item_id = uuid.uuid4()
    conn = DB.current_connection()
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(_COLUMNS)))
    after = 3 + len(_COLUMNS)
    await conn.execute(
        f"INSERT INTO content_item (id, kind, {', '.join(_COLUMNS)}, owner, "
        f"created_at, created_by, updated_at, updated_by) "
        f"VALUES ($1, $2, {placeholders}, ${after}, now(), ${after + 1}, now(), ${after + 1})",
        item_id,
        item.kind.code,
        *item.columns(),
        viewer.user_id,
        actor,
    )
    if viewer.user_id is not None:
        await _add_participants(item_id, [viewer.user_id])
    return item_id


async def _visible_row(viewer: Viewer, item_id: uuid.UUID, *, lock: bool = False) -> dict:
    condition, args = viewer.item_condition("ci", 2)
    row = await DB.current_connection().fetchrow(
        f"SELECT ci.* FROM content_item ci WHERE ci.id = $1 AND {condition}"
        + (" FOR UPDATE OF ci" if lock else ""),
        item_id,
        *args,
    )
    if row is None:
        raise ContentNotFoundError(str(item_id))
    return dict(row)


async def update_item(
    viewer: Viewer, item_id: uuid.UUID, data: ContentInput, *, actor: str = ""
) -> dict[str, tuple]:
    """Change an item the viewer sees; the kind is fixed at creation. Returns old → new."""
    _require_writer(viewer)
    before = await _visible_row(viewer, item_id, lock=True)
    data.kind = before["kind"]
    if data.parent_id == item_id:
        raise ValidationFailed({"parent_id": ("self", "an item cannot be part of itself")})
    item = await clean_content(viewer, data)
    assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS, start=2))
    after = 2 + len(_COLUMNS)
    await DB.current_connection().execute(
        f"UPDATE content_item SET {assignments}, updated_at = now(), updated_by = ${after} "
        f"WHERE id = $1",
        item_id,
        *item.columns(),
        actor,
    )
    new = dict(zip(_COLUMNS, item.columns(), strict=True))
    new["details"] = item.details
    changes = {}
    for column, value in new.items():
        old = before[column]
        if column == "details":
            old = json.loads(old) if isinstance(old, str) else old
        if old != value:
            changes[column] = (old, value)
    return changes


async def move_stage(viewer: Viewer, item_id: uuid.UUID, stage: str, *, actor: str = "") -> str:
    """Move a pipeline item (deal, idea) to another stage; returns the stage it left."""
    _require_writer(viewer)
    before = await _visible_row(viewer, item_id, lock=True)
    kind = get_kind(before["kind"])
    if not kind.has_pipeline:
        raise ValidationFailed({"stage": ("no_pipeline", f"a {kind.code} has no stages")})
    new_stage = check_stage(kind, stage)
    await DB.current_connection().execute(
        "UPDATE content_item SET stage = $2, updated_at = now(), updated_by = $3 WHERE id = $1",
        item_id,
        new_stage,
        actor,
    )
    return before["stage"]


async def delete_item(viewer: Viewer, item_id: uuid.UUID) -> dict:
    """Delete an item (its links, participants, comments and attachment rows go with it; the
    attachments' objects are then swept). Admins, or the item's owner. Returns the row."""
    _require_writer(viewer)
    before = await _visible_row(viewer, item_id, lock=True)
    if viewer.role != "admin" and before["owner"] != viewer.user_id:
        raise ContentPermissionError("only the owner or an admin deletes an item")
    await DB.current_connection().execute("DELETE FROM content_item WHERE id = $1", item_id)
    return before


async def link_person(
    viewer: Viewer, item_id: uuid.UUID, person_id: uuid.UUID, role: str, *, actor: str = ""
) -> uuid.UUID:
    """Link a business card to the item in a role of the kind's vocabulary. Linking the same
    card in the same role twice is refused (the unique index is the backstop)."""
    _require_writer(viewer)
    item = await _visible_row(viewer, item_id)
    check_role(get_kind(item["kind"]), role)
    conn = DB.current_connection()
    merged = await conn.fetchrow("SELECT merged_into FROM person WHERE id = $1", person_id)
    if merged is None or merged["merged_into"] is not None:
        raise ValidationFailed({"person_id": ("unknown", "no such business card")})
    if await conn.fetchval(
        "SELECT 1 FROM content_link WHERE item = $1 AND person = $2 AND role = $3",
        item_id,
        person_id,
        role,
    ):
        raise ValidationFailed({"role": ("duplicate", "the card already has this role here")})
    link_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO content_link (id, item, person, role, created_at, created_by) "
        "VALUES ($1, $2, $3, $4, now(), $5)",
        link_id,
        item_id,
        person_id,
        role,
        actor,
    )
    return link_id


async def unlink_person(viewer: Viewer, item_id: uuid.UUID, link_id: uuid.UUID) -> dict:
    """Remove one link of a visible item; returns what was removed."""
    _require_writer(viewer)
    await _visible_row(viewer, item_id)
    row = await DB.current_connection().fetchrow(
        "DELETE FROM content_link WHERE id = $1 AND item = $2 RETURNING person, role",
        link_id,
        item_id,
    )
    if row is None:
        raise ContentNotFoundError(str(link_id))
    return dict(row)


async def _add_participants(item_id: uuid.UUID, user_ids: list[uuid.UUID]) -> None:
    await DB.current_connection().executemany(
        "INSERT INTO content_participant (id, item, app_user) VALUES ($1, $2, $3) "
        "ON CONFLICT (item, app_user) DO NOTHING",
        [(uuid.uuid4(), item_id, user_id) for user_id in user_ids],
    )


async def set_participants(
    viewer: Viewer, item_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Replace the item's participants (staff and admins of this tenant only). For a private
    item only its participants and admins decide; nobody can leave a private item without
    participants. Returns (added, removed)."""
    _require_writer(viewer)
    item = await _visible_row(viewer, item_id, lock=True)
    conn = DB.current_connection()
    current = {
        r["app_user"]
        for r in await conn.fetch(
            "SELECT app_user FROM content_participant WHERE item = $1", item_id
        )
    }
    if item["private"] and viewer.role != "admin" and viewer.user_id not in current:
        raise ContentPermissionError("only participants decide who sees a private item")
    wanted = set(user_ids)
    valid = {
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM app_user WHERE id = ANY($1::uuid[]) AND active "
            "AND role IN ('admin', 'staff')",
            list(wanted),
        )
    }
    if wanted - valid:
        raise ValidationFailed({"participants": ("unknown", "not an active staff user")})
    if item["private"] and not wanted:
        raise ValidationFailed({"participants": ("empty", "a private item needs a participant")})
    added, removed = wanted - current, current - wanted
    await _add_participants(item_id, sorted(added))
    await conn.execute(
        "DELETE FROM content_participant WHERE item = $1 AND app_user = ANY($2::uuid[])",
        item_id,
        list(removed),
    )
    return added, removed
