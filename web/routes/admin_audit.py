"""The admins' audit page: /t/<slug>/admin/audit — who read or changed what, when, why.

Filters: a person (their card's id; the person page links here), the actor (part of an e-mail
or an exact id), the action (or its prefix), a date range (Helsinki days, both ends included).
Paged, newest first; each row shows the purpose and the request id and links to the cards.
The page shows ids, codes and e-mails of actors only: no person's data is read here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from core.audit_chain import current_seal
from core.audit_search import AuditFilter, search_events
from web.auth import ADMIN_ONLY
from web.forms import page_number, pager, render, tenant_context
from web.i18n import DISPLAY_TIMEZONE, _

TEMPLATE = "admin/audit.html"
PAGE_SIZE = 50


def purpose_labels() -> dict[str, str]:
    return {
        "customer_service": _("Asiakaspalvelu"),
        "export": _("Vienti"),
        "api": _("Rajapinta"),
        "self_service": _("Oma asiointi"),
        "break_glass": _("Palveluntarjoajan murtopääsy"),
        "audit": _("Lokin tarkastus"),
        "access_request": _("Tarkastus- tai siirtopyyntö"),
        "": "–",
    }


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, DISPLAY_TIMEZONE) if day else None


class AdminAuditController(Controller):
    path = "/t/{tenant:str}/admin/audit"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def page(
        self,
        request: Request,
        tenant: FromPath[str],
        person: FromQuery[str] = "",
        actor: FromQuery[str] = "",
        action: FromQuery[str] = "",
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
        page: FromQuery[str] = "",
    ) -> Response:
        errors: dict[str, str] = {}
        person_id = None
        if person.strip():
            try:
                person_id = uuid.UUID(person.strip())
            except ValueError:
                errors["person"] = _("Anna henkilön tunniste (kortin osoitteesta).")
        since_day, until_day = _day(since), _day(until)
        if since.strip() and since_day is None:
            errors["since"] = _("Anna päivämäärä muodossa vvvv-kk-pp.")
        if until.strip() and until_day is None:
            errors["until"] = _("Anna päivämäärä muodossa vvvv-kk-pp.")
        filters = AuditFilter(
            person_id=person_id,
            actor=actor[:320],
            action=action[:100],
            since=_start_of(since_day),
            until=_start_of(until_day + timedelta(days=1)) if until_day else None,
        )
        number = page_number(page)
        events, total = ([], 0)
        if not errors:
            events, total = await search_events(
                filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
            )
        params = {
            "person": person,
            "actor": actor,
            "action": action,
            "since": since,
            "until": until,
        }
        context = {
            **tenant_context(),
            "current": "",
            "events": events,
            "total": total,
            "values": params,
            "errors": errors,
            "purposes": purpose_labels(),
            "pager": pager(request.url.path, params, number, total, PAGE_SIZE),
            "seal": await current_seal(),
        }
        response = render(request, TEMPLATE, context, status_code=422 if errors else 200)
        response.headers["Cache-Control"] = "no-store"
        return response
