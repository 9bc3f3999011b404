"""An erasure request's preview and confirmation (admins): what would be removed, what is held
and why; on confirmation core.erasure_requests erases (or holds), stores the report in the
request, tells the person and completes the request. The report shows on the request's page
(requests/_erasure.html).
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core import audit, erasure_requests, requests
from core.db import DB
from web import read_audit
from web.auth import ADMIN_ONLY, current_user
from web.forms import checked, parse_uuid, render, tenant_context
from web.i18n import _
from web.routes.legal_holds import kind_labels

TEMPLATE = "requests/erasure_preview.html"


def table_labels() -> dict[str, str]:
    return {
        "person": _("Käyntikortti"),
        "person_email": _("Sähköpostiosoitteet"),
        "person_phone": _("Puhelinnumerot"),
        "employment": _("Työsuhteet"),
        "content_link": _("Linkit sisältöihin"),
        "comment": _("Kommentit"),
        "attachment": _("Liitteet"),
        "contact_event": _("Yhteydenottohistoria"),
        "customer_feedback": _("Palautteet"),
        "customer_preference": _("Toiveet ja rajoitukset"),
        "consent_event": _("Suostumushistoria"),
        "objection_event": _("Vastustushistoria"),
        "person_lawful_basis": _("Käsittelyperusteet"),
        "person_provenance": _("Tietolähteet"),
        "rectification": _("Oikaisut"),
        "field_change": _("Muutoshistoria"),
        "legal_hold": _("Päättyneet säilytysvelvoitteet"),
        "invitation": _("Kutsut"),
    }


class AdminErasureController(Controller):
    path = "/t/{tenant:str}/admin/requests/{request_id:str}/erasure"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    async def _preview(self, raw_id: str) -> dict | None:
        """What the erasure would do; None when the request is not an erasure in progress."""
        try:
            return await erasure_requests.preview(parse_uuid(raw_id))
        except requests.RequestError as exc:
            raise NotFoundException() from exc
        except erasure_requests.ErasureRequestError:
            return None

    def _not_now(self, request: Request, request_id: str) -> Response:
        context = {**tenant_context(), "current": "admin", "request_id": request_id}
        return render(request, TEMPLATE, {**context, "not_now": True}, status_code=409)

    @get("/")
    async def preview(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        seen = await self._preview(request_id)
        if seen is None:
            return self._not_now(request, request_id)
        return await self._page(request, request_id, seen)

    @post("/")
    async def confirm(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response | Redirect:
        seen = await self._preview(request_id)
        if seen is None:
            return self._not_now(request, request_id)
        form = await request.form()
        if not checked(form, "confirm"):
            return await self._page(request, request_id, seen, status=422, error=True)
        actor = audit.Actor.user(current_user(request))
        await erasure_requests.fulfil(parse_uuid(request_id), actor=actor)
        return Redirect(f"/t/{tenant}/admin/requests/{request_id}", status_code=303)

    async def _page(
        self, request: Request, request_id: str, seen: dict, *, status=200, error=False
    ) -> Response:
        name = await DB.current_connection().fetchval(
            "SELECT first_name || ' ' || last_name FROM person WHERE id = $1", seen["person_id"]
        )
        await read_audit.cards_read(request, [seen["person_id"]], via="erasure_preview")
        context = {
            **tenant_context(),
            "current": "admin",
            "request_id": request_id,
            "person_name": name,
            "seen": seen,
            "tables": table_labels(),
            "kinds": kind_labels(),
            "error": error,
        }
        return render(request, TEMPLATE, context, status_code=status)
