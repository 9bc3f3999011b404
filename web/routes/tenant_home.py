"""The tenant's front page: who the register belongs to and where to go next."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate

from core.context import current_tenant
from core.organizations import count_organizations
from core.persons import list_persons


class TenantHomeController(Controller):
    path = "/t/{tenant:str}"

    @get("/")
    async def home(self, tenant: FromPath[str]) -> HTMXTemplate:
        info = current_tenant()
        organizations = await count_organizations()
        _, persons = await list_persons(limit=0)
        return HTMXTemplate(
            template_name="tenant_home.html",
            context={
                "tenant": info, "organization_count": organizations, "person_count": persons,
            },
        )
