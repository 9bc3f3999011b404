"""The tenant admin's processors page (/admin/processors/): whom the register sends personal data
to. The processors the enabled plugins declare are listed read-only (they change with the
plugin's settings); processors and recipients that are not plugins (hosting provider,
bookkeeping firm…) are added, edited and deactivated here (core.added_processors, audited).
Admins only. The privacy notice and Art. 30 records read the same list (core.processors).
"""

from __future__ import annotations

from babel import Locale
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit
from core import privacy_notice_labels as words
from core.added_processors import (
    COUNTRIES,
    DPA_MAX,
    NAME_MAX,
    OUTSIDE_SAFEGUARDS,
    SERVICE_MAX,
    ProcessorInput,
    ProcessorNotFoundError,
    create_processor,
    get_processor,
    set_processor_active,
    update_processor,
)
from core.plugin_host import plugin_host
from core.processors import CATEGORIES, ROLES, admin_added
from core.validation import ValidationFailed
from web.auth import ADMIN_ONLY, current_user
from web.forms import ordered_errors, parse_uuid, render, tenant_context
from web.i18n import _, current_locale

LIST_TEMPLATE = "admin/processors.html"
FORM_TEMPLATE = "admin/processor_form.html"
FIELDS = ("name", "service", "role", "country", "safeguard", "categories", "dpa_reference")


def labels() -> dict:
    """Codes in the reader's language: the privacy notice's own words, so the page says what
    the published notice will say."""
    lang = current_locale()
    lang = lang if lang in words.LANGUAGES else "fi"
    territories = Locale(lang).territories

    def in_words(table: dict, codes) -> dict[str, str]:
        return {code: words.word(table, code, lang) for code in codes}

    return {
        "safeguards": in_words(words.SAFEGUARDS, OUTSIDE_SAFEGUARDS),
        "categories": in_words(words.PROCESSOR_CATEGORIES, CATEGORIES),
        "roles": in_words(words.ROLES, ROLES),
        "countries": {code: territories.get(code, code) for code in sorted(COUNTRIES)},
    }


def safeguard_text(code: str | None) -> str:
    """A transfer safeguard code in the reader's language (a Jinja filter: `|safeguard`)."""
    lang = current_locale()
    return (
        words.word(words.SAFEGUARDS, code, lang if lang in words.LANGUAGES else "fi")
        if code
        else ""
    )


def processor_errors(exc: ValidationFailed, values: dict) -> dict[str, str]:
    texts = {
        ("name", "required"): _("Anna käsittelijän tai vastaanottajan nimi."),
        ("name", "too_long"): _("Lyhennä nimeä: enintään %(max)s merkkiä.") % {"max": NAME_MAX},
        ("service", "too_long"): _("Lyhennä kuvausta: enintään %(max)s merkkiä.")
        % {"max": SERVICE_MAX},
        ("dpa_reference", "too_long"): _("Lyhennä viitettä: enintään %(max)s merkkiä.")
        % {"max": DPA_MAX},
        ("role", "required"): _("Valitse, onko kyseessä käsittelijä vai vastaanottaja."),
        ("role", "invalid"): _("Valitse, onko kyseessä käsittelijä vai vastaanottaja."),
        ("country", "required"): _(
            "Anna maa kaksikirjaimisena ISO 3166 -maakoodina, esimerkiksi FI, SE tai US."
        ),
        ("country", "invalid"): _(
            "”%(value)s” ei ole kaksikirjaiminen ISO 3166 -maakoodi. Anna esimerkiksi FI, SE "
            "tai US."
        )
        % {"value": values.get("country", "")},
        ("safeguard", "required"): _(
            "Maa on EU:n ja ETA:n ulkopuolella: valitse siirron suojatoimi."
        ),
        ("safeguard", "invalid"): _("Valitse siirron suojatoimi luettelosta."),
        ("safeguard", "dpf_not_us"): _(
            "EU:n ja Yhdysvaltojen tietosuojakehys koskee vain Yhdysvaltoja (US). Valitse "
            "toinen suojatoimi tai korjaa maa."
        ),
        ("categories", "required"): _("Valitse vähintään yksi tietoryhmä, joka luovutetaan."),
        ("categories", "invalid"): _("Valitse tietoryhmät luettelosta."),
    }
    return {
        name: texts.get((name, code)) or _("Tarkista tämä kenttä.")
        for name, (code, _english) in exc.errors.items()
    }


def _values(row: dict | None) -> dict:
    if row is None:
        return {f: "" for f in FIELDS} | {"role": "processor", "categories": []}
    return {f: row[f] or "" for f in FIELDS} | {"categories": list(row["categories"] or ())}


async def _form_values(request: Request) -> dict:
    form = await request.form()
    values = {f: str(form.get(f) or "").strip() for f in FIELDS}
    values["categories"] = [str(c) for c in form.getall("categories", [])]
    return values


def _input(values: dict) -> ProcessorInput:
    return ProcessorInput(
        name=values["name"],
        country=values["country"],
        categories=values["categories"],
        service=values["service"],
        safeguard=values["safeguard"],
        dpa_reference=values["dpa_reference"],
        role=values["role"],
    )


async def _processor_or_404(raw_id: str) -> dict:
    try:
        return await get_processor(parse_uuid(raw_id))
    except ProcessorNotFoundError as exc:
        raise NotFoundException() from exc


def _list_url(done: str = "") -> str:
    return f"{tenant_context()['base']}/admin/processors/" + (f"?done={done}" if done else "")


class AdminProcessorsController(Controller):
    path = "/t/{tenant:str}/admin/processors"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def processors(
        self, request: Request, tenant: FromPath[str], done: FromQuery[str] = ""
    ) -> Response:
        notices = {
            "added": _("Käsittelijä lisättiin."),
            "saved": _("Muutokset tallennettiin."),
            "deactivated": _("Käsittelijä poistettiin käytöstä."),
            "activated": _("Käsittelijä otettiin taas käyttöön."),
        }
        context = {
            **tenant_context(),
            "declared": await plugin_host().processors(),
            "added": await admin_added(include_inactive=True),
            "labels": labels(),
            "notice": notices.get(done, ""),
        }
        return render(request, LIST_TEMPLATE, context)

    async def _form(
        self,
        request: Request,
        values: dict,
        processor: dict | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        error_list = ordered_errors(errors or {}, FIELDS)
        context = {
            **tenant_context(),
            "processor": processor,
            "heading": processor["name"] if processor else _("Uusi käsittelijä tai vastaanottaja"),
            "values": values,
            "errors": errors or {},
            "error_list": error_list,
            "first_error": error_list[0][0] if error_list else None,
            "labels": labels(),
        }
        return render(request, FORM_TEMPLATE, context, status_code=status)

    @get("/new")
    async def new_form(self, request: Request, tenant: FromPath[str]) -> Response:
        return await self._form(request, _values(None))

    @post("/new")
    async def create(self, request: Request, tenant: FromPath[str]) -> Response:
        values = await _form_values(request)
        try:
            await create_processor(_input(values), actor=audit.Actor.user(current_user(request)))
        except ValidationFailed as exc:
            errors = processor_errors(exc, values)
            return await self._form(request, values, errors=errors, status=400)
        return Redirect(_list_url("added"), status_code=303)

    @get("/{processor_id:str}")
    async def edit_form(
        self, request: Request, tenant: FromPath[str], processor_id: FromPath[str]
    ) -> Response:
        processor = await _processor_or_404(processor_id)
        return await self._form(request, _values(processor), processor)

    @post("/{processor_id:str}")
    async def save(
        self, request: Request, tenant: FromPath[str], processor_id: FromPath[str]
    ) -> Response:
        processor = await _processor_or_404(processor_id)
        values = await _form_values(request)
        actor = audit.Actor.user(current_user(request))
        try:
            await update_processor(processor["id"], _input(values), actor=actor)
        except ValidationFailed as exc:
            errors = processor_errors(exc, values)
            return await self._form(request, values, processor, errors, status=400)
        return Redirect(_list_url("saved"), status_code=303)

    @post("/{processor_id:str}/deactivate")
    async def deactivate(
        self, request: Request, tenant: FromPath[str], processor_id: FromPath[str]
    ) -> Response:
        processor = await _processor_or_404(processor_id)
        actor = audit.Actor.user(current_user(request))
        await set_processor_active(processor["id"], False, actor=actor)
        return Redirect(_list_url("deactivated"), status_code=303)

    @post("/{processor_id:str}/activate")
    async def activate(
        self, request: Request, tenant: FromPath[str], processor_id: FromPath[str]
    ) -> Response:
        processor = await _processor_or_404(processor_id)
        actor = audit.Actor.user(current_user(request))
        await set_processor_active(processor["id"], True, actor=actor)
        return Redirect(_list_url("activated"), status_code=303)
