"""The person page's timeline: one list, newest first, of what happened with a person — contact
events, feedback and satisfaction answers, comments, and the content items linked to the card
that the viewer may see.

Items come through `Viewer.item_condition` in the same query, so an item the viewer may not see
(a private meeting they are not in) is not in the result at all: its title never reaches the
page. The other entries are card data, which every staff member sees.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core.db import DB
from core.visibility import Viewer

PAGE_SIZE = 20
# A date without a time (feedback received, an item starting) sits at noon local time, so it
# sorts after the morning's calls of the same day and before the evening's.
_LOCAL_NOON = "(({day})::timestamp + interval '12 hours') AT TIME ZONE 'Europe/Helsinki'"


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # contact | feedback | satisfaction | comment | item
    id: uuid.UUID
    at: dt.datetime
    text: str  # summary, comment, body or the item's title
    detail: str  # channel, score, item kind
    extra: str  # direction, the person's roles in the item
    by: str


def _timeline_sql(viewer: Viewer) -> tuple[str, list]:
    """The union over the four sources for person $1; the item part carries the viewer's
    condition (its arguments follow the person, limit and offset)."""
    condition, args = viewer.item_condition("ci", 4)
    item_day = _LOCAL_NOON.format(day="ci.starts_on")
    feedback_day = _LOCAL_NOON.format(day="f.received_on")
    sql = f"""
        SELECT 'contact' AS kind, e.id, e.happened_at AS at, e.summary AS text,
               e.channel AS detail, e.direction AS extra, e.recorded_by AS by
        FROM contact_event e WHERE e.person = $1
        UNION ALL
        SELECT f.kind, f.id, coalesce({feedback_day}, f.created_at), f.comment,
               coalesce(f.score::text, ''), '', f.recorded_by
        FROM customer_feedback f WHERE f.person = $1
        UNION ALL
        SELECT 'comment', c.id, c.created_at, c.body, '', '', c.created_by
        FROM comment c WHERE c.person = $1
        UNION ALL
        SELECT 'item', ci.id, coalesce({item_day}, ci.created_at), ci.title, ci.kind,
               string_agg(l.role, ',' ORDER BY l.role), ci.created_by
        FROM content_item ci JOIN content_link l ON l.item = ci.id
        WHERE l.person = $1 AND {condition}
        GROUP BY ci.id
        ORDER BY at DESC, kind, id
        LIMIT $2 OFFSET $3
    """
    return sql, args


async def person_timeline(
    viewer: Viewer, person_id: uuid.UUID, *, page: int = 1, size: int = PAGE_SIZE
) -> tuple[list[TimelineEntry], bool]:
    """One page of the timeline and whether there is more after it."""
    sql, args = _timeline_sql(viewer)
    page = max(1, page)
    rows = await DB.current_connection().fetch(sql, person_id, size + 1, (page - 1) * size, *args)
    entries = [
        TimelineEntry(
            kind=r["kind"],
            id=r["id"],
            at=r["at"],
            text=r["text"] or "",
            detail=r["detail"] or "",
            extra=r["extra"] or "",
            by=r["by"] or "",
        )
        for r in rows[:size]
    ]
    return entries, len(rows) > size
