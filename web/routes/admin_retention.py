"""Admin pages for retention rules (säilytysajat): the list, a form to add or edit one (activity
and/or data category, trigger, period in months, action) and deactivating / bringing one back.
Admins only. The dry run, the sweep and their reports: web.routes.admin_retention_runs.

The first visit to the list gives a register without rules the defaults
(core.retention_rules.ensure_default_rules). Forms post normally (post/redirect/get); a form
with mistakes comes back with each error next to its field and a summary above.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit
from core.processing import DATA_CATEGORIES, list_activities
from core.retention_rules import (
    PERIOD_MAX_MONTHS,
    TRIGGERS,
    RuleInput,
    RuleNotFoundError,
    create_rule,
    ensure_default_rules,
    get_rule,
    list_rules,
    set_rule_active,
    update_rule,
)
from core.validation import ValidationFailed
from web.auth import ADMIN_ONLY, current_user
from web.forms import ordered_errors, parse_uuid, render, tenant_context
from web.i18n import _
from web.privacy_labels import data_categories
from web.retention_labels import all_retention_labels

LIST_TEMPLATE = "admin/retention.html"
FORM_TEMPLATE = "admin/retention_form.html"
FIELDS = ("activity_id", "data_category", "trigger", "period_months", "action")


def rule_errors(exc: ValidationFailed) -> dict[str, str]:
    texts = {
        ("activity_id", "required"): _(
            "Valitse käsittelytoimi tai tietoryhmä, jota sääntö koskee."
        ),
        ("activity_id", "invalid"): _("Valitse käsittelytoimi luettelosta."),
        ("data_category", "invalid"): _("Valitse tietoryhmä luettelosta."),
        ("data_category", "append_only"): _(
            "Suostumuksia ja kieltoja ei poisteta säilytysajan perusteella: niiden historia "
            "on todiste siitä, mitä henkilö on sanonut, ja se säilyy kortin mukana. Valitse "
            "toinen tietoryhmä."
        ),
        ("action", "no_free_text"): _(
            "Sisältöliitoksissa ei ole anonymisoitavaa tekstiä. Valitse poisto: liitokset "
            "poistetaan, sisällöt säilyvät."
        ),
        ("trigger", "required"): _("Valitse, mistä säilytysaika lasketaan."),
        ("trigger", "invalid"): _("Valitse, mistä säilytysaika lasketaan."),
        ("period_months", "required"): _("Anna säilytysaika kuukausina, esimerkiksi 60."),
        ("period_months", "invalid"): _(
            "Anna säilytysaika kokonaisina kuukausina, esimerkiksi 60."
        ),
        ("period_months", "range"): _("Säilytysaika on 1–%(max)s kuukautta.")
        % {"max": PERIOD_MAX_MONTHS},
        ("action", "required"): _("Valitse, poistetaanko vai anonymisoidaanko tiedot."),
        ("action", "invalid"): _("Valitse, poistetaanko vai anonymisoidaanko tiedot."),
    }
    return {
        field: texts.get((field, code)) or _("Tarkista tämä kenttä.")
        for field, (code, _english) in exc.errors.items()
    }


def _values(rule: dict | None) -> dict:
    if rule is None:
        return {f: "" for f in FIELDS} | {"action": "delete"}
    return {f: str(rule[f] if rule[f] is not None else "") for f in FIELDS}


async def _form_values(request: Request) -> dict:
    form = await request.form()
    return {f: str(form.get(f) or "").strip() for f in FIELDS}


def _input(values: dict) -> RuleInput:
    return RuleInput(
        trigger=values["trigger"],
        period_months=values["period_months"],
        action=values["action"],
        activity_id=values["activity_id"] or None,
        data_category=values["data_category"],
    )


async def _rule_or_404(raw_id: str) -> dict:
    try:
        return await get_rule(parse_uuid(raw_id))
    except RuleNotFoundError as exc:
        raise NotFoundException() from exc


def _list_url(done: str = "") -> str:
    return f"{tenant_context()['base']}/admin/retention/" + (f"?done={done}" if done else "")


class AdminRetentionController(Controller):
    path = "/t/{tenant:str}/admin/retention"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def rules(
        self, request: Request, tenant: FromPath[str], done: FromQuery[str] = ""
    ) -> Response:
        await ensure_default_rules()
        notices = {
            "added": _("Säilytyssääntö lisättiin."),
            "saved": _("Muutokset tallennettiin."),
            "deactivated": _("Säilytyssääntö poistettiin käytöstä."),
            "activated": _("Säilytyssääntö otettiin taas käyttöön."),
            "queued": _(
                "Säilytysajon suoritus aloitettiin taustalla. Raportti näkyy ajojen listalla, "
                "kun se on valmis."
            ),
        }
        context = {
            **tenant_context(),
            "rules": await list_rules(),
            "categories": data_categories(),
            "labels": all_retention_labels(),
            "notice": notices.get(done, ""),
        }
        return render(request, LIST_TEMPLATE, context)

    async def _form(
        self,
        request: Request,
        values: dict,
        rule: dict | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        error_list = ordered_errors(errors or {}, FIELDS)
        activities = await list_activities()
        context = {
            **tenant_context(),
            "rule": rule,
            "values": values,
            "errors": errors or {},
            "error_list": error_list,
            "first_error": error_list[0][0] if error_list else None,
            "activity_options": [("", _("Ei käsittelytointa"))]
            + [(str(a["id"]), a["name"]) for a in activities if a["active"]],
            "category_options": [("", _("Ei tietoryhmää"))]
            + [(code, data_categories()[code]) for code in DATA_CATEGORIES],
            "triggers": TRIGGERS,
            "labels": all_retention_labels(),
        }
        return render(request, FORM_TEMPLATE, context, status_code=status)

    @get("/rules/new")
    async def new_form(self, request: Request, tenant: FromPath[str]) -> Response:
        return await self._form(request, _values(None))

    @post("/rules/new")
    async def create(self, request: Request, tenant: FromPath[str]) -> Response:
        values = await _form_values(request)
        try:
            await create_rule(_input(values), actor=audit.Actor.user(current_user(request)))
        except ValidationFailed as exc:
            return await self._form(request, values, errors=rule_errors(exc), status=400)
        return Redirect(_list_url("added"), status_code=303)

    @get("/rules/{rule_id:str}")
    async def edit_form(
        self, request: Request, tenant: FromPath[str], rule_id: FromPath[str]
    ) -> Response:
        rule = await _rule_or_404(rule_id)
        return await self._form(request, _values(rule), rule)

    @post("/rules/{rule_id:str}")
    async def save(
        self, request: Request, tenant: FromPath[str], rule_id: FromPath[str]
    ) -> Response:
        rule = await _rule_or_404(rule_id)
        values = await _form_values(request)
        actor = audit.Actor.user(current_user(request))
        try:
            await update_rule(rule["id"], _input(values), actor=actor)
        except ValidationFailed as exc:
            return await self._form(request, values, rule, rule_errors(exc), status=400)
        return Redirect(_list_url("saved"), status_code=303)

    @post("/rules/{rule_id:str}/deactivate")
    async def deactivate(
        self, request: Request, tenant: FromPath[str], rule_id: FromPath[str]
    ) -> Response:
        rule = await _rule_or_404(rule_id)
        await set_rule_active(rule["id"], False, actor=audit.Actor.user(current_user(request)))
        return Redirect(_list_url("deactivated"), status_code=303)

    @post("/rules/{rule_id:str}/activate")
    async def activate(
        self, request: Request, tenant: FromPath[str], rule_id: FromPath[str]
    ) -> Response:
        rule = await _rule_or_404(rule_id)
        await set_rule_active(rule["id"], True, actor=audit.Actor.user(current_user(request)))
        return Redirect(_list_url("activated"), status_code=303)
