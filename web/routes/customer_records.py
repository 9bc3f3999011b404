"""The customer-data sections of the person page (contact history, feedback, personalisation and
restrictions, comments, the timeline), of the organization page (contact history, feedback,
orders, payments, comments) and a content item's comments: each section's fragment, adding,
deleting after a confirmation and ending a restriction. Staff and admins only (the access
guard's default roles); an item's comments only for those who may see the item.

What each section holds is in `web.record_sections`; how it answers, in `web.record_pages`.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from web import read_audit
from web import record_pages as pages
from web.forms import tenant_context
from web.record_sections import Owner


async def _owner(kind: str, raw_id: str, request: Request) -> Owner:
    return await pages.owner_of(kind, raw_id, tenant_context()["base"], request)


class PersonRecordsController(Controller):
    path = "/t/{tenant:str}/persons/{person_id:str}"
    include_in_schema = False

    @get("/records/{section:str}")
    async def section(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        section: FromPath[str],
    ) -> Response:
        owner = await _owner("person", person_id, request)
        response = await pages.show_section(request, owner, section)
        if response.status_code < 400:
            await read_audit.cards_read(request, [owner.id], via=f"records:{section}")
        return response

    @post("/records/{section:str}")
    async def add(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        section: FromPath[str],
    ) -> Response:
        return await pages.add_record(request, await _owner("person", person_id, request), section)

    @get("/records/{section:str}/{record_id:str}/delete")
    async def confirm_delete(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        owner = await _owner("person", person_id, request)
        return await pages.confirm_delete(request, owner, section, record_id)

    @post("/records/{section:str}/{record_id:str}/delete")
    async def delete(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        owner = await _owner("person", person_id, request)
        return await pages.delete_record(request, owner, section, record_id)

    @post("/records/{section:str}/{record_id:str}/end")
    async def end(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        """A restriction or personalisation no longer applies (kept as history)."""
        owner = await _owner("person", person_id, request)
        return await pages.end_record(request, owner, section, record_id)

    @get("/timeline")
    async def timeline(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        page: FromQuery[str] = "",
        part: FromQuery[str] = "",
    ) -> Response:
        owner = await _owner("person", person_id, request)
        response = await pages.show_timeline(request, owner, page, part)
        if response.status_code < 400:
            await read_audit.cards_read(request, [owner.id], via="timeline")
        return response


class OrganizationRecordsController(Controller):
    path = "/t/{tenant:str}/organizations/{org_id:str}"
    include_in_schema = False

    @get("/records/{section:str}")
    async def section(
        self, request: Request, tenant: FromPath[str], org_id: FromPath[str], section: FromPath[str]
    ) -> Response:
        return await pages.show_section(
            request, await _owner("organization", org_id, request), section
        )

    @post("/records/{section:str}")
    async def add(
        self, request: Request, tenant: FromPath[str], org_id: FromPath[str], section: FromPath[str]
    ) -> Response:
        return await pages.add_record(
            request, await _owner("organization", org_id, request), section
        )

    @get("/records/{section:str}/{record_id:str}/delete")
    async def confirm_delete(
        self,
        request: Request,
        tenant: FromPath[str],
        org_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        owner = await _owner("organization", org_id, request)
        return await pages.confirm_delete(request, owner, section, record_id)

    @post("/records/{section:str}/{record_id:str}/delete")
    async def delete(
        self,
        request: Request,
        tenant: FromPath[str],
        org_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        owner = await _owner("organization", org_id, request)
        return await pages.delete_record(request, owner, section, record_id)


class ItemCommentsController(Controller):
    """Comments of a content item, drawn into the item's page; only for those who see it."""

    path = "/t/{tenant:str}/content/{item_id:str}"
    include_in_schema = False

    @get("/records/{section:str}")
    async def section(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        section: FromPath[str],
    ) -> Response:
        return await pages.show_section(request, await _owner("item", item_id, request), section)

    @post("/records/{section:str}")
    async def add(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        section: FromPath[str],
    ) -> Response:
        return await pages.add_record(request, await _owner("item", item_id, request), section)

    @get("/records/{section:str}/{record_id:str}/delete")
    async def confirm_delete(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        owner = await _owner("item", item_id, request)
        return await pages.confirm_delete(request, owner, section, record_id)

    @post("/records/{section:str}/{record_id:str}/delete")
    async def delete(
        self,
        request: Request,
        tenant: FromPath[str],
        item_id: FromPath[str],
        section: FromPath[str],
        record_id: FromPath[str],
    ) -> Response:
        owner = await _owner("item", item_id, request)
        return await pages.delete_record(request, owner, section, record_id)
