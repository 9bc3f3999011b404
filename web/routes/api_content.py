"""JSON API v1: content items (deals, contracts, meetings, courses, …), their links to business
cards and their participants, under /t/<slug>/api/v1/content; and a card's items at
/t/<slug>/api/v1/persons/{id}/content.

Who sees which item is decided by `core.visibility` alone: every read and write here goes
through the services with the caller's `Viewer`. An item the caller may not see answers 404
exactly like a missing one (never 403, never its title); 403 is only for an item the caller
sees but may not change (deleting another's item as staff, changing a private item's
participants without being one). Errors and updates as in the rest of the API
(web.routes.api_organizations): 422 with every field at once, PUT replaces, PATCH changes what
is sent.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from core import audit, content, persons
from core.accounts import get_user
from core.content_queries import ItemFilter, get_item, items_for_person, list_items
from core.validation import ValidationFailed
from core.visibility import Viewer
from web import read_audit
from web.content_access import actor_of, viewer_of
from web.register_audit import writer_label
from web.routes.api_content_schema import (
    ContentIn,
    ContentOut,
    ContentPatch,
    ContentReplace,
    ItemSummary,
    LinkIn,
    LinkOut,
    ParticipantOut,
    ParticipantsIn,
    PersonContentOut,
    StageIn,
    content_input,
    content_out,
    current_fields,
    item_summary,
    link_out,
    participant_out,
    person_content_out,
)
from web.routes.api_organizations import (
    ERROR_RESPONSES,
    TOTAL_COUNT,
    ApiError,
    Limit,
    Offset,
)
from web.routes.api_persons import MERGED_GET, Merged, person_url

_403 = {
    **ERROR_RESPONSES,
    403: ResponseSpec(data_container=ApiError, description="Seen, but not yours to change"),
}
Filter = Annotated[str | None, QueryParameter(description="Only items with this code")]
IdFilter = Annotated[UUID | None, QueryParameter(description="Only items linked to this id")]
TitleSearch = Annotated[str | None, QueryParameter(description="Words of the title")]


def item_url(tenant: str, item_id: UUID) -> str:
    return f"/t/{tenant}/api/v1/content/{item_id}"


async def _item(viewer: Viewer, item_id: UUID) -> dict:
    try:
        return await get_item(viewer, item_id)
    except content.ContentNotFoundError as exc:
        raise NotFoundException() from exc


async def _run(call):
    """A service call: unseen or missing → 404, seen but not allowed → 403."""
    try:
        return await call
    except content.ContentNotFoundError as exc:
        raise NotFoundException() from exc
    except content.ContentPermissionError as exc:
        raise PermissionDeniedException(str(exc)) from exc


async def _audit(request: Request, action: str, item_id: UUID, **detail) -> None:
    """As the content pages audit their writes (ids and codes, never the free text), plus
    `via`: the door the write came through."""
    await audit.record(
        action,
        actor=actor_of(request),
        object_kind="content_item",
        object_id=item_id,
        detail={**detail, "via": "api"},
    )


async def _links_read(request: Request, item: dict) -> None:
    """An item's answer names its linked cards: one read event (web.read_audit)."""
    await read_audit.cards_read(
        request,
        [link["person_id"] for link in item["links"]],
        via="api_content_item",
        purpose="api",
        item=str(item["id"]),
    )


class ContentApiController(Controller):
    path = "/content"
    tags = ["content"]

    @get(
        "/",
        summary="List content items",
        description="The items the caller may see, most recently changed first, filtered by "
        "kind, status, pipeline stage, business area, organization, a linked person or words "
        "of the title. The total count is in the `X-Total-Count` header.",
        response_headers=[TOTAL_COUNT],
        responses=ERROR_RESPONSES,
    )
    async def list_content(
        self,
        request: Request,
        tenant: FromPath[str],
        limit: Limit = 50,
        offset: Offset = 0,
        kind: Filter = None,
        status: Filter = None,
        stage: Filter = None,
        area_id: IdFilter = None,
        organization_id: IdFilter = None,
        person_id: IdFilter = None,
        q: TitleSearch = None,
    ) -> Response[list[ItemSummary]]:
        filters = ItemFilter(
            kind=kind or None,
            status=status or None,
            stage=stage or None,
            area_id=area_id,
            organization_id=organization_id,
            person_id=person_id,
            query=(q or "").strip()[:200],
        )
        rows, total = await list_items(
            await viewer_of(request), filters, limit=limit, offset=offset
        )
        return Response([item_summary(r) for r in rows], headers={"X-Total-Count": str(total)})

    @get("/{item_id:uuid}", summary="One item, with its links and participants",
         responses=ERROR_RESPONSES)  # fmt: skip
    async def get_content(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[UUID]
    ) -> ContentOut:
        item = await _item(await viewer_of(request), item_id)
        await _links_read(request, item)
        return content_out(item)

    @post("/", summary="Create an item", responses=ERROR_RESPONSES)
    async def create_content(
        self, request: Request, tenant: FromPath[str], data: JSONBody[ContentIn]
    ) -> Response[ContentOut]:
        viewer = await viewer_of(request)
        fields = msgspec.structs.asdict(data)
        item_id = await _run(
            content.create_item(
                viewer, content_input(data.kind, fields), actor=writer_label(request)
            )
        )
        await _audit(request, "content.create", item_id, kind=data.kind, private=bool(data.private))
        return Response(
            content_out(await _item(viewer, item_id)),
            status_code=201,
            headers={"Location": item_url(tenant, item_id)},
        )

    @put("/{item_id:uuid}", summary="Replace an item (its kind stays)", responses=_403)
    async def replace_content(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[UUID],
        data: JSONBody[ContentReplace],
    ) -> ContentOut:
        viewer = await viewer_of(request)
        current = await _item(viewer, item_id)
        if data.kind is not None and data.kind != current["kind"]:
            raise ValidationFailed({"kind": ("fixed", "the kind of an item cannot change")})
        fields = msgspec.structs.asdict(data)
        return await self._save(request, viewer, current, fields)

    @patch("/{item_id:uuid}", summary="Change some fields of an item", responses=_403)
    async def patch_content(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[UUID],
        data: JSONBody[ContentPatch],
    ) -> ContentOut:
        viewer = await viewer_of(request)
        current = await _item(viewer, item_id)
        fields = current_fields(current)
        fields.update(
            {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        )
        return await self._save(request, viewer, current, fields)

    async def _save(
        self, request: Request, viewer: Viewer, current: dict, fields: dict
    ) -> ContentOut:
        data = content_input(current["kind"], fields)
        changes = await _run(
            content.update_item(viewer, current["id"], data, actor=writer_label(request))
        )
        if changes:
            await _audit(
                request,
                "content.update",
                current["id"],
                kind=current["kind"],
                fields=sorted(changes),
            )
        return content_out(await _item(viewer, current["id"]))

    @delete("/{item_id:uuid}", summary="Delete an item (its owner or an admin)", responses=_403)
    async def delete_content(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[UUID]
    ) -> None:
        viewer = await viewer_of(request)
        item = await _item(viewer, item_id)
        removed = await _run(content.delete_item(viewer, item_id))
        await _audit(
            request, "content.delete", item_id, kind=removed["kind"], links=len(item["links"])
        )

    @put("/{item_id:uuid}/stage", summary="Move a deal or idea to another pipeline stage",
         responses=ERROR_RESPONSES)  # fmt: skip
    async def move_stage(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[UUID],
        data: JSONBody[StageIn],
    ) -> ContentOut:
        viewer = await viewer_of(request)
        previous = await _run(
            content.move_stage(viewer, item_id, data.stage, actor=writer_label(request))
        )
        item = await _item(viewer, item_id)
        await _audit(
            request,
            "content.stage",
            item_id,
            kind=item["kind"],
            **{"from": previous, "to": data.stage},
        )
        return content_out(item)

    # --- links to business cards ---------------------------------------------------------

    @get("/{item_id:uuid}/links", summary="The cards linked to an item, with their roles",
         responses=ERROR_RESPONSES)  # fmt: skip
    async def list_links(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[UUID]
    ) -> list[LinkOut]:
        item = await _item(await viewer_of(request), item_id)
        await _links_read(request, item)
        return [link_out(r) for r in item["links"]]

    @post(
        "/{item_id:uuid}/links",
        summary="Link a card in a role",
        description="The role must be in the item kind's vocabulary (422 on `role` otherwise); "
        "the same card in the same role twice is refused.",
        responses=ERROR_RESPONSES,
    )
    async def create_link(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[UUID],
        data: JSONBody[LinkIn],
    ) -> Response[LinkOut]:
        viewer = await viewer_of(request)
        link_id = await _run(
            content.link_person(
                viewer, item_id, data.person_id, data.role, actor=writer_label(request)
            )
        )
        await _audit(
            request,
            "content.link",
            item_id,
            person=str(data.person_id),
            role=data.role,
            link=str(link_id),
        )
        item = await _item(viewer, item_id)
        made = next(r for r in item["links"] if r["id"] == link_id)
        return Response(
            link_out(made),
            status_code=201,
            headers={"Location": f"{item_url(tenant, item_id)}/links/{link_id}"},
        )

    @delete("/{item_id:uuid}/links/{link_id:uuid}", summary="Remove a link",
            responses=ERROR_RESPONSES)  # fmt: skip
    async def delete_link(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[UUID],
        link_id: FromPath[UUID],
    ) -> None:
        removed = await _run(content.unlink_person(await viewer_of(request), item_id, link_id))
        await _audit(
            request,
            "content.unlink",
            item_id,
            person=str(removed["person"]),
            role=removed["role"],
        )

    # --- participants (the users who take part; a private item's only staff viewers) -----

    @get("/{item_id:uuid}/participants", summary="The users taking part in an item",
         responses=ERROR_RESPONSES)  # fmt: skip
    async def get_participants(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[UUID]
    ) -> list[ParticipantOut]:
        item = await _item(await viewer_of(request), item_id)
        return [participant_out(r) for r in item["participants"]]

    @put(
        "/{item_id:uuid}/participants",
        summary="Replace the users taking part in an item",
        description="Only a participant or an admin changes a private item's participants "
        "(403 otherwise); a private item needs at least one.",
        responses=_403,
    )
    async def replace_participants(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[UUID],
        data: JSONBody[ParticipantsIn],
    ) -> list[ParticipantOut]:
        viewer = await viewer_of(request)
        added, removed = await _run(content.set_participants(viewer, item_id, data.user_ids))
        if added or removed:
            await _audit(
                request,
                "content.participants",
                item_id,
                added=sorted(map(str, added)),
                removed=sorted(map(str, removed)),
            )
        try:
            rows = (await get_item(viewer, item_id))["participants"]
        except content.ContentNotFoundError:
            # Handed over: a staff member left a private item, which they no longer see. The
            # answer names only the users they sent.
            users = [await get_user(user_id) for user_id in set(data.user_ids)]
            rows = sorted((u for u in users if u), key=lambda u: u["email"])
        return [participant_out(r) for r in rows]


class PersonContentApiController(Controller):
    """A card's content: the items linked to it that the caller may see."""

    path = "/persons"
    tags = ["persons", "content"]

    @get("/{person_id:uuid}/content", summary="A card's items, grouped by kind, with roles",
         responses=MERGED_GET)  # fmt: skip
    async def person_content(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[UUID]
    ) -> Response[PersonContentOut]:
        try:
            await persons.get_person(person_id)
        except persons.PersonNotFoundError as exc:
            raise NotFoundException() from exc
        except persons.PersonMergedError as exc:
            url = person_url(tenant, exc.survivor_id) + "/content"
            body = Merged(301, "merged into another card", exc.survivor_id, url)
            return Response(body, status_code=301, headers={"Location": url})  # type: ignore[arg-type]
        grouped = await items_for_person(await viewer_of(request), person_id)
        await read_audit.cards_read(request, [person_id], via="api_content", purpose="api")
        return Response(person_content_out(person_id, grouped))
