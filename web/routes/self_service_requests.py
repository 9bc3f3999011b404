"""The end customer's data-protection requests (role self): make one, confirm it with the code
mailed to the account's address, follow its state. A request counts as made (and is handled)
only once the code is confirmed; until then it waits. As on the other /me/ pages, the card is
always the one linked to the signed-in account: a request id of anyone else's is a 404.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core import access_bundle_build as bundles
from core import audit, requests
from core.db import DB
from core.persons import PersonNotFoundError
from core.request_deadlines import days_left
from core.self_service import own_card
from web import request_labels
from web.auth import SELF_ONLY, current_user, secret_key
from web.forms import render, tenant_context
from web.i18n import _

TEMPLATE = "me/requests.html"
MAX_CODES_PER_REQUEST = 3  # the first and two more: a person cannot mail-bomb their inbox


async def _card(request: Request) -> dict:
    person_id = current_user(request)["person"]
    if person_id is None:
        raise NotFoundException()
    try:
        return await own_card(person_id)
    except PersonNotFoundError as exc:
        raise NotFoundException() from exc


def _actor(request: Request) -> audit.Actor:
    return audit.Actor.user(current_user(request))


async def _own_request(card: dict, raw_id: str) -> dict | None:
    """The person's own request by the id in a form; None when the form has none."""
    try:
        request_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    try:
        found = await requests.get_request(request_id)
    except requests.RequestError as exc:
        raise NotFoundException() from exc
    if found["person_id"] != card["id"]:
        raise NotFoundException()
    return found


class SelfServiceRequestsController(Controller):
    path = "/t/{tenant:str}/me/requests"
    opt = {"roles": SELF_ONLY}
    include_in_schema = False

    async def _page(
        self,
        request: Request,
        card: dict,
        *,
        errors: dict | None = None,
        values: dict | None = None,
        status: int = 200,
    ) -> Response:
        mine = await requests.requests_of_person(card["id"])
        copies = {}
        for r in mine:
            r["days_left"] = days_left(r)
            if r["kind"] in bundles.BUNDLE_KINDS:
                state = await bundles.bundle_state(r)
                url = f"{tenant_context()['base']}/me/requests/{r['id']}/bundle"
                copies[str(r["id"])] = {**state, "url": url, "request_id": str(r["id"])}
        context = {
            **tenant_context(),
            "person": card,
            "requests": mine,
            "copies": copies,
            "kinds": request_labels.kind_labels(),
            "statuses": request_labels.status_labels(),
            "errors": errors or {},
            "values": values or {},
            "address": current_user(request)["email"],
            "message": request.query_params.get("message", ""),
        }
        return render(request, TEMPLATE, context, status_code=status)

    @get("/")
    async def my_requests(self, request: Request, tenant: FromPath[str]) -> Response:
        return await self._page(request, await _card(request))

    @post("/")
    async def make_request(self, request: Request, tenant: FromPath[str]) -> Response:
        card = await _card(request)
        form = await request.form()
        values = {"kind": str(form.get("kind") or ""), "details": str(form.get("details") or "")}
        if values["kind"] not in requests.KINDS:
            errors = {"kind": _("Valitse, mitä pyydät.")}
            return await self._page(request, card, errors=errors, values=values, status=400)
        created = await requests.create_request(
            card["id"],
            values["kind"],
            actor=_actor(request),
            channel="self_service",
            requester_email=current_user(request)["email"],
            details=values["details"],
        )
        await requests.send_code(created["id"], actor=_actor(request), secret_key=secret_key())
        return Redirect(f"/t/{tenant}/me/requests/?message=code_sent", status_code=303)

    @post("/verify")
    async def verify(self, request: Request, tenant: FromPath[str]) -> Response:
        card = await _card(request)
        form = await request.form()
        subject = await _own_request(card, str(form.get("request_id") or ""))
        code = str(form.get("code") or "").strip()
        if subject is None or not code:
            errors = {"code": _("Syötä sähköpostiisi lähetetty koodi.")}
            return await self._page(request, card, errors=errors, status=400)
        if subject["status"] != "awaiting_code":
            return Redirect(f"/t/{tenant}/me/requests/", status_code=303)
        check = await requests.check_code(
            subject["id"], code, actor=_actor(request), secret_key=secret_key()
        )
        if not check.ok:
            message = request_labels.error_messages()[check.failure]
            errors = {"code": message, "request_id": str(subject["id"])}
            return await self._page(request, card, errors=errors, status=400)
        # An access or portability copy is built at once (not for a repeat within 12 months:
        # the controller decides on that one).
        await bundles.start_self_service(subject["id"], actor=_actor(request))
        return Redirect(f"/t/{tenant}/me/requests/?message=verified", status_code=303)

    @post("/resend")
    async def resend(self, request: Request, tenant: FromPath[str]) -> Response:
        card = await _card(request)
        form = await request.form()
        subject = await _own_request(card, str(form.get("request_id") or ""))
        if subject is None or subject["status"] != "awaiting_code":
            errors = {"code": _("Tälle pyynnölle ei voi lähettää uutta koodia.")}
            return await self._page(request, card, errors=errors, status=400)
        sent = await DB.current_connection().fetchval(
            "SELECT count(*) FROM request_event WHERE request = $1 AND action = 'code_sent'",
            subject["id"],
        )
        if sent >= MAX_CODES_PER_REQUEST:
            errors = {
                "code": _("Koodeja on lähetetty jo liian monta. Ota yhteyttä rekisterinpitäjään."),
                "request_id": str(subject["id"]),
            }
            return await self._page(request, card, errors=errors, status=400)
        await requests.send_code(subject["id"], actor=_actor(request), secret_key=secret_key())
        return Redirect(f"/t/{tenant}/me/requests/?message=code_sent", status_code=303)
