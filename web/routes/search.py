"""One search box for persons and organizations, and the persons list it shares a page with.

`/t/<slug>/search?q=…` answers the whole page, or for an HTMX request (search-as-you-type,
paging, the "include those who left" switch) only the page's `results` block. With an empty
query the persons are listed in Finnish alphabetical order. Departed persons are left out
unless `include_departed` is set.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from core.persons import list_persons
from core.search import search
from web import read_audit
from web.forms import (
    PAGE_SIZE,
    display_phone,
    page_number,
    pager,
    render,
    tenant_context,
    wants_fragment,
)

LIST_TEMPLATE = "persons/list.html"


def _person_row(row: dict) -> dict[str, Any]:
    label = row.get("label") or f"{row['first_name']} {row['last_name']}"
    return {
        "kind": "person",
        "id": row["id"],
        "label": label,
        "title": row.get("title") or "",
        "organization_name": row.get("organization_name") or "",
        "organization_id": row.get("organization_id"),
        "left_on": row.get("left_organization_on"),
        "email": row.get("email") or "",
        "phone": display_phone(row.get("phone")),
        "phone_e164": row.get("phone") or "",
    }


def _organization_row(row: dict) -> dict[str, Any]:
    # core.search puts an organization's city in `title` and its business ID in `email`.
    return {
        "kind": "organization",
        "id": row["id"],
        "label": row["label"],
        "city": row.get("title") or "",
        "business_id": row.get("email") or "",
    }


async def _find(
    query: str, include_departed: bool, offset: int
) -> tuple[list[dict], int, str, bool]:
    if query:
        found = await search(
            query, include_departed=include_departed, limit=PAGE_SIZE, offset=offset
        )
        rows = [
            _organization_row(r) if r["kind"] == "organization" else _person_row(r)
            for r in found.items
        ]
        return rows, found.total, found.matched_by, found.more
    people, total = await list_persons(
        include_departed=include_departed, limit=PAGE_SIZE, offset=offset
    )
    return [_person_row(r) for r in people], total, "list", False


async def results_page(
    request: Request, *, query: str, include_departed: bool, page: str, current: str
) -> Response:
    """The list-and-search page (or its results block): shared by /persons/ and /search."""
    query = query.strip()[:200]
    number = page_number(page)
    rows, total, matched_by, more = await _find(query, include_departed, (number - 1) * PAGE_SIZE)
    params = {"q": query, "include_departed": "1" if include_departed else ""}
    if not rows and number > 1:
        # Past the last page (a stale link): show the last page instead of nothing.
        rows, total, matched_by, more = await _find(query, include_departed, 0)
        number = max(1, -(-total // PAGE_SIZE))
        if number > 1:
            offset = (number - 1) * PAGE_SIZE
            rows, total, matched_by, more = await _find(query, include_departed, offset)
    paging = pager(request.url.path, params, number, total, PAGE_SIZE)
    # The cards shown are a read of their fields: one event for the page (web.read_audit).
    shown = [row["id"] for row in rows if row["kind"] == "person"]
    await read_audit.cards_read(request, shown, via="search" if query else "list")
    context = {
        **tenant_context(),
        "current": current,
        "query": query,
        "include_departed": include_departed,
        "rows": rows,
        "total": total,
        "matched_by": matched_by,
        "more": more,
        "pager": paging,
    }
    block = "results" if wants_fragment(request) else None
    return render(request, LIST_TEMPLATE, context, block=block)


class SearchController(Controller):
    path = "/t/{tenant:str}/search"
    include_in_schema = False

    @get("/")
    async def search_page(
        self,
        request: Request,
        tenant: FromPath[str],
        q: FromQuery[str] = "",
        include_departed: FromQuery[str] = "",
        page: FromQuery[str] = "",
    ) -> Response:
        return await results_page(
            request,
            query=q,
            include_departed=include_departed in ("1", "on", "true"),
            page=page,
            current="search",
        )
