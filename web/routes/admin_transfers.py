"""The tenant's transfer register (/admin/transfers/): every outbound transfer of personal data
the transfer gate recorded, filtered by processor, person, outside the EU/EEA and date, paged.
Admins only; showing a page is an audited read of the persons on it (one person.read event).
"""

from __future__ import annotations

import uuid
from datetime import date
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from core.transfer_log import TransferFilter, processor_names, search
from web import read_audit
from web.auth import ADMIN_ONLY
from web.forms import render, tenant_context

TEMPLATE = "admin/transfers.html"


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:  # a mistyped id filters nothing rather than failing the page
        return None


class AdminTransfersController(Controller):
    path = "/t/{tenant:str}/admin/transfers"
    opt = {"roles": ADMIN_ONLY}
    include_in_schema = False

    @get("/")
    async def transfers(
        self,
        request: Request,
        tenant: FromPath[str],
        processor: FromQuery[str] = "",
        person: FromQuery[str] = "",
        outside_eea: FromQuery[str] = "",
        date_from: FromQuery[str] = "",
        date_to: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Response:
        where = TransferFilter(
            processor=processor,
            person_id=_uuid(person),
            outside_eea={"yes": True, "no": False}.get(outside_eea),
            date_from=_date(date_from),
            date_to=_date(date_to),
        )
        found = await search(where, page=page)
        shown = [r["person_id"] for r in found["rows"] if r["person_id"]]
        await read_audit.cards_read(request, shown, via="transfers")
        filters = {
            "processor": processor,
            "person": person,
            "outside_eea": outside_eea,
            "date_from": date_from,
            "date_to": date_to,
        }
        query = urlencode({k: v for k, v in filters.items() if v})
        context = {
            **tenant_context(),
            **found,
            "filters": filters,
            "query": query,
            "processors": await processor_names(),
        }
        return render(request, TEMPLATE, context)
