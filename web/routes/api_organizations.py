"""JSON API v1 under /t/<slug>/api/v1: the router, its error format, and organizations.

Every API controller hangs on the one router `api_router()` builds, so what applies to the
whole API (the error format now, the API-key guard when it comes) is set in one place.

Errors are JSON in one shape, `{"status", "detail", "errors": [{"field", "code", "message"}]}`:
422 for the register's own validation (ValidationFailed) and for request bodies or query
parameters Litestar cannot read into the declared types; 404 for unknown ids and malformed
UUIDs. Updates: PUT replaces the whole record (a field left out gets its default), PATCH changes
only the fields sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, Router, get, patch, post, put
from litestar.datastructures import ResponseHeader
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from core import organizations
from core.search import search
from core.validation import ValidationFailed
from web import register_audit
from web.register_audit import writer_label

API_PATH = "/t/{tenant:str}/api/v1"
MAX_LIMIT = 500
SEARCH_WINDOW = 1000  # organization hits are picked out of at most this many search results

# --- errors --------------------------------------------------------------------------------


class FieldError(msgspec.Struct):
    field: str
    code: str
    message: str


class ApiError(msgspec.Struct):
    status: int
    detail: str
    errors: list[FieldError] = []


def error_response(status: int, detail: str, errors: list[FieldError] | None = None) -> Response:
    return Response(ApiError(status, detail, errors or []), status_code=status)


def validation_response(exc: ValidationFailed) -> Response:
    return error_response(
        422,
        "validation failed",
        [FieldError(f, code, message) for f, (code, message) in exc.errors.items()],
    )


def _register_validation(request: Request, exc: ValidationFailed) -> Response:
    return validation_response(exc)


def _request_validation(request: Request, exc: ValidationException) -> Response:
    """Litestar's own body/query validation, in the register's 422 shape."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        FieldError(
            str(item.get("key") or item.get("source") or "body"),
            "invalid",
            str(item.get("message", "")),
        )
        for item in extra
        if isinstance(item, dict)
    ]
    return error_response(422, "validation failed", errors or [FieldError("body", "invalid", "")])


def _http_error(request: Request, exc: HTTPException) -> Response:
    detail = {404: "not found", 403: "forbidden"}.get(exc.status_code, exc.detail)
    return error_response(exc.status_code, detail)


API_EXCEPTION_HANDLERS = {
    ValidationFailed: _register_validation,
    ValidationException: _request_validation,
    NotFoundException: _http_error,
    PermissionDeniedException: _http_error,
    HTTPException: _http_error,
}

ERROR_RESPONSES = {
    404: ResponseSpec(data_container=ApiError, description="No such record"),
    422: ResponseSpec(data_container=ApiError, description="Validation failed, with fields"),
}


def api_router(*controllers: type[Controller]) -> Router:
    """The API v1 router; the API-key guard (scopes) belongs here, for every controller."""
    return Router(
        path=API_PATH,
        route_handlers=list(controllers),
        exception_handlers=API_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )


TOTAL_COUNT = ResponseHeader(
    name="X-Total-Count", description="Rows in all pages", documentation_only=True
)

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, description="Rows to skip")]
Search = Annotated[
    str | None, QueryParameter(description="Search by name, e-mail, phone or business ID")
]

# --- organizations -------------------------------------------------------------------------


class OrganizationIn(msgspec.Struct):
    """A whole organization (POST, PUT)."""

    name: str
    business_id: str | None = None
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FI"
    einvoice_address: str = ""
    einvoice_operator: str = ""
    status: str = "active"


class OrganizationPatch(msgspec.Struct):
    """Only the fields sent are changed (PATCH)."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    business_id: str | None | msgspec.UnsetType = msgspec.UNSET
    street_address: str | msgspec.UnsetType = msgspec.UNSET
    postal_code: str | msgspec.UnsetType = msgspec.UNSET
    city: str | msgspec.UnsetType = msgspec.UNSET
    country: str | msgspec.UnsetType = msgspec.UNSET
    einvoice_address: str | msgspec.UnsetType = msgspec.UNSET
    einvoice_operator: str | msgspec.UnsetType = msgspec.UNSET
    status: str | msgspec.UnsetType = msgspec.UNSET


class OrganizationSummary(msgspec.Struct):
    id: UUID
    name: str
    business_id: str | None
    city: str
    status: str


class OrganizationOut(msgspec.Struct):
    id: UUID
    name: str
    business_id: str | None
    vat_number: str | None
    street_address: str
    postal_code: str
    city: str
    country: str
    einvoice_address: str
    einvoice_operator: str
    status: str
    created_at: datetime
    updated_at: datetime


def organization_out(row: dict) -> OrganizationOut:
    return OrganizationOut(**{f: row[f] for f in OrganizationOut.__struct_fields__})


async def _organization(org_id: UUID) -> dict:
    try:
        return await organizations.get_organization(org_id)
    except organizations.OrganizationNotFoundError as exc:
        raise NotFoundException() from exc


def organization_url(tenant: str, org_id: UUID) -> str:
    return f"/t/{tenant}/api/v1/organizations/{org_id}"


class OrganizationApiController(Controller):
    path = "/organizations"
    tags = ["organizations"]

    @get(
        "/",
        summary="List or search organizations",
        description="In Finnish alphabetical order; `q` searches instead. The total count is in "
        "the `X-Total-Count` header.",
        response_headers=[TOTAL_COUNT],
    )
    async def list_organizations(
        self, tenant: FromPath[str], limit: Limit = 50, offset: Offset = 0, q: Search = None
    ) -> Response[list[OrganizationSummary]]:
        if q and q.strip():
            # One search box finds persons and organizations; keep the organizations.
            found = await search(q, limit=SEARCH_WINDOW)
            hits = [item for item in found.items if item["kind"] == "organization"]
            total = len(hits)
            rows = [await _organization(h["id"]) for h in hits[offset : offset + limit]]
        else:
            rows = await organizations.list_organizations(limit=limit, offset=offset)
            total = await organizations.count_organizations()
        items = [
            OrganizationSummary(r["id"], r["name"], r["business_id"], r["city"], r["status"])
            for r in rows
        ]
        return Response(items, headers={"X-Total-Count": str(total)})

    @get("/{org_id:uuid}", summary="One organization", responses=ERROR_RESPONSES)
    async def get_organization(
        self, tenant: FromPath[str], org_id: FromPath[UUID]
    ) -> OrganizationOut:
        return organization_out(await _organization(org_id))

    @post("/", summary="Create an organization", responses=ERROR_RESPONSES)
    async def create_organization(
        self, request: Request, tenant: FromPath[str], data: JSONBody[OrganizationIn]
    ) -> Response[OrganizationOut]:
        values = organizations.OrganizationInput(**msgspec.structs.asdict(data))
        made = await organizations.create_organization(values, actor=writer_label(request))
        await register_audit.organization_created(request, made["id"], values, via="api")
        return Response(
            organization_out(await _organization(made["id"])),
            status_code=201,
            headers={"Location": organization_url(tenant, made["id"])},
        )

    @put("/{org_id:uuid}", summary="Replace an organization", responses=ERROR_RESPONSES)
    async def replace_organization(
        self,
        request: Request,
        tenant: FromPath[str],
        org_id: FromPath[UUID],
        data: JSONBody[OrganizationIn],
    ) -> OrganizationOut:
        await _organization(org_id)
        return await _save(request, org_id, msgspec.structs.asdict(data))

    @patch(
        "/{org_id:uuid}", summary="Change some fields of an organization", responses=ERROR_RESPONSES
    )
    async def patch_organization(
        self,
        request: Request,
        tenant: FromPath[str],
        org_id: FromPath[UUID],
        data: JSONBody[OrganizationPatch],
    ) -> OrganizationOut:
        current = await _organization(org_id)
        merged = {f: current[f] for f in organizations.EDITABLE}
        merged.update(
            {
                f: value
                for f, value in msgspec.structs.asdict(data).items()
                if value is not msgspec.UNSET
            }
        )
        return await _save(request, org_id, merged)


async def _save(request: Request, org_id: UUID, values: dict) -> OrganizationOut:
    changes = await organizations.update_organization(
        org_id, organizations.OrganizationInput(**values), actor=writer_label(request)
    )
    await register_audit.organization_updated(request, org_id, changes, via="api")
    return organization_out(await _organization(org_id))
