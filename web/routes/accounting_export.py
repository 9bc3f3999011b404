"""Accounting export page /t/<slug>/export/accounting (issue 7 item 7, core.accounting_export).

GET is the preview: the formats the tenant's enabled accounting plugin offers (its service's
and the generic CSV), how many organizations and billing contacts the file would hold, and
the billing contacts the transfer gate would leave out, by name with the reason (one
person.read event for the names shown). POST writes the file and hands it out; the contacts
in it pass the gate (one transfer row each) and are ONE person.read event (purpose export).
Staff and admins, as the register's CSV exports.
"""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from core import accounting_export, audit
from core.contact_gate import may_contact_many
from core.db import DB
from core.transfer_gate import REFUSALS
from web.auth import current_user
from web.forms import render, tenant_context
from web.i18n import _
from web.read_audit import cards_read

TEMPLATE = "exports/accounting.html"
# How many billing contacts the gate left out of the downloaded file.
REFUSED_HEADER = "X-Kortisto-Refused-Contacts"


def reason_text(reason: str) -> str:
    """Why the gate left a contact out (core.transfer_gate's reason codes), in words."""
    return {
        "restricted": _("Käsittelyä on rajoitettu (tietosuoja-asetuksen 18 artikla)."),
        "objection": _("Henkilö on kieltänyt tai rajoittanut tietojensa käsittelyn."),
        "no_consent": _("Henkilö ei ole antanut tähän tarvittavaa suostumusta."),
    }.get(reason, _("Käyntikorttia ei enää ole rekisterissä."))


async def _left_out(contacts: list[dict]) -> list[dict]:
    """The billing contacts the transfer gate would refuse, as core.transfer_gate decides."""
    ids = [uuid.UUID(c["person_id"]) for c in contacts]
    decisions = await may_contact_many(ids, "", "transfer") if ids else {}
    out = []
    for contact, person_id in zip(contacts, ids, strict=True):
        decision = decisions[person_id]
        if not decision.allowed:
            reason = REFUSALS.get(decision.reason, "no_basis")
            name = f"{contact['first_name']} {contact['last_name']}".strip()
            out.append({"person_id": person_id, "name": name, "reason": reason_text(reason)})
    return out


async def _organization_count() -> int:
    return await DB.current_connection().fetchval("SELECT count(*) FROM organization")


async def _page(
    request: Request, *, chosen: str = "", with_contacts: bool = True, error: str = ""
) -> Response:
    formats = await accounting_export.formats()
    contacts = await accounting_export.billing_contacts() if formats else []
    left_out = await _left_out(contacts)
    await cards_read(
        request,
        [c["person_id"] for c in left_out],
        via="accounting_export_preview",
        purpose="export",
    )
    keys = [f["key"] for f in formats]
    context = {
        **tenant_context(),
        "formats": formats,
        "chosen": chosen if chosen in keys else (keys[0] if keys else ""),
        "with_contacts": with_contacts,
        "organizations": await _organization_count() if formats else 0,
        "contacts": len(contacts) - len(left_out),
        "left_out": left_out,
        "error": error,
        "is_admin": current_user(request)["role"] == "admin",
    }
    return render(request, TEMPLATE, context, status_code=400 if error else 200)


class AccountingExportController(Controller):
    path = "/t/{tenant:str}/export/accounting"
    include_in_schema = False

    @get("/")
    async def preview(
        self,
        request: Request,
        tenant: FromPath[str],
        format: FromQuery[str] = "",
        contacts: FromQuery[str] = "1",
    ) -> Response:
        return await _page(request, chosen=format, with_contacts=contacts == "1")

    @post("/")
    async def download(self, request: Request, tenant: FromPath[str]) -> Response:
        form = await request.form()
        chosen = str(form.get("format") or "")
        with_contacts = form.get("contacts") == "1"
        try:
            result = await accounting_export.export(
                chosen,
                with_contacts=with_contacts,
                actor=audit.Actor.user(current_user(request)),
            )
        except accounting_export.UnknownFormat:
            return await _page(
                request,
                chosen=chosen,
                with_contacts=with_contacts,
                error=_("Valitse jokin tarjolla olevista tiedostomuodoista."),
            )
        await cards_read(
            request,
            result.included,
            via="accounting_export",
            purpose="export",
            format=chosen,
        )
        extension = result.format.get("extension", "csv")
        filename = f"kortisto-{tenant}-kirjanpito-{chosen}-{date.today().isoformat()}.{extension}"
        return Response(
            result.content,
            media_type=result.format.get("media_type", "text/csv"),
            status_code=200,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                # Personal data: never kept by a shared cache or the browser's.
                "Cache-Control": "no-store",
                REFUSED_HEADER: str(len(result.refused)),
            },
        )
