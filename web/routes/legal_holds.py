"""Legal holds on a card: list, create (kind, written reason, end date), end. Audited.

Who: admins and staff, the same people who may restrict processing of the card (every staff
member sees every card; content visibility by area does not apply to the card itself). A hold
stops erasure and retention of the card until it ends (core.legal_holds, core.erasure).
Audit events `person.hold_created` / `person.hold_ended` hold the kind, the end date and the
reason's length, never the reason itself.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from core import audit, legal_holds
from core.validation import ValidationFailed
from web import read_audit, request_labels
from web.content_access import actor_of
from web.forms import parse_date, render, tenant_context
from web.i18n import _
from web.routes.person_privacy import _card, _url

TEMPLATE = "persons/holds.html"


def kind_labels() -> dict[str, str]:
    return request_labels.hold_kind_labels()


def _error_texts(exc: ValidationFailed) -> dict[str, str]:
    texts = {
        "reason_kind": _("Valitse säilytyksen peruste."),
        "reason": _("Kirjoita, miksi tiedot on säilytettävä (esimerkiksi laskun numero)."),
        "until": _(
            "Päättymispäivä ei voi olla menneisyydessä. Jätä tyhjäksi, jos päivää ei tiedetä."
        ),
    }
    return {name: texts.get(name, _("Tarkista tämä kenttä.")) for name in exc.errors}


async def _record(request: Request, action: str, person_id: uuid.UUID, **detail) -> None:
    await audit.record(
        action,
        actor=actor_of(request),
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        purpose="customer_service",
        detail=detail,
    )


class LegalHoldController(Controller):
    path = "/t/{tenant:str}/persons/{person_id:str}/holds"
    include_in_schema = False

    @get("/")
    async def page(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, "/holds")
        if isinstance(card, Redirect):
            return card
        return await self._page(request, card, {}, {})

    @post("/")
    async def create(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        form = await request.form()
        values = {k: str(form.get(k) or "") for k in ("reason_kind", "reason", "until")}
        errors = {}
        until = None
        if values["until"].strip():
            try:
                until = parse_date(values["until"])
            except ValidationFailed:
                errors["until"] = _("Kirjoita päivä muodossa pp.kk.vvvv tai vvvv-kk-pp.")
        if not errors:
            try:
                hold = await legal_holds.create_hold(
                    card["id"],
                    values["reason_kind"],
                    values["reason"],
                    until,
                    by=str(actor_of(request).label),
                )
            except ValidationFailed as exc:
                errors = _error_texts(exc)
        if errors:
            return await self._page(request, card, values, errors, status=422)
        await _record(
            request,
            "person.hold_created",
            card["id"],
            hold=hold["id"],
            reason_kind=hold["reason_kind"],
            until=hold["until"],
            reason_length=len(hold["reason"]),
        )
        return Redirect(_url(card["id"], "/holds"), status_code=303)

    @post("/end")
    async def end(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        form = await request.form()
        try:
            hold_id = uuid.UUID(str(form.get("hold_id") or ""))
            hold = await legal_holds.end_hold(card["id"], hold_id)
        except (legal_holds.LegalHoldNotFoundError, ValueError):
            gone = {"hold": _("Säilytysvelvoitetta ei löydy tai se on jo päättynyt.")}
            return await self._page(request, card, {}, gone, status=409)
        await _record(request, "person.hold_ended", card["id"], hold=hold["id"])
        return Redirect(_url(card["id"], "/holds"), status_code=303)

    @staticmethod
    async def _page(
        request: Request, card: dict, values: dict, errors: dict, *, status: int = 200
    ) -> Response:
        await read_audit.cards_read(request, [card["id"]], via="holds")
        context = {
            **tenant_context(),
            "current": "persons",
            "person": card,
            "holds": await legal_holds.holds_of(card["id"]),
            "kinds": kind_labels(),
            "kind_options": [("", _("— valitse —")), *kind_labels().items()],
            "values": values,
            "errors": errors,
        }
        return render(request, TEMPLATE, context, status_code=status)
