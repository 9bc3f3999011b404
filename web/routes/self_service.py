"""The end customer's own pages (role self): their card and the data held about them, and a
form to correct their own card. Every saved change is a rectification (core.self_service).

These are the only register pages a self user reaches; every other tenant route keeps the
default roles (admin, staff) and refuses them. Nothing here takes a person id from the URL:
the card is always the one linked to the signed-in account, so there is no id to guess.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core.persons import PersonNotFoundError, split_list
from core.self_service import (
    SELF_EDITABLE_FIELDS,
    OwnCardInput,
    list_rectifications,
    own_card,
    rectify_own_card,
)
from core.validation import ValidationFailed
from web import read_audit
from web.auth import SELF_ONLY, current_user
from web.forms import (
    display_phone,
    error_messages,
    form_values,
    ordered_errors,
    render,
    tenant_context,
)
from web.i18n import _
from web.privacy_sections import self_context

PAGE_TEMPLATE = "me/card.html"
FORM_TEMPLATE = "me/form.html"


def field_labels() -> dict[str, str]:
    """What each field of a rectification is called, in the reader's language."""
    return {
        "first_name": _("Etunimi"),
        "last_name": _("Sukunimi"),
        "emails": _("Sähköpostiosoitteet"),
        "phones": _("Puhelinnumerot"),
        "title": _("Titteli tai tehtävä"),
    }


async def _my_card(request: Request) -> dict | None:
    """The signed-in person's own card, or None when it is no longer in the register."""
    person_id = current_user(request)["person"]
    if person_id is None:
        return None
    try:
        return await own_card(person_id)
    except PersonNotFoundError:
        return None


def _values(card: dict) -> dict[str, str]:
    return {
        "first_name": card["first_name"],
        "last_name": card["last_name"],
        "emails": "\n".join(card["emails"]),
        "phones": "\n".join(display_phone(p) for p in card["phones"]),
        "title": card["title"],
    }


class SelfServiceController(Controller):
    path = "/t/{tenant:str}/me"
    opt = {"roles": SELF_ONLY}
    include_in_schema = False

    @get("/")
    async def my_page(
        self,
        request: Request,
        tenant: FromPath[str],
        saved: FromQuery[str] = "",
        privacy: FromQuery[str] = "",
    ) -> Response:
        card = await _my_card(request)
        context = {**tenant_context(), "person": card, "saved": saved == "1"}
        context["privacy_done"] = privacy  # after a consent or objection form (/me/privacy)
        if card is not None:
            card["phone_rows"] = [(p, display_phone(p)) for p in card["phones"]]
            context["rectifications"] = await list_rectifications(card["id"])
            context["field_labels"] = field_labels()
            context.update(await self_context(card["id"]))  # consents and objections
            await read_audit.cards_read(
                request, [card["id"]], via="self_service", purpose="self_service"
            )
        return render(request, PAGE_TEMPLATE, context)

    @get("/edit")
    async def edit_form(self, request: Request, tenant: FromPath[str]) -> Response:
        card = await _my_card(request)
        if card is None:
            raise NotFoundException()
        await read_audit.cards_read(
            request, [card["id"]], via="self_service_edit", purpose="self_service"
        )
        return self._form(request, card, _values(card))

    @post("/edit")
    async def save(self, request: Request, tenant: FromPath[str]) -> Response:
        card = await _my_card(request)
        if card is None:
            raise NotFoundException()
        values = form_values(await request.form(), SELF_EDITABLE_FIELDS)
        user = current_user(request)
        try:
            await rectify_own_card(
                card["id"],
                OwnCardInput(
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    emails=split_list(values["emails"]),
                    phones=split_list(values["phones"]),
                    title=values["title"],
                ),
                user_id=user["id"],
                label=user["email"],
            )
        except ValidationFailed as exc:
            # Shown again as typed, with every mistake named; nothing was saved.
            errors = error_messages(exc, values)
            return self._form(request, card, values, errors, status=400)
        return Redirect(f"/t/{tenant}/me/?saved=1", status_code=303)

    @staticmethod
    def _form(
        request: Request,
        card: dict,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        error_list = ordered_errors(errors or {}, SELF_EDITABLE_FIELDS)
        context = {
            **tenant_context(),
            "person": card,
            "values": values,
            "errors": errors or {},
            "error_list": error_list,
            "first_error": error_list[0][0] if error_list else None,
            "labels": field_labels(),
        }
        return render(request, FORM_TEMPLATE, context, status_code=status)
