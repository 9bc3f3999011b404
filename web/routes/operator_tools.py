"""Operator actions on one tenant that do not change its life cycle: export to the tenant's own
bucket, plugin allowances, break-glass grants; and the platform audit itself."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import break_glass, platform_audit, plugin_allowances
from tenants.archive import request_export
from tenants.break_glass import open_grant, revoke_by_operator
from tenants.scope import TenantSuspendedError, UnknownTenantError, platform_transaction
from web.i18n import gettext as _
from web.operator_auth import OPERATOR_EXCEPTION_HANDLERS, current_operator, operator_guard
from web.routes.operator_console import tenant_page

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _grant_errors(exc: break_glass.GrantRefused) -> dict[str, str]:
    messages = {
        "reason": _("Kirjoita syy, jonka vuoksi tarvitset pääsyn (vähintään %(n)s merkkiä).")
        % {"n": break_glass.MIN_REASON_LENGTH},
        "duration": _("Kesto on 1–%(max)s minuuttia.") % {"max": break_glass.MAX_MINUTES},
        "tenant": _("Rekisteri ei ole käytössä; pääsyä ei voi avata."),
        "already_active": _("Sinulla on jo voimassa oleva pääsy tähän rekisteriin."),
    }
    field = "minutes" if exc.code == "duration" else "reason" if exc.code == "reason" else "grant"
    return {field: messages[exc.code]}


class OperatorToolsController(Controller):
    path = "/operator"
    guards = [operator_guard]
    exception_handlers = OPERATOR_EXCEPTION_HANDLERS  # type: ignore[assignment]
    include_in_schema = False

    @post("/tenants/{slug:str}/export")
    async def export(self, request: Request, slug: FromPath[str]) -> Response:
        try:
            await request_export(slug, current_operator(request))
        except (UnknownTenantError, TenantSuspendedError):
            return await tenant_page(
                request,
                slug,
                status=409,
                errors={"export": _("Vain käytössä olevan rekisterin voi viedä.")},
            )
        return Redirect(f"/operator/tenants/{slug}?done=export", status_code=303)

    @post("/tenants/{slug:str}/plugins")
    async def plugins(self, request: Request, slug: FromPath[str], data: Form) -> Response:
        operator = current_operator(request)
        changed = []
        async with platform_transaction():
            for plugin in plugin_allowances.known_plugins():
                allowed = data.get(f"plugin:{plugin}") == "on"
                try:
                    if await plugin_allowances.set_allowed(
                        slug, plugin, allowed, changed_by=operator["email"]
                    ):
                        changed.append({"plugin": plugin, "allowed": allowed})
                except LookupError as exc:
                    raise NotFoundException() from exc
            if changed:
                await platform_audit.record(
                    "tenant.plugins",
                    operator=operator,
                    tenant_slug=slug,
                    detail={"changed": changed},
                )
        return Redirect(f"/operator/tenants/{slug}?done=plugins", status_code=303)

    @post("/tenants/{slug:str}/break-glass")
    async def start_break_glass(
        self, request: Request, slug: FromPath[str], data: Form
    ) -> Response:
        try:
            minutes = int(data.get("minutes") or "0")
        except ValueError:
            minutes = 0
        try:
            await open_grant(current_operator(request), slug, data.get("reason") or "", minutes)
        except break_glass.GrantRefused as exc:
            return await tenant_page(request, slug, errors=_grant_errors(exc), status=400)
        return Redirect(f"/t/{slug}/", status_code=303)

    @post("/break-glass/{grant_id:uuid}/end")
    async def end_break_glass(self, request: Request, grant_id: FromPath[uuid.UUID]) -> Response:
        grant = await revoke_by_operator(current_operator(request), grant_id)
        if grant is None:
            raise NotFoundException()
        return Redirect("/operator/?done=grant_ended", status_code=303)

    @get("/audit")
    async def audit_log(self, request: Request) -> HTMXTemplate:
        tenant = request.query_params.get("tenant") or None
        async with platform_transaction():
            events = await platform_audit.recent(tenant_slug=tenant, limit=200)
        return HTMXTemplate(
            template_name="operator/audit.html",
            context={"operator": current_operator(request), "events": events, "tenant": tenant},
        )
