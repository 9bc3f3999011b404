"""Data-subject requests as pages: the admins' queue (by due date) and a request's page with its
history and the steps its state allows; staff log a request on a person's behalf from the
person page ("Kirjaa pyyntö"). The rules live in core.requests; this module only asks.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit, recipient_notifications, requests
from core.db import DB
from core.persons import PersonMergedError, PersonNotFoundError, get_person
from core.request_deadlines import days_left, today
from core.validation import ValidationFailed
from web import request_labels
from web.auth import ADMIN_ONLY, STAFF_ROLES, current_user, secret_key
from web.forms import checked, form_values, parse_date, parse_uuid, render, tenant_context
from web.i18n import _
from web.routes.access_bundles import panel_context as bundle_panel
from web.routes.admin_recipient_tasks import status_labels as recipient_task_statuses

QUEUE_TEMPLATE = "requests/queue.html"
DETAIL_TEMPLATE = "requests/detail.html"
NEW_TEMPLATE = "requests/new.html"
INTAKE_FIELDS = ("kind", "requester_email", "details", "received_on")


def labels() -> dict:
    return {
        "kinds": request_labels.kind_labels(),
        "statuses": request_labels.status_labels(),
        "channels": request_labels.channel_labels(),
        "events": request_labels.event_labels(),
        "holds": request_labels.hold_kind_labels(),
        "outcomes": request_labels.erasure_outcome_labels(),
    }


def _actor(request: Request) -> audit.Actor:
    return audit.Actor.user(current_user(request))


async def _names(person_ids) -> dict[uuid.UUID, str]:
    ids = [p for p in person_ids if p]
    if not ids:
        return {}
    rows = await DB.current_connection().fetch(
        "SELECT id, first_name || ' ' || last_name AS name FROM person WHERE id = ANY($1)", ids
    )
    return {r["id"]: r["name"] for r in rows}


async def person_requests_context(request: Request, person_id: uuid.UUID) -> dict:
    """The person page's requests section: the person's requests, newest first."""
    found = await requests.requests_of_person(person_id)
    for r in found:
        r["days_left"] = days_left(r)
    return {
        "subject_requests": found,
        "request_labels": labels(),
        "can_process_requests": current_user(request)["role"] == "admin",
    }


class AdminRequestsController(Controller):
    path = "/t/{tenant:str}/admin/requests"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def queue(
        self, request: Request, tenant: FromPath[str], show: FromQuery[str] = ""
    ) -> Response:
        show_all = show == "all"
        found = await requests.list_requests(open_only=not show_all)
        names = await _names({r["person_id"] for r in found})
        for r in found:
            r["days_left"] = days_left(r)
            r["person_name"] = names.get(r["person_id"], "")
        context = {
            **tenant_context(),
            "requests": found,
            "show_all": show_all,
            "labels": labels(),
        }
        return render(request, QUEUE_TEMPLATE, context)

    async def _load(self, raw_id: str) -> dict:
        try:
            return await requests.get_request(parse_uuid(raw_id))
        except requests.RequestError as exc:
            raise NotFoundException() from exc

    async def _page(
        self, request: Request, subject: dict, *, error: str = "", status: int = 200
    ) -> Response:
        subject["days_left"] = days_left(subject)
        names = await _names([subject["person_id"]])
        context = {
            **tenant_context(),
            "r": subject,
            "person_name": names.get(subject["person_id"], ""),
            "history": await requests.request_events(subject["id"]),
            "notifications": await recipient_notifications.for_request(subject["id"]),
            "notification_statuses": recipient_task_statuses(),
            "labels": labels(),
            "error": error,
            "can_extend": subject["open"] and today() <= subject["due_on"],
            "sent": request.query_params.get("done", ""),
            "bundle": await bundle_panel(
                subject, f"{tenant_context()['base']}/admin/requests/{subject['id']}/bundle"
            ),
            "bundle_refused": request.query_params.get("bundle", "") == "not_allowed",
        }
        return render(request, DETAIL_TEMPLATE, context, status_code=status)

    @get("/{request_id:str}")
    async def detail(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        return await self._page(request, await self._load(request_id))

    async def _step(self, request: Request, tenant: str, raw_id: str, step) -> Response:
        subject = await self._load(raw_id)
        form = await request.form()
        try:
            failure = await step(subject, form)
        except requests.RequestError as exc:
            failure = exc.reason
        if failure:
            status = 409 if failure == "not_allowed" else 400
            message = request_labels.error_messages().get(failure, failure)
            return await self._page(request, await self._load(raw_id), error=message, status=status)
        return Redirect(f"/t/{tenant}/admin/requests/{subject['id']}", status_code=303)

    @post("/{request_id:str}/send-code")
    async def send_code(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        async def step(subject, form):
            await requests.send_code(subject["id"], actor=_actor(request), secret_key=secret_key())

        return await self._step(request, tenant, request_id, step)

    @post("/{request_id:str}/verify")
    async def verify(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        async def step(subject, form):
            code, how = str(form.get("code") or ""), str(form.get("how") or "")
            if code.strip():
                check = await requests.check_code(
                    subject["id"], code, actor=_actor(request), secret_key=secret_key()
                )
                return check.failure
            if not how.strip():
                return "reason_required"
            await requests.verify_manually(subject["id"], how, actor=_actor(request))
            return ""

        return await self._step(request, tenant, request_id, step)

    @post("/{request_id:str}/start")
    async def start(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        async def step(subject, form):
            await requests.start(subject["id"], actor=_actor(request))

        return await self._step(request, tenant, request_id, step)

    @post("/{request_id:str}/complete")
    async def complete(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        async def step(subject, form):
            note = str(form.get("note") or "")
            await requests.complete(subject["id"], actor=_actor(request), note=note)

        return await self._step(request, tenant, request_id, step)

    @post("/{request_id:str}/extend")
    async def extend(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        async def step(subject, form):
            reason = str(form.get("reason") or "")
            if not reason.strip():
                return "reason_required"
            months = str(form.get("months") or "")
            if months not in ("1", "2"):
                return "bad_months"
            await requests.extend(subject["id"], int(months), reason, actor=_actor(request))

        return await self._step(request, tenant, request_id, step)

    @post("/{request_id:str}/refuse")
    async def refuse(
        self, request: Request, tenant: FromPath[str], request_id: FromPath[str]
    ) -> Response:
        async def step(subject, form):
            await requests.refuse(
                subject["id"], str(form.get("reason") or ""), actor=_actor(request)
            )

        return await self._step(request, tenant, request_id, step)


class PersonRequestsController(Controller):
    """Staff log a request the person made by phone, letter, e-mail or in person."""

    path = "/t/{tenant:str}/persons/{person_id:str}/requests"
    opt = {"roles": STAFF_ROLES}
    include_in_schema = False

    async def _card(self, raw_id: str) -> dict:
        try:
            return await get_person(parse_uuid(raw_id))
        except (PersonNotFoundError, PersonMergedError) as exc:
            raise NotFoundException() from exc

    def _form(self, request, card, values, errors=None, status=200) -> Response:
        context = {
            **tenant_context(),
            "person": card,
            "values": values,
            "errors": errors or {},
            "error_list": list((errors or {}).items()),
            "first_error": next(iter(errors), None) if errors else None,
            "labels": labels(),
        }
        return render(request, NEW_TEMPLATE, context, status_code=status)

    @get("/new")
    async def new_form(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response:
        card = await self._card(person_id)
        email = card["emails"][0] if card["emails"] else ""
        values = {
            "kind": "",
            "requester_email": email,
            "details": "",
            "received_on": "",
            "send_code": "1",
        }
        return self._form(request, card, values)

    @post("/new")
    async def create(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response:
        card = await self._card(person_id)
        form = await request.form()
        values = form_values(form, INTAKE_FIELDS)
        values["send_code"] = "1" if checked(form, "send_code") else ""
        errors = {}
        if values["kind"] not in requests.KINDS:
            errors["kind"] = _("Valitse pyynnön laji.")
        received_on = None
        if values["received_on"].strip():
            try:
                received_on = parse_date(values["received_on"])
            except ValidationFailed:
                errors["received_on"] = _(
                    "Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 31.10.2026."
                )
            else:
                if received_on > today():
                    errors["received_on"] = _("Saapumispäivä ei voi olla tulevaisuudessa.")
        if values["send_code"] and not values["requester_email"].strip():
            errors["requester_email"] = _(
                "Vahvistuskoodia ei voi lähettää ilman sähköpostiosoitetta."
            )
        if not errors:
            try:
                created = await requests.create_request(
                    card["id"],
                    values["kind"],
                    actor=_actor(request),
                    channel="staff",
                    requester_email=values["requester_email"],
                    details=values["details"],
                    received_on=received_on,
                )
            except ValidationFailed:
                errors["requester_email"] = _("Sähköpostiosoite ei kelpaa.")
        if errors:
            return self._form(request, card, values, errors, status=400)
        if values["send_code"]:
            await requests.send_code(created["id"], actor=_actor(request), secret_key=secret_key())
        return Redirect(
            f"/t/{tenant}/persons/{card['id']}?request_logged=1#section-requests", status_code=303
        )
