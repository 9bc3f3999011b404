"""The operator console: tenants with their usage, and their life cycle (create, suspend,
resume, delete) through tenants.provisioning. Each change needs the tenant's slug typed again
and is written to the platform audit. Usage is counts and sizes only, never personal data.

Path parameters here are called `slug`, not `tenant`: these are platform pages, so no tenant
scope is opened for them and the tenant access guard does not apply.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from core import break_glass, platform_audit, plugin_allowances
from core.db import DatabaseNotConfiguredError
from core.settings import get_settings
from core.storage import ObjectStore
from core.validation import ValidationFailed, normalise_business_id
from tenants import provisioning
from tenants.break_glass import close_expired_grants
from tenants.naming import InvalidSlugError, validate_slug
from tenants.scope import forget_cached_tenant, platform_transaction
from tenants.usage import all_usage, usage_of
from web.i18n import gettext as _
from web.operator_auth import OPERATOR_EXCEPTION_HANDLERS, current_operator, operator_guard

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
LIFECYCLE = ("suspend", "resume", "delete")


def slug_rules_message() -> str:
    """What a tenant slug may be, in the request's language."""
    return _(
        "Tunnus ei kelpaa. Käytä 2–40 merkkiä: pieniä kirjaimia a–z, numeroita ja yksittäisiä "
        "väliviivoja; ensimmäinen merkki on kirjain. Varatut sanat (esimerkiksi admin, api, "
        "operator) eivät käy."
    )


def object_store() -> ObjectStore:
    return ObjectStore.from_settings(get_settings())


async def audit_platform(operator: dict, action: str, slug: str | None, **detail) -> None:
    async with platform_transaction():
        await platform_audit.record(action, operator=operator, tenant_slug=slug, detail=detail)


async def tenant_page(
    request: Request, slug: str, *, errors: dict | None = None, status: int = 200
) -> HTMXTemplate:
    """One tenant: usage, life-cycle actions, export, plugins, break-glass, recent audit."""
    usage = await usage_of(slug, object_store())
    if usage is None:
        raise NotFoundException()
    async with platform_transaction():
        allowed = await plugin_allowances.allowances(slug)
        events = await platform_audit.recent(tenant_slug=slug, limit=30)
    operator = current_operator(request)
    return HTMXTemplate(
        template_name="operator/tenant.html",
        context={
            "operator": operator,
            "usage": usage,
            "events": events,
            "plugins": [(p, allowed.get(p, False)) for p in plugin_allowances.known_plugins()],
            "errors": errors or {},
            "done": request.query_params.get("done", ""),
            "max_minutes": break_glass.MAX_MINUTES,
        },
        status_code=status,
    )


class OperatorConsoleController(Controller):
    path = "/operator"
    guards = [operator_guard]
    exception_handlers = OPERATOR_EXCEPTION_HANDLERS  # type: ignore[assignment]
    include_in_schema = False

    @get("/")
    async def console(self, request: Request) -> HTMXTemplate:
        operator = current_operator(request)
        await close_expired_grants()
        async with platform_transaction():
            grants = await break_glass.grants_of_operator(operator["id"], limit=10)
        return HTMXTemplate(
            template_name="operator/console.html",
            context={
                "operator": operator,
                "tenants": await all_usage(object_store()),
                "grants": grants,
                "done": request.query_params.get("done", ""),
            },
        )

    @get("/new-tenant")
    async def new_tenant(self, request: Request) -> HTMXTemplate:
        return self._new_page(request, {}, {})

    def _new_page(self, request: Request, form: dict, errors: dict, status: int = 200):
        return HTMXTemplate(
            template_name="operator/new_tenant.html",
            context={"operator": current_operator(request), "form": form, "errors": errors},
            status_code=status,
        )

    @post("/tenants")
    async def create_tenant(self, request: Request, data: Form) -> Response:
        operator = current_operator(request)
        slug = (data.get("slug") or "").strip()
        name = (data.get("name") or "").strip()
        errors: dict[str, str] = {}
        try:
            validate_slug(slug)
        except InvalidSlugError:
            errors["slug"] = slug_rules_message()
        if not name:
            errors["name"] = _("Kirjoita yrityksen nimi, esimerkiksi ”Acme Oy”.")
        try:
            business_id = normalise_business_id(data.get("business_id"))
        except ValidationFailed:
            errors["business_id"] = _(
                "Y-tunnus ei kelpaa (muoto 1234567-1, tarkistenumeron pitää täsmätä)."
            )
            business_id = None
        if (data.get("confirm") or "").strip() != slug:
            errors["confirm"] = _("Kirjoita tunnus uudelleen täsmälleen samoin.")
        if not errors:
            settings = get_settings()
            try:
                names = await provisioning.create_tenant(
                    slug,
                    name,
                    store=object_store(),
                    app_role=settings.database.app_role,
                    business_id=business_id,
                    bucket_prefix=settings.object_store.bucket_prefix,
                )
            except provisioning.TenantExistsError:
                errors["slug"] = _("Tällä tunnuksella on jo rekisteri.")
            except DatabaseNotConfiguredError:
                errors["form"] = _(
                    "Tämä palvelin ei voi perustaa rekisteriä (DATABASE_ADMIN_URL "
                    "puuttuu). Käytä komentoa kortisto tenant create."
                )
            else:
                await audit_platform(operator, "tenant.create", names.slug, name=name)
                return Redirect(f"/operator/tenants/{names.slug}?done=created", status_code=303)
        return self._new_page(request, data, errors, status=400)

    @get("/tenants/{slug:str}")
    async def tenant(self, request: Request, slug: FromPath[str]) -> HTMXTemplate:
        return await tenant_page(request, slug)

    @get("/tenants/{slug:str}/{action:str}")
    async def confirm_form(
        self, request: Request, slug: FromPath[str], action: FromPath[str]
    ) -> HTMXTemplate:
        return await self._confirm_page(request, slug, action)

    async def _confirm_page(
        self, request: Request, slug: str, action: str, *, error: str = "", status: int = 200
    ) -> HTMXTemplate:
        if action not in LIFECYCLE:
            raise NotFoundException()
        usage = await usage_of(slug, None)
        if usage is None:
            raise NotFoundException()
        return HTMXTemplate(
            template_name="operator/confirm.html",
            context={
                "operator": current_operator(request),
                "usage": usage,
                "action": action,
                "error": error,
            },
            status_code=status,
        )

    @post("/tenants/{slug:str}/{action:str}")
    async def lifecycle(
        self, request: Request, slug: FromPath[str], action: FromPath[str], data: Form
    ) -> Response:
        if action not in LIFECYCLE:
            raise NotFoundException()
        if (data.get("confirm") or "").strip() != slug:
            return await self._confirm_page(
                request,
                slug,
                action,
                status=400,
                error=_("Kirjoita rekisterin tunnus %(slug)s vahvistukseksi.") % {"slug": slug},
            )
        operator = current_operator(request)
        settings = get_settings()
        try:
            if action == "delete":
                # As `kortisto tenant delete` does: a copy on the server first, then the drop.
                path = await provisioning.export_tenant(slug, settings.data_dir / "exports")
                await provisioning.delete_tenant(
                    slug, store=object_store(), bucket_prefix=settings.object_store.bucket_prefix
                )
                await audit_platform(operator, "tenant.delete", slug, export_file=str(path))
                return Redirect("/operator/?done=deleted", status_code=303)
            status = "suspended" if action == "suspend" else "active"
            await provisioning.set_tenant_status(slug, status)
        except provisioning.TenantNotFoundError as exc:
            raise NotFoundException() from exc
        except DatabaseNotConfiguredError:
            return await self._confirm_page(
                request,
                slug,
                action,
                status=503,
                error=_(
                    "Tämä palvelin ei voi muuttaa rekisteriä (DATABASE_ADMIN_URL puuttuu). "
                    "Käytä komentoa kortisto tenant."
                ),
            )
        forget_cached_tenant(slug)
        await audit_platform(operator, f"tenant.{action}", slug)
        return Redirect(f"/operator/tenants/{slug}?done={action}", status_code=303)
