"""The page of one content item: its fields, kind-specific fields, organization, area, parent
and parts; the business cards linked to it with their roles (find a card by name, pick a role
from the kind's vocabulary, remove a link) and its participants (the staff users who see it
when it is private). Link and participant changes answer the page's block for HTMX, or
redirect back to the page without JavaScript.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit
from core.attachments import Owner
from core.content import (
    ContentNotFoundError,
    ContentPermissionError,
    link_person,
    set_participants,
    unlink_person,
)
from core.content_kinds import KINDS, get_kind
from core.embeds import embeds_for, urls_of
from core.search import search
from core.validation import ValidationFailed
from core.visibility import Viewer
from web import content_labels as labels
from web import read_audit
from web.content_access import (
    actor_label,
    actor_of,
    item_or_404,
    may_write,
    staff_users,
    viewer_of,
)
from web.content_forms import detail_rows
from web.embed_fetch import preview_fetch_scope
from web.embed_labels import placeholder_notice, provider_name
from web.forms import render, tenant_context, wants_fragment
from web.i18n import _
from web.routes.attachments import attachment_section

PAGE_TEMPLATE = "content/detail.html"
CANDIDATES = 10


def _url(item_id: uuid.UUID, suffix: str = "") -> str:
    return f"{tenant_context()['base']}/content/{item_id}{suffix}"


async def _candidates(query: str) -> list[dict]:
    """Business cards matching the typed name (the register's own search), persons only."""
    if not query.strip():
        return []
    found = await search(query, limit=CANDIDATES)
    return [row for row in found.items if row["kind"] == "person"]


async def _context(
    request: Request,
    viewer: Viewer,
    item: dict,
    *,
    link_query: str = "",
    link_errors: dict[str, str] | None = None,
    link_values: dict[str, str] | None = None,
    participant_error: str = "",
    message: str = "",
) -> dict:
    kind = get_kind(item["kind"])
    can_write = may_write(request)
    participant_ids = {p["id"] for p in item["participants"]}
    return {
        **tenant_context(),
        "current": "content",
        "labels": labels,
        "item": item,
        "kind": kind,
        "detail_rows": detail_rows(kind, item.get("details") or {}),
        "can_write": can_write,
        "can_delete": can_write and (viewer.role == "admin" or item["owner"] == viewer.user_id),
        # Who may change a private item's participants: its participants and admins.
        "can_edit_participants": can_write
        and (not item["private"] or viewer.role == "admin" or viewer.user_id in participant_ids),
        "role_options": [(r, labels.role(r)) for r in kind.roles],
        "part_kinds": [code for code, k in KINDS.items() if kind.code in k.parent_kinds],
        "staff": await staff_users() if can_write else [],
        "participant_ids": participant_ids,
        "link_query": link_query,
        "candidates": await _candidates(link_query),
        "link_errors": link_errors or {},
        "link_values": link_values or {},
        "participant_error": participant_error,
        "message": message,
        "attachment_section": await attachment_section(request, Owner("item", item["id"])),
        "embeds": [
            {
                "embed": embed,
                "provider_label": provider_name(embed.provider),
                "notice": placeholder_notice(embed.processor) if embed.processor else "",
            }
            for embed in await embeds_for(urls_of(item), fetch_in=preview_fetch_scope(request))
        ],
    }


def _link_error(exc: ValidationFailed) -> dict[str, str]:
    messages = {
        ("role", "not_in_vocabulary"): _("Valitse rooli tämän sisällön roolien luettelosta."),
        ("role", "duplicate"): _("Käyntikortti on jo liitetty tässä roolissa."),
        ("person_id", "unknown"): _("Valitse käyntikortti hakutuloksista."),
    }
    return {
        field: messages.get((field, code), _("Tarkista tämä kenttä."))
        for field, (code, _english) in exc.errors.items()
    }


class ContentDetailController(Controller):
    path = "/t/{tenant:str}/content"
    include_in_schema = False

    @get("/{item_id:str}")
    async def item_page(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        link_q: FromQuery[str] = "",
    ) -> Response:
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        context = await _context(request, viewer, item, link_query=link_q[:200])
        # The linked cards (names, organization) shown: one read event for the page.
        await read_audit.cards_read(
            request,
            [link["person_id"] for link in item["links"]],
            via="content_item",
            item=str(item["id"]),
        )
        return render(request, PAGE_TEMPLATE, context)

    @get("/{item_id:str}/link-candidates")
    async def link_candidates(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        link_q: FromQuery[str] = "",
    ) -> Response:
        """Cards matching the name typed in the link form (HTMX); the page itself otherwise."""
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        q = link_q
        if not wants_fragment(request):
            return Redirect(_url(item["id"], f"?link_q={quote(q[:200])}#links"), status_code=303)
        context = await _context(request, viewer, item, link_query=q[:200])
        return render(request, PAGE_TEMPLATE, context, block="link_candidates")

    @post("/{item_id:str}/links")
    async def add_link(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in ("person_id", "role", "link_q")}
        try:
            try:
                person_id = uuid.UUID(values["person_id"])
            except ValueError:
                raise ValidationFailed({"person_id": ("unknown", "choose a card")}) from None
            link_id = await link_person(
                viewer, item["id"], person_id, values["role"], actor=actor_label(request)
            )
        except ValidationFailed as exc:
            return await self._links(
                request,
                viewer,
                item,
                status=422,
                link_errors=_link_error(exc),
                link_values=values,
                link_query=values["link_q"],
            )
        await audit.record(
            "content.link",
            actor=actor_of(request),
            object_kind="content_item",
            object_id=item["id"],
            detail={"person": str(person_id), "role": values["role"], "link": str(link_id)},
        )
        return await self._links(request, viewer, item, message=_("Käyntikortti liitettiin."))

    @post("/{item_id:str}/links/remove")
    async def remove_link(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        raw = str((await request.form()).get("link_id") or "")
        try:
            removed = await unlink_person(viewer, item["id"], uuid.UUID(raw))
        except (ValueError, ContentNotFoundError):
            return await self._links(
                request,
                viewer,
                item,
                status=422,
                message=_("Liitosta ei löytynyt. Se on ehkä jo poistettu."),
            )
        await audit.record(
            "content.unlink",
            actor=actor_of(request),
            object_kind="content_item",
            object_id=item["id"],
            detail={"person": str(removed["person"]), "role": removed["role"]},
        )
        return await self._links(request, viewer, item, message=_("Liitos poistettiin."))

    @post("/{item_id:str}/participants")
    async def participants(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        form = await request.form()
        raw_ids = form.getall("participant", [])  # none ticked: the field is absent
        try:
            wanted = [uuid.UUID(str(raw)) for raw in raw_ids]
        except ValueError:
            return await self._participants(
                request, viewer, item, status=422, error=_("Valitse osallistujat luettelosta.")
            )
        try:
            added, removed = await set_participants(viewer, item["id"], wanted)
        except ValidationFailed as exc:
            error = (
                _("Yksityisellä sisällöllä on oltava vähintään yksi osallistuja.")
                if "empty" in {code for code, _e in exc.errors.values()}
                else _("Valitse osallistujat luettelosta.")
            )
            return await self._participants(request, viewer, item, status=422, error=error)
        except ContentPermissionError as exc:
            raise PermissionDeniedException() from exc
        if added or removed:
            await audit.record(
                "content.participants",
                actor=actor_of(request),
                object_kind="content_item",
                object_id=item["id"],
                detail={"added": sorted(map(str, added)), "removed": sorted(map(str, removed))},
            )
        return await self._participants(
            request, viewer, item, message=_("Osallistujat tallennettiin.")
        )

    async def _links(
        self, request: Request, viewer: Viewer, item: dict, *, status: int = 200, **kw
    ) -> Response:
        return await self._block(request, viewer, item, "links", status, **kw)

    async def _participants(
        self,
        request: Request,
        viewer: Viewer,
        item: dict,
        *,
        status: int = 200,
        error: str = "",
        message: str = "",
    ) -> Response:
        return await self._block(
            request,
            viewer,
            item,
            "participants",
            status,
            participant_error=error,
            message=message,
        )

    @staticmethod
    async def _block(
        request: Request, viewer: Viewer, item: dict, block: str, status: int, **kw
    ) -> Response:
        """The changed block for HTMX; without JavaScript the page again (errors shown there)
        or, after a success, a redirect to it."""
        try:
            fresh = await item_or_404(viewer, str(item["id"]))
        except NotFoundException:  # a participant who just left a private item
            listing = f"{tenant_context()['base']}/content/"
            if wants_fragment(request):
                return Response("", status_code=200, headers={"HX-Redirect": listing})
            return Redirect(listing, status_code=303)
        if not wants_fragment(request) and status < 400:
            return Redirect(_url(item["id"], f"#{block}"), status_code=303)
        context = await _context(request, viewer, fresh, **kw)
        return render(
            request,
            PAGE_TEMPLATE,
            context,
            block=block if wants_fragment(request) else None,
            status_code=status,
        )
