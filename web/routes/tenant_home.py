"""The tenant's front page: who the register belongs to and where to go next."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core.context import current_tenant
from core.organizations import count_organizations
from core.persons import list_persons
from web.auth import EVERY_ROLE, current_user


class TenantHomeController(Controller):
    path = "/t/{tenant:str}"

    # Every signed-in role lands here (after sign-in or an invitation); an end customer is
    # sent on to their own page before anything about the register is read.
    @get("/", opt={"roles": EVERY_ROLE})
    async def home(self, request: Request, tenant: FromPath[str]) -> Response | HTMXTemplate:
        if current_user(request)["role"] == "self":
            return Redirect(f"/t/{tenant}/me/", status_code=303)
        info = current_tenant()
        organizations = await count_organizations()
        _, persons = await list_persons(limit=0)
        return HTMXTemplate(
            template_name="tenant_home.html",
            context={
                "tenant": info,
                "organization_count": organizations,
                "person_count": persons,
            },
        )
