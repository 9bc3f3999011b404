"""Who is looking at content, and the content a person page or an organization page shows.

Every content handler builds its `Viewer` here from the signed-in user; `core.visibility` then
decides (in the queries) what that viewer may see. Templates never filter anything.
"""

from __future__ import annotations

import uuid

from litestar import Request
from litestar.exceptions import NotFoundException

from core.audit import Actor
from core.business_areas import list_areas
from core.content import ContentNotFoundError
from core.content_queries import get_item, organization_overview, person_overview
from core.db import DB
from core.organizations import list_organizations
from core.visibility import Viewer, viewer_for_user
from web import content_labels
from web.auth import current_user
from web.forms import parse_uuid

WRITER_ROLES = ("admin", "staff")
ORGANIZATION_CHOICES = 2000


_VIEWER_KEY = "kortisto_viewer"


async def viewer_of(request: Request) -> Viewer:
    """The signed-in user's viewer, read once per request: a page that draws several sections
    (content, attachments, customer records, the timeline) asks for it several times. Kept in
    the request's own scope state only, never across requests."""
    user = current_user(request)
    state = request.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    viewer = state.get(_VIEWER_KEY)
    if viewer is None or viewer.user_id != user["id"] or viewer.role != user["role"]:
        viewer = state[_VIEWER_KEY] = await viewer_for_user(user["id"], user["role"])
    return viewer


def may_write(request: Request) -> bool:
    """Break-glass operators read only (their writes are refused before the handler anyway);
    the pages then leave out the buttons that would fail."""
    return current_user(request)["role"] in WRITER_ROLES


def actor_of(request: Request) -> Actor:
    user = current_user(request)
    if user["role"] == "operator":
        return Actor.operator(user["id"], user.get("email") or "")
    return Actor.user(user)


def actor_label(request: Request) -> str:
    """Who changed an item, as kept on the row (`created_by`, `updated_by`)."""
    user = current_user(request)
    return str(user.get("email") or user["id"])


async def person_content(request: Request, person_id: uuid.UUID) -> dict:
    """Context for the person page's content section: the linked items this viewer may see,
    grouped by kind (the newest of each kind, and how many in all), with the person's roles."""
    groups = await person_overview(await viewer_of(request), person_id)
    return {
        "content_groups": groups,
        "content_labels": content_labels,
        "content_more_filter": f"person={person_id}",
    }


async def organization_content(request: Request, org_id: uuid.UUID) -> dict:
    """Context for the organization page: its items this viewer may see, grouped by kind."""
    groups = await organization_overview(await viewer_of(request), org_id)
    return {
        "content_groups": groups,
        "content_labels": content_labels,
        "content_more_filter": f"organization={org_id}",
    }


async def item_or_404(viewer: Viewer, raw_id: str) -> dict:
    """The item with its links and parts; 404 for a bad id, a missing item or one this viewer
    may not see (the same answer, so a private item's existence does not show)."""
    try:
        return await get_item(viewer, parse_uuid(raw_id))
    except ContentNotFoundError as exc:
        raise NotFoundException() from exc


async def staff_users() -> list[dict]:
    """The tenant's active staff and admins: who can be a participant."""
    rows = await DB.current_connection().fetch(
        "SELECT id, display_name, email, role FROM app_user "
        "WHERE active AND role IN ('admin', 'staff') ORDER BY lower(display_name), email"
    )
    return [dict(r) for r in rows]


async def area_options(viewer: Viewer, *, for_filter: bool = False) -> list[tuple[str, str]]:
    """Business areas to choose from. On the form staff get only their own areas (they could
    not see an item put elsewhere); the filter offers every active area."""
    rows = [a for a in await list_areas() if not a["archived"]]
    if not for_filter and viewer.role == "staff":
        rows = [a for a in rows if a["id"] in viewer.area_ids]
    return [(str(a["id"]), a["name"]) for a in rows]


async def organization_options() -> list[tuple[str, str]]:
    rows = await list_organizations(limit=ORGANIZATION_CHOICES)
    return [(str(r["id"]), r["name"]) for r in rows]
