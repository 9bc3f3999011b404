"""The tenant admin's plugin page (/admin/plugins/): the plugins the operator allowed for this
tenant, each enabled or disabled and configured with the settings form it declares
(kortisto_settings_fields). Credentials are stored sealed and only hinted ("ends …1234"); a
blank credential field keeps the stored one. Every save is audited (core.plugin_settings).
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit, plugin_settings
from core.context import current_tenant
from core.plugin_host import plugin_host
from tenants.plugin_allowances import allowed_plugins
from web.auth import ADMIN_ONLY, current_user
from web.forms import render, tenant_context
from web.i18n import _, current_locale

TEMPLATE = "admin/plugins.html"


def _text(value, language: str) -> str:
    if isinstance(value, dict):
        return str(value.get(language) or value.get("fi") or next(iter(value.values()), ""))
    return str(value or "")


async def _plugins() -> list[dict]:
    host = plugin_host()
    allowed = await allowed_plugins(current_tenant().slug)
    fields = host.settings_fields()
    language = current_locale()
    found = []
    for name in host.tenant_plugins():
        if name not in allowed:
            continue
        setting = await plugin_settings.setting(name)
        options = await plugin_settings.options_of(name)
        about = host.about(name)
        found.append(
            {
                "name": name,
                # Admins read the plugin's own words; the entry-point name is for machines.
                "title": about.name_in(language) if about else name,
                "description": about.description_in(language) if about else "",
                **setting,
                "fields": [
                    dict(
                        f,
                        label=_text(f.get("label"), language),
                        help=_text(f.get("help"), language),
                    )
                    for f in fields.get(name, [])
                ],
                "processors": await host.processors(only={name: options}),
            }
        )
    return found


class AdminPluginsController(Controller):
    path = "/t/{tenant:str}/admin/plugins"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def plugins(
        self, request: Request, tenant: FromPath[str], done: FromQuery[str] = ""
    ) -> Response:
        context = {
            **tenant_context(),
            "plugins": await _plugins(),
            "errors": {},
            "notice": _("Laajennuksen asetukset tallennettiin.") if done == "saved" else "",
        }
        return render(request, TEMPLATE, context)

    @post("/{plugin:str}")
    async def save(
        self, request: Request, tenant: FromPath[str], plugin: FromPath[str]
    ) -> Response:
        plugins = await _plugins()
        target = next((p for p in plugins if p["name"] == plugin), None)
        if target is None:  # not installed or not allowed (any more): back to the list
            return Redirect(f"{tenant_context()['base']}/admin/plugins/", status_code=303)
        form = await request.form()
        options, secrets, errors = {}, {}, {}
        for field in target["fields"]:
            raw = str(form.get(field["name"]) or "").strip()
            if field.get("kind") == "checkbox":
                options[field["name"]] = bool(raw)
            elif field.get("kind") == "secret":
                secrets[field["name"]] = raw
                if (
                    field.get("required")
                    and not raw
                    and field["name"] not in target["secret_hints"]
                ):
                    errors[field["name"]] = _("Anna %(field)s.") % {"field": field["label"]}
            else:
                options[field["name"]] = raw
                if field.get("required") and not raw:
                    errors[field["name"]] = _("Anna %(field)s.") % {"field": field["label"]}
        if errors:
            context = {**tenant_context(), "plugins": plugins, "errors": {plugin: errors},
                       "notice": ""}  # fmt: skip
            return render(request, TEMPLATE, context, status_code=400)
        await plugin_settings.save(
            plugin,
            enabled=bool(form.get("enabled")),
            options=options,
            new_secrets=secrets,
            actor=audit.Actor.user(current_user(request)),
        )
        return Redirect(f"{tenant_context()['base']}/admin/plugins/?done=saved", status_code=303)
