"""Admin page: the register's security settings (TOTP required for admins; personal identity
codes on or off, with the written justification enabling them needs)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import audit, audit_retention, hetu
from core.context import current_tenant
from core.db import DB
from core.tenant_settings import (
    AUDIT_RETENTION_MONTHS,
    get_setting,
    set_setting,
    set_totp_required_for_admins,
    totp_required_for_admins,
)
from core.validation import ValidationFailed
from web.auth import ADMIN_ONLY, current_user
from web.content_access import actor_of
from web.i18n import _

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class AdminSettingsController(Controller):
    path = "/t/{tenant:str}/admin/settings"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def settings_page(
        self, tenant: FromPath[str], saved: FromQuery[bool] = False
    ) -> HTMXTemplate:
        return await self._page(saved=saved)

    @staticmethod
    async def _page(
        *, saved: bool = False, errors: dict | None = None, values: dict | None = None
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
                "hetu": await hetu.status(),
                "audit_retention_months": await get_setting(AUDIT_RETENTION_MONTHS),
                "retention_range": (audit_retention.MIN_MONTHS, audit_retention.MAX_MONTHS),
                "errors": errors or {},
                "values": values or {},
            },
            status_code=422 if errors else 200,
        )

    @post("/")
    async def save(self, request: Request, tenant: FromPath[str], data: Form) -> Response:
        me = current_user(request)
        # A form without the field (an older page) keeps the retention as it is.
        current_months = await get_setting(AUDIT_RETENTION_MONTHS)
        raw_months = data.get("audit_retention_months", current_months)
        try:
            months = audit_retention.parse_months(raw_months)
        except ValueError:
            message = _("Anna säilytysaika kokonaisina kuukausina väliltä %(min)s–%(max)s.") % {
                "min": audit_retention.MIN_MONTHS,
                "max": audit_retention.MAX_MONTHS,
            }
            return await self._page(errors={AUDIT_RETENTION_MONTHS: message}, values=dict(data))
        hetu_on = data.get("hetu_enabled") == "1"
        justification = data.get("hetu_justification") or ""
        try:
            changed = await hetu.set_enabled(hetu_on, justification, changed_by=str(me["id"]))
        except ValidationFailed as exc:
            errors = {
                name: _(
                    "Henkilötunnusten käyttöönotto vaatii palvelimelle avaimen (KORTISTO_HETU_KEY)."
                )
                if kind == "no_key"
                else _(
                    "Kirjoita perustelu (vähintään %(min)s merkkiä): miksi rekisterissä "
                    "tarvitaan henkilötunnuksia."
                )
                % {"min": hetu.JUSTIFICATION_MIN}
                if kind == "required"
                else _("Perustelu on liian pitkä.")
                for name, (kind, _english) in exc.errors.items()
            }
            return await self._page(errors=errors, values=dict(data))
        if changed:
            await audit.record(
                "settings.hetu_enable" if hetu_on else "settings.hetu_disable",
                actor=actor_of(request),
                object_kind="setting",
                object_id=hetu.ENABLED,
                detail={"justification_length": len(justification.strip())},
            )
        if str(months) != current_months:
            await set_setting(AUDIT_RETENTION_MONTHS, str(months), changed_by=str(me["id"]))
            await audit.record(
                "settings.audit_retention",
                actor=actor_of(request),
                object_kind="setting",
                object_id=AUDIT_RETENTION_MONTHS,
                detail={"months": months},
            )
        await set_totp_required_for_admins(
            data.get("totp_required_for_admins") == "1", changed_by=str(me["id"])
        )
        return Redirect(f"/t/{tenant}/admin/settings/?saved=true", status_code=303)
