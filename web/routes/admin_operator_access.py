"""The tenant admins' view of the service provider's access: break-glass grants (active and
past, revocable) and the export archives operators asked for (downloadable only here)."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import audit
from core.context import current_tenant
from tenants.archive import archives, read_archive
from tenants.break_glass import (
    close_expired_grants,
    grants_for_current_tenant,
    revoke_by_tenant_admin,
)
from tenants.scope import run_outside_scope
from web.auth import ADMIN_ONLY, current_user


class AdminOperatorAccessController(Controller):
    path = "/t/{tenant:str}/admin/operator-access"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def page(self, request: Request, tenant: FromPath[str]) -> HTMXTemplate:
        await run_outside_scope(close_expired_grants)
        grants = await grants_for_current_tenant()
        return HTMXTemplate(
            template_name="admin/operator_access.html",
            context={
                "tenant": current_tenant(),
                "active": [g for g in grants if g["active"]],
                "past": [g for g in grants if not g["active"]],
                "archives": await archives(),
                "done": request.query_params.get("done", ""),
            },
            headers={"Cache-Control": "no-store"},
        )

    @post("/{grant_id:uuid}/revoke")
    async def revoke(
        self, request: Request, tenant: FromPath[str], grant_id: FromPath[uuid.UUID]
    ) -> Response:
        grant = await revoke_by_tenant_admin(grant_id, current_user(request))
        if grant is None and all(g["id"] != grant_id for g in await grants_for_current_tenant()):
            raise NotFoundException()  # not this tenant's grant (another tenant's id is 404)
        done = "revoked" if grant is not None else "not_active"
        return Redirect(f"/t/{tenant}/admin/operator-access/?done={done}", status_code=303)

    @get("/archives/{name:str}")
    async def download(
        self, request: Request, tenant: FromPath[str], name: FromPath[str]
    ) -> Response:
        data = await read_archive(name)
        if data is None:
            raise NotFoundException()
        await audit.record(
            "archive.downloaded",
            actor=audit.Actor.user(current_user(request)),
            object_kind="archive",
            object_id=name,
        )
        return Response(
            data,
            media_type="application/gzip",
            headers={
                "Content-Disposition": f'attachment; filename="kortisto-{tenant}-{name}"',
                "Cache-Control": "no-store",
            },
        )
