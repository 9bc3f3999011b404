"""Organizations as pages: the list, the organization page with its people (current and
former), and create/edit forms whose field errors say what is wrong (a bad Y-tunnus: why).
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core.attachments import Owner
from core.organizations import (
    OrganizationNotFoundError,
    count_organizations,
    create_organization,
    get_organization,
    list_organizations,
    organization_people,
    update_organization,
)
from core.validation import ValidationFailed
from web import read_audit, register_audit
from web.content_access import organization_content
from web.forms import (
    ORGANIZATION_FIELDS,
    PAGE_SIZE,
    error_messages,
    form_values,
    ordered_errors,
    organization_input,
    page_number,
    pager,
    parse_uuid,
    render,
    tenant_context,
    wants_fragment,
)
from web.record_pages import page_sections
from web.record_sections import Owner as RecordOwner
from web.register_audit import writer_label
from web.routes.attachments import attachment_section

LIST_TEMPLATE = "organizations/list.html"
PAGE_TEMPLATE = "organizations/detail.html"
FORM_TEMPLATE = "organizations/form.html"


async def _organization(raw_id: str) -> dict:
    try:
        return await get_organization(parse_uuid(raw_id))
    except OrganizationNotFoundError as exc:
        raise NotFoundException() from exc


def _values(org: dict) -> dict[str, str]:
    return {name: str(org.get(name) or "") for name in ORGANIZATION_FIELDS}


def _url(org_id: uuid.UUID, suffix: str = "") -> str:
    return f"{tenant_context()['base']}/organizations/{org_id}{suffix}"


def _form_page(
    request: Request,
    *,
    values: dict[str, str],
    organization: dict | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    error_list = ordered_errors(errors or {}, ORGANIZATION_FIELDS)
    base = tenant_context()["base"]
    context = {
        **tenant_context(),
        "current": "organizations",
        "organization": organization,
        "values": values,
        "errors": errors or {},
        "error_list": error_list,
        "first_error": error_list[0][0] if error_list else None,
        "action": _url(organization["id"], "/edit")
        if organization
        else f"{base}/organizations/new",
    }
    return render(request, FORM_TEMPLATE, context)


async def _save(request: Request, organization: dict | None) -> Response:
    values = form_values(await request.form(), ORGANIZATION_FIELDS)
    try:
        data = organization_input(values)
        if organization:
            org_id = organization["id"]
            changes = await update_organization(org_id, data, actor=writer_label(request))
        else:
            org_id = (await create_organization(data, actor=writer_label(request)))["id"]
    except ValidationFailed as exc:
        errors = error_messages(exc, values)
        return _form_page(request, values=values, organization=organization, errors=errors)
    if organization:
        await register_audit.organization_updated(request, org_id, changes, via="page")
    else:
        await register_audit.organization_created(request, org_id, data, via="page")
    return Redirect(_url(org_id), status_code=303)


class OrganizationPagesController(Controller):
    path = "/t/{tenant:str}/organizations"
    include_in_schema = False

    @get("/")
    async def list_page(
        self, request: Request, tenant: FromPath[str], page: FromQuery[str] = ""
    ) -> Response:
        total = await count_organizations()
        paging = pager(request.url.path, {}, page_number(page), total, PAGE_SIZE)
        rows = await list_organizations(limit=PAGE_SIZE, offset=paging.offset)
        context = {
            **tenant_context(),
            "current": "organizations",
            "rows": rows,
            "total": total,
            "pager": paging,
        }
        block = "results" if wants_fragment(request) else None
        return render(request, LIST_TEMPLATE, context, block=block)

    @get("/new")
    async def new_form(self, request: Request, tenant: FromPath[str]) -> Response:
        values = dict.fromkeys(ORGANIZATION_FIELDS, "")
        values.update(country="FI", status="active")
        return _form_page(request, values=values)

    @post("/new")
    async def create(self, request: Request, tenant: FromPath[str]) -> Response:
        return await _save(request, None)

    @get("/{org_id:str}")
    async def organization_page(
        self, request: Request, tenant: FromPath[str], org_id: FromPath[str]
    ) -> Response:
        org = await _organization(org_id)
        people = await organization_people(org["id"])
        await read_audit.cards_read(
            request,
            [p["id"] for p in people["current"] + people["former"]],
            via="organization_page",
            organization=str(org["id"]),
        )
        context = {
            **tenant_context(),
            "current": "organizations",
            "organization": org,
            "people": people,
            **await organization_content(request, org["id"]),
            "attachment_section": await attachment_section(
                request, Owner("organization", org["id"])
            ),
        }
        owner = RecordOwner("organization", org["id"], _url(org["id"]))
        context.update(await page_sections(owner, request))  # contacts, orders, payments, …
        return render(request, PAGE_TEMPLATE, context)

    @get("/{org_id:str}/edit")
    async def edit_form(
        self, request: Request, tenant: FromPath[str], org_id: FromPath[str]
    ) -> Response:
        org = await _organization(org_id)
        return _form_page(request, values=_values(org), organization=org)

    @post("/{org_id:str}/edit")
    async def save_edit(
        self, request: Request, tenant: FromPath[str], org_id: FromPath[str]
    ) -> Response:
        return await _save(request, await _organization(org_id))
