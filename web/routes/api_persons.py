"""JSON API v1: persons (business cards) under /t/<slug>/api/v1/persons.

Departed persons are left out of lists and search unless `include_departed=true`; they stay
readable by id. A card merged into another answers GET with 301 to the surviving card, and
PUT/PATCH with 410 naming the survivor (a write must not land on a different card unseen).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from core import persons
from core.search import search
from web import read_audit, register_audit
from web.register_audit import writer_label
from web.routes.api_organizations import (
    ERROR_RESPONSES,
    SEARCH_WINDOW,
    TOTAL_COUNT,
    Limit,
    Offset,
    Search,
)


class PersonIn(msgspec.Struct):
    """A whole card (POST, PUT). Phones in any format; they are stored in E.164."""

    first_name: str
    last_name: str
    emails: list[str] = []
    phones: list[str] = []
    title: str = ""
    organization_id: UUID | None = None
    keywords: list[str] = []
    description: str = ""


class PersonPatch(msgspec.Struct):
    """Only the fields sent are changed (PATCH)."""

    first_name: str | msgspec.UnsetType = msgspec.UNSET
    last_name: str | msgspec.UnsetType = msgspec.UNSET
    emails: list[str] | msgspec.UnsetType = msgspec.UNSET
    phones: list[str] | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    organization_id: UUID | None | msgspec.UnsetType = msgspec.UNSET
    keywords: list[str] | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET


class EmploymentOut(msgspec.Struct):
    organization_id: UUID
    organization_name: str
    title: str
    started_on: date | None
    ended_on: date | None
    current: bool


class PersonOut(msgspec.Struct):
    id: UUID
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[str]
    title: str
    organization_id: UUID | None
    organization_name: str | None
    keywords: list[str]
    description: str
    left_organization_on: date | None
    employment: list[EmploymentOut]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class PersonSummary(msgspec.Struct):
    id: UUID
    name: str
    title: str
    organization_name: str | None
    email: str | None
    phone: str | None
    left_organization_on: date | None


class Merged(msgspec.Struct):
    status: int
    detail: str
    survivor_id: UUID
    survivor_url: str


_FIELDS = PersonIn.__struct_fields__
IncludeDeparted = Annotated[
    bool, QueryParameter(description="Include persons who left their organization")
]


def person_url(tenant: str, person_id: UUID) -> str:
    return f"/t/{tenant}/api/v1/persons/{person_id}"


def person_out(card: dict) -> PersonOut:
    fields = {f: card[f] for f in PersonOut.__struct_fields__ if f != "employment"}
    return PersonOut(**fields, employment=[EmploymentOut(**e) for e in card["employment"]])


def _merged(tenant: str, exc: persons.PersonMergedError, status: int) -> Response:
    url = person_url(tenant, exc.survivor_id)
    detail = "merged into another card"
    return Response(
        Merged(status, detail, exc.survivor_id, url), status_code=status, headers={"Location": url}
    )


async def _card(person_id: UUID) -> dict:
    try:
        return await persons.get_person(person_id)
    except persons.PersonNotFoundError as exc:
        raise NotFoundException() from exc


MERGED_GET = {
    **ERROR_RESPONSES,
    301: ResponseSpec(data_container=Merged, description="Merged: the surviving card's URL"),
}
MERGED_WRITE = {
    **ERROR_RESPONSES,
    410: ResponseSpec(data_container=Merged, description="Merged: write to the survivor"),
}


class PersonApiController(Controller):
    path = "/persons"
    tags = ["persons"]

    @get(
        "/",
        summary="List or search persons",
        description="In Finnish alphabetical order; `q` searches by name, e-mail, phone or "
        "keyword instead. The total count is in the `X-Total-Count` header.",
        response_headers=[TOTAL_COUNT],
    )
    async def list_persons(
        self,
        request: Request,
        tenant: FromPath[str],
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        include_departed: IncludeDeparted = False,
    ) -> Response[list[PersonSummary]]:
        if q and q.strip():
            found = await search(q, include_departed=include_departed, limit=SEARCH_WINDOW)
            hits = [item for item in found.items if item["kind"] == "person"]
            total = len(hits)
            items = [
                PersonSummary(
                    h["id"],
                    h["label"],
                    h["title"] or "",
                    h["organization_name"],
                    h["email"],
                    h["phone"],
                    h["left_organization_on"],
                )
                for h in hits[offset : offset + limit]
            ]
        else:
            rows, total = await persons.list_persons(
                include_departed=include_departed, limit=limit, offset=offset
            )
            items = [
                PersonSummary(
                    r["id"],
                    f"{r['first_name']} {r['last_name']}",
                    r["title"],
                    r["organization_name"],
                    r["email"],
                    r["phone"],
                    r["left_organization_on"],
                )
                for r in rows
            ]
        await read_audit.cards_read(request, [i.id for i in items], via="api", purpose="api")
        return Response(items, headers={"X-Total-Count": str(total)})

    @get("/{person_id:uuid}", summary="One card", responses=MERGED_GET)
    async def get_person(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[UUID]
    ) -> Response[PersonOut]:
        try:
            card = await _card(person_id)
        except persons.PersonMergedError as exc:
            return _merged(tenant, exc, 301)
        await read_audit.cards_read(request, [card["id"]], via="api", purpose="api")
        return Response(person_out(card))

    @post("/", summary="Create a card", responses=ERROR_RESPONSES)
    async def create_person(
        self, request: Request, tenant: FromPath[str], data: JSONBody[PersonIn]
    ) -> Response[PersonOut]:
        values = persons.PersonInput(**msgspec.structs.asdict(data))
        person_id = await persons.create_person(values, actor=writer_label(request))
        await register_audit.person_created(request, person_id, values, via="api")
        return Response(
            person_out(await _card(person_id)),
            status_code=201,
            headers={"Location": person_url(tenant, person_id)},
        )

    @put("/{person_id:uuid}", summary="Replace a card", responses=MERGED_WRITE)
    async def replace_person(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[UUID],
        data: JSONBody[PersonIn],
    ) -> Response[PersonOut]:
        return await self._save(request, tenant, person_id, msgspec.structs.asdict(data))

    @patch("/{person_id:uuid}", summary="Change some fields of a card", responses=MERGED_WRITE)
    async def patch_person(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[UUID],
        data: JSONBody[PersonPatch],
    ) -> Response[PersonOut]:
        sent = {f: v for f, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return await self._save(request, tenant, person_id, sent, partial=True)

    async def _save(
        self, request: Request, tenant: str, person_id: UUID, values: dict, *, partial: bool = False
    ) -> Response[PersonOut]:
        try:
            current = await _card(person_id)
        except persons.PersonMergedError as exc:
            return _merged(tenant, exc, 410)
        fields = {f: current[f] for f in _FIELDS} if partial else {}
        fields.update(values)
        changes = await persons.update_person(
            person_id, persons.PersonInput(**fields), actor=writer_label(request)
        )
        await register_audit.person_updated(request, person_id, changes, via="api")
        return Response(person_out(await _card(person_id)))
