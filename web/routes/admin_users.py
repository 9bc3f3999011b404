"""Admin pages: the tenant's users (invite, change role, deactivate) and the mail outbox."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import invitations
from core.context import current_tenant
from core.db import DB
from core.mail import outbox
from core.settings import get_settings
from core.validation import ValidationFailed, normalise_email
from web.auth import ADMIN_ONLY, current_user, secret_key, session_store
from web.i18n import gettext as _

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
STAFF_ROLES = ("admin", "staff")


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFoundException() from exc


async def _users() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, email, display_name, role, active, totp_enabled, last_login_at "
        "FROM app_user ORDER BY active DESC, email"
    )
    return [dict(r) for r in rows]


async def _pending_invitations() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, email, role, expires_at, created_at FROM invitation "
        "WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > now() "
        "ORDER BY created_at DESC"
    )
    return [dict(r) for r in rows]


class AdminUsersController(Controller):
    path = "/t/{tenant:str}/admin"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/users")
    async def users(self, request: Request, tenant: FromPath[str]) -> HTMXTemplate:
        return await self._page(request, tenant)

    async def _page(
        self, request: Request, tenant: str, *, errors: dict | None = None,
        invited: dict | None = None, form: dict | None = None, status: int = 200,
    ) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="admin/users.html",
            context={
                "tenant": current_tenant(), "users": await _users(),
                "invitations": await _pending_invitations(), "errors": errors or {},
                "invited": invited, "form": form or {}, "me": current_user(request),
                "roles": STAFF_ROLES,
            },
            status_code=status,
        )

    @post("/users/invite")
    async def invite(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        email, role = (data.get("email") or "").strip(), data.get("role") or "staff"
        errors: dict[str, str] = {}
        if role not in STAFF_ROLES:
            errors["role"] = _("Valitse rooli.")
        try:
            normalised = normalise_email(email)[1]
        except ValidationFailed:
            errors["email"] = _("Sähköpostiosoite ”%(email)s” ei kelpaa.") % {"email": email}
            normalised = ""
        if normalised and await DB.current_connection().fetchval(
            "SELECT 1 FROM app_user WHERE email = $1", normalised
        ):
            errors["email"] = _("Osoitteella on jo tunnus.")
        if errors:
            return await self._page(request, tenant, errors=errors, form=data, status=400)
        issued = await invitations.issue(
            normalised, purpose="invite", role=role, secret_key=secret_key(),
            created_by=str(current_user(request)["id"]),
        )
        link = f"{get_settings().web.public_url}/t/{tenant}/invite/{issued.token}"
        await invitations.send(
            issued, normalised, link=link,
            subject=_("Kutsu rekisteriin: %(name)s") % {"name": current_tenant().name},
            body=_("Sinut on kutsuttu käyttämään rekisteriä. Avaa linkki {link} ja syötä "
                   "koodi {code}. Kutsu on voimassa seitsemän päivää."),
        )
        return await self._page(
            request, tenant, invited={"email": normalised, "key_code": issued.key_code}
        )

    @post("/users/{user_id:str}")
    async def update_user(
        self, request: Request, tenant: FromPath[str], user_id: FromPath[str], data: Form
    ) -> Response:
        target = _uuid(user_id)
        me = current_user(request)
        conn = DB.current_connection()
        row = await conn.fetchrow("SELECT id, role, active FROM app_user WHERE id = $1", target)
        if row is None or row["role"] == "self":
            raise NotFoundException()
        action = data.get("action")
        if target == me["id"] and action in ("deactivate", "role"):
            # An admin cannot lock themselves out (or leave the register without an admin).
            return await self._page(
                request, tenant, status=400,
                errors={"self": _("Et voi muuttaa omaa rooliasi tai poistaa omaa tunnustasi.")},
            )
        if action == "role" and data.get("role") in STAFF_ROLES:
            await conn.execute("UPDATE app_user SET role = $2 WHERE id = $1", target, data["role"])
        elif action == "deactivate":
            await conn.execute("UPDATE app_user SET active = false WHERE id = $1", target)
            await session_store().revoke_all(tenant, str(target))
        elif action == "activate":
            await conn.execute("UPDATE app_user SET active = true WHERE id = $1", target)
        elif action == "reset_totp":
            await conn.execute(
                "UPDATE app_user SET totp_enabled = false, totp_secret = NULL WHERE id = $1",
                target,
            )
        return Redirect(f"/t/{tenant}/admin/users", status_code=303)

    @get("/outbox")
    async def mail_outbox(self, tenant: FromPath[str]) -> HTMXTemplate:
        return HTMXTemplate(
            template_name="admin/outbox.html",
            context={"tenant": current_tenant(), "messages": await outbox(200)},
        )
