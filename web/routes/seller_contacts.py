"""Inbound seller contacts as a page: the list with search, the form to record one, deleting
after a confirmation. Reached from the register's navigation; staff and admins only."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit
from core.customer_data import RecordNotFoundError
from core.seller_contacts import (
    PAGE_SIZE,
    SellerContactInput,
    add_seller_contact,
    delete_seller_contact,
    get_seller_contact,
    search_seller_contacts,
)
from core.validation import ValidationFailed
from web.auth import current_user
from web.forms import (
    display_phone,
    form_values,
    ordered_errors,
    page_number,
    pager,
    parse_uuid,
    render,
    tenant_context,
    wants_fragment,
)
from web.i18n import _
from web.record_forms import record_errors

TEMPLATE = "sellers/list.html"
CONFIRM_TEMPLATE = "sellers/delete.html"
FIELDS = (
    "seller_name",
    "seller_organization",
    "phone",
    "email",
    "subject",
    "contacted_on",
    "notes",
)


async def _page(
    request: Request,
    *,
    q: str = "",
    page: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    base = tenant_context()["base"]
    _rows, total = await search_seller_contacts(q, limit=1)
    paging = pager(f"{base}/sellers/", {"q": q}, page_number(page), total, PAGE_SIZE)
    rows, total = await search_seller_contacts(q, limit=PAGE_SIZE, offset=paging.offset)
    for row in rows:
        row["phone_shown"] = display_phone(row["phone_e164"])
    error_list = ordered_errors(errors or {}, FIELDS)
    context = {
        **tenant_context(),
        "current": "sellers",
        "q": q,
        "rows": rows,
        "total": total,
        "pager": paging,
        "rec": {
            "values": values or dict.fromkeys(FIELDS, ""),
            "errors": errors or {},
            "error_list": error_list,
            "first_error": error_list[0][0] if error_list else None,
        },
        "notice": notice,
    }
    # Typing in the search box swaps only the results.
    block = "results" if wants_fragment(request) and request.method == "GET" else None
    return render(request, TEMPLATE, context, block=block, status_code=status)


class SellerContactsController(Controller):
    path = "/t/{tenant:str}/sellers"
    include_in_schema = False

    @get("/")
    async def list_page(
        self,
        request: Request,
        tenant: FromPath[str],
        q: FromQuery[str] = "",
        page: FromQuery[str] = "",
        saved: FromQuery[str] = "",
        deleted: FromQuery[str] = "",
    ) -> Response:
        # After a save or delete the browser comes back here (post/redirect/get).
        notice = _("Yhteydenotto tallennettiin.") if saved else ""
        notice = _("Yhteydenotto poistettiin.") if deleted else notice
        return await _page(request, q=q.strip(), page=page, notice=notice)

    @post("/")
    async def add(self, request: Request, tenant: FromPath[str]) -> Response:
        values = form_values(await request.form(), FIELDS)
        data = SellerContactInput(
            seller_name=values["seller_name"],
            seller_organization=values["seller_organization"],
            phone=values["phone"],
            email=values["email"],
            subject=values["subject"],
            notes=values["notes"],
            contacted_on=values["contacted_on"],
        )
        try:
            await add_seller_contact(data, actor=audit.Actor.user(current_user(request)))
        except ValidationFailed as exc:
            errors = record_errors(exc, values)
            return await _page(request, values=values, errors=errors, status=422)
        return Redirect(f"{tenant_context()['base']}/sellers/?saved=1", status_code=303)

    @get("/{seller_id:str}/delete")
    async def confirm_delete(
        self, request: Request, tenant: FromPath[str], seller_id: FromPath[str]
    ) -> Response:
        try:
            row = await get_seller_contact(parse_uuid(seller_id))
        except RecordNotFoundError as exc:
            raise NotFoundException() from exc
        context = {**tenant_context(), "current": "sellers", "row": row}
        return render(request, CONFIRM_TEMPLATE, context)

    @post("/{seller_id:str}/delete")
    async def delete(
        self, request: Request, tenant: FromPath[str], seller_id: FromPath[str]
    ) -> Response:
        try:
            await delete_seller_contact(
                parse_uuid(seller_id), actor=audit.Actor.user(current_user(request))
            )
        except RecordNotFoundError as exc:
            raise NotFoundException() from exc
        return Redirect(f"{tenant_context()['base']}/sellers/?deleted=1", status_code=303)
