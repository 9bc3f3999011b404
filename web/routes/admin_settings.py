"""Admin page: the register's security settings (for now: TOTP required for admins)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core.context import current_tenant
from core.db import DB
from core.tenant_settings import set_totp_required_for_admins, totp_required_for_admins
from web.auth import ADMIN_ONLY, current_user

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class AdminSettingsController(Controller):
    path = "/t/{tenant:str}/admin/settings"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def settings_page(
        self, tenant: FromPath[str], saved: FromQuery[bool] = False
    ) -> HTMXTemplate:
        admins_without = await DB.current_connection().fetch(
            "SELECT email, display_name FROM app_user "
            "WHERE role = 'admin' AND active AND NOT totp_enabled ORDER BY email"
        )
        return HTMXTemplate(
            template_name="admin/settings.html",
            context={
                "tenant": current_tenant(),
                "totp_required": await totp_required_for_admins(),
                "admins_without_totp": [dict(r) for r in admins_without],
                "saved": saved,
            },
        )

    @post("/")
    async def save(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        me = current_user(request)
        await set_totp_required_for_admins(
            data.get("totp_required_for_admins") == "1", changed_by=str(me["id"])
        )
        return Redirect(f"/t/{tenant}/admin/settings/?saved=true", status_code=303)
