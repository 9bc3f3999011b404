"""Admin pages for processing activities (käsittelytoimet): the list, a form to add or edit one
(purpose, lawful basis of Art. 6(1), data categories, recipients, retention, notes) and
deactivating / bringing one back. Admins only.

The first visit to the list gives a register without any activities the defaults of a customer
register (core.processing.ensure_default_activities). Forms post normally (post/redirect/get);
a form with mistakes comes back with each error next to its field and a summary above.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit
from core.processing import (
    DATA_CATEGORIES,
    NAME_MAX,
    TEXT_MAX,
    ActivityInput,
    ActivityNotFoundError,
    create_activity,
    ensure_default_activities,
    get_activity,
    list_activities,
    set_active,
    update_activity,
)
from core.validation import ValidationFailed
from web.auth import ADMIN_ONLY, current_user
from web.forms import ordered_errors, parse_uuid, render, tenant_context
from web.i18n import _
from web.privacy_labels import all_labels

LIST_TEMPLATE = "admin/processing.html"
FORM_TEMPLATE = "admin/processing_form.html"
FIELDS = ("name", "purpose", "lawful_basis", "data_categories", "recipients", "retention", "notes")


def activity_errors(exc: ValidationFailed) -> dict[str, str]:
    texts = {
        ("name", "required"): _("Anna käsittelytoimelle nimi, esimerkiksi Asiakassuhteen hoito."),
        ("name", "too_long"): _("Nimi on liian pitkä: enintään %(max)s merkkiä.")
        % {"max": NAME_MAX},
        ("name", "duplicate"): _(
            "Samanniminen käsittelytoimi on jo olemassa. Valitse toinen nimi."
        ),
        ("purpose", "required"): _("Kerro, mihin tarkoitukseen tietoja käsitellään."),
        ("lawful_basis", "required"): _("Valitse käsittelyn oikeusperuste (6 artiklan 1 kohta)."),
        ("lawful_basis", "invalid"): _("Valitse käsittelyn oikeusperuste (6 artiklan 1 kohta)."),
        ("data_categories", "required"): _("Valitse vähintään yksi tietoryhmä."),
        ("data_categories", "invalid"): _("Valitse tietoryhmät luettelosta."),
    }
    too_long = _("Teksti on liian pitkä: enintään %(max)s merkkiä.") % {"max": TEXT_MAX}
    return {
        field: texts.get((field, code))
        or (too_long if code == "too_long" else _("Tarkista tämä kenttä."))
        for field, (code, _english) in exc.errors.items()
    }


def _values(activity: dict | None) -> dict:
    if activity is None:
        return {f: "" for f in FIELDS} | {"data_categories": []}
    return {f: activity[f] for f in FIELDS}


async def _form_values(request: Request) -> dict:
    form = await request.form()
    values: dict = {f: str(form.get(f) or "") for f in FIELDS}
    values["data_categories"] = [str(v) for v in form.getall("data_categories", [])]
    return values


def _input(values: dict) -> ActivityInput:
    return ActivityInput(**{f: values[f] for f in FIELDS})


async def _activity_or_404(raw_id: str) -> dict:
    try:
        return await get_activity(parse_uuid(raw_id))
    except ActivityNotFoundError as exc:
        raise NotFoundException() from exc


def _list_url(done: str = "") -> str:
    return f"{tenant_context()['base']}/admin/processing/" + (f"?done={done}" if done else "")


class AdminProcessingController(Controller):
    path = "/t/{tenant:str}/admin/processing"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def activities(
        self, request: Request, tenant: FromPath[str], done: FromQuery[str] = ""
    ) -> Response:
        await ensure_default_activities()
        notices = {
            "added": _("Käsittelytoimi lisättiin."),
            "saved": _("Muutokset tallennettiin."),
            "deactivated": _("Käsittelytoimi poistettiin käytöstä. Sen historia säilyy."),
            "activated": _("Käsittelytoimi otettiin taas käyttöön."),
        }
        context = {
            **tenant_context(),
            "activities": await list_activities(),
            "labels": all_labels(),
            "notice": notices.get(done, ""),
        }
        return render(request, LIST_TEMPLATE, context)

    def _form(
        self,
        request: Request,
        values: dict,
        activity: dict | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        error_list = ordered_errors(errors or {}, FIELDS)
        context = {
            **tenant_context(),
            "activity": activity,
            "values": values,
            "errors": errors or {},
            "error_list": error_list,
            "first_error": error_list[0][0] if error_list else None,
            "labels": all_labels(),
            "categories": DATA_CATEGORIES,
        }
        return render(request, FORM_TEMPLATE, context, status_code=status)

    @get("/new")
    async def new_form(self, request: Request, tenant: FromPath[str]) -> Response:
        return self._form(request, _values(None))

    @post("/new")
    async def create(self, request: Request, tenant: FromPath[str]) -> Response:
        values = await _form_values(request)
        try:
            await create_activity(_input(values), actor=audit.Actor.user(current_user(request)))
        except ValidationFailed as exc:
            return self._form(request, values, errors=activity_errors(exc), status=400)
        return Redirect(_list_url("added"), status_code=303)

    @get("/{activity_id:str}")
    async def edit_form(
        self, request: Request, tenant: FromPath[str], activity_id: FromPath[str]
    ) -> Response:
        activity = await _activity_or_404(activity_id)
        return self._form(request, _values(activity), activity)

    @post("/{activity_id:str}")
    async def save(
        self, request: Request, tenant: FromPath[str], activity_id: FromPath[str]
    ) -> Response:
        activity = await _activity_or_404(activity_id)
        values = await _form_values(request)
        actor = audit.Actor.user(current_user(request))
        try:
            await update_activity(activity["id"], _input(values), actor=actor)
        except ValidationFailed as exc:
            return self._form(request, values, activity, activity_errors(exc), status=400)
        return Redirect(_list_url("saved"), status_code=303)

    @post("/{activity_id:str}/deactivate")
    async def deactivate(
        self, request: Request, tenant: FromPath[str], activity_id: FromPath[str]
    ) -> Response:
        activity = await _activity_or_404(activity_id)
        await set_active(activity["id"], False, actor=audit.Actor.user(current_user(request)))
        return Redirect(_list_url("deactivated"), status_code=303)

    @post("/{activity_id:str}/activate")
    async def activate(
        self, request: Request, tenant: FromPath[str], activity_id: FromPath[str]
    ) -> Response:
        activity = await _activity_or_404(activity_id)
        await set_active(activity["id"], True, actor=audit.Actor.user(current_user(request)))
        return Redirect(_list_url("activated"), status_code=303)
