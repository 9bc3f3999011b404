"""JSON API for organizations under /t/<slug>/api/v1 (validation errors are 422 with fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from core import organizations
from core.validation import ValidationFailed


@dataclass
class OrganizationIn:
    name: str
    business_id: str | None = None


@dataclass
class OrganizationOut:
    id: UUID
    name: str
    business_id: str | None
    city: str = ""
    status: str = "active"


def validation_response(exc: ValidationFailed) -> Response:
    return Response(
        {
            "status": 422,
            "detail": "validation failed",
            "errors": [
                {"field": field, "code": code, "message": message}
                for field, (code, message) in exc.errors.items()
            ],
        },
        status_code=422,
    )


class OrganizationApiController(Controller):
    path = "/t/{tenant:str}/api/v1/organizations"
    tags = ["organizations"]

    @get("/")
    async def list_organizations(
        self,
        tenant: FromPath[str],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[OrganizationOut]:
        rows = await organizations.list_organizations(limit=limit, offset=offset)
        return [OrganizationOut(**row) for row in rows]

    @post("/")
    async def create_organization(
        self, tenant: FromPath[str], data: JSONBody[OrganizationIn]
    ) -> Response:
        try:
            row = await organizations.create_organization(
                organizations.OrganizationInput(name=data.name, business_id=data.business_id)
            )
        except ValidationFailed as exc:
            return validation_response(exc)
        return Response(OrganizationOut(**row), status_code=201)
