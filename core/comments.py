"""Comments on a business card, an organization or a content item.

Comments on an item are part of the item: only a viewer who may see the item (`core.visibility`)
may read, add or delete them, and an item they may not see is answered like a missing one, so
neither its existence nor its title leaks. Cards and organizations are seen by all staff.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import audit
from core import record_fields as check
from core.customer_data import RecordNotFoundError, Subject, SubjectNotFoundError, check_subject
from core.db import DB
from core.validation import ValidationFailed
from core.visibility import Viewer, can_see_item

BODY_MAX = 10_000
TARGET_KINDS = ("person", "organization", "item")
READERS = ("admin", "staff", "operator", "system")


@dataclass(frozen=True)
class CommentTarget:
    kind: str  # person | organization | item — also the comment table's column name
    id: uuid.UUID

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"comments go on {', '.join(TARGET_KINDS)}, not {self.kind!r}")


async def _check_target(viewer: Viewer, target: CommentTarget) -> None:
    """Raises SubjectNotFoundError for a missing target, or one the viewer may not see."""
    if viewer.role not in READERS:
        raise SubjectNotFoundError(f"{target.kind} {target.id}")
    if target.kind == "item":
        if not await can_see_item(viewer, target.id):
            raise SubjectNotFoundError(f"item {target.id}")
        return
    await check_subject(Subject(target.kind, target.id))


def clean_body(raw: str) -> str:
    errors: check.Errors = {}
    body = check.text(errors, "body", raw, max_len=BODY_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    return body


async def add_comment(
    viewer: Viewer, target: CommentTarget, body: str, *, actor: audit.Actor
) -> uuid.UUID:
    text = clean_body(body)
    await _check_target(viewer, target)
    comment_id = uuid.uuid4()
    await DB.current_connection().execute(
        f"INSERT INTO comment (id, {target.kind}, body, created_at, created_by) "
        f"VALUES ($1, $2, $3, now(), $4)",
        comment_id,
        target.id,
        text,
        actor.label,
    )
    await audit.record(
        "comment.add",
        actor=actor,
        object_kind=target.kind,
        object_id=target.id,
        detail={"record": str(comment_id)},
    )
    return comment_id


async def list_comments(viewer: Viewer, target: CommentTarget) -> list[dict]:
    """Newest first. Item comments are read through the item's visibility condition too, so
    this query alone never returns a comment of an item the viewer may not see."""
    await _check_target(viewer, target)
    conn = DB.current_connection()
    if target.kind == "item":
        condition, args = viewer.item_condition("ci", 2)
        rows = await conn.fetch(
            f"SELECT c.id, c.body, c.created_at, c.created_by FROM comment c "
            f"JOIN content_item ci ON ci.id = c.item WHERE c.item = $1 AND {condition} "
            f"ORDER BY c.created_at DESC, c.id",
            target.id,
            *args,
        )
    else:
        rows = await conn.fetch(
            f"SELECT id, body, created_at, created_by FROM comment WHERE {target.kind} = $1 "
            f"ORDER BY created_at DESC, id",
            target.id,
        )
    return [dict(r) for r in rows]


async def delete_comment(
    viewer: Viewer, target: CommentTarget, comment_id: uuid.UUID, *, actor: audit.Actor
) -> None:
    await _check_target(viewer, target)
    deleted = await DB.current_connection().fetchval(
        f"DELETE FROM comment WHERE id = $1 AND {target.kind} = $2 RETURNING id",
        comment_id,
        target.id,
    )
    if deleted is None:
        raise RecordNotFoundError(str(comment_id))
    await audit.record(
        "comment.delete",
        actor=actor,
        object_kind=target.kind,
        object_id=target.id,
        detail={"record": str(comment_id)},
    )
