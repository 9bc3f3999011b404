"""CSV export of the register: /t/<slug>/export/persons.csv and /export/organizations.csv.

The files are streamed from a database cursor while the request's tenant transaction is open
(the scope wraps the response too). Format and formula neutralising: see core.csv_io.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Stream

from core import csv_io, restriction
from core.db import DB
from web import read_audit

ROWS_PER_CHUNK = 200
# How many cards under restriction of processing the person export left out.
RESTRICTED_HEADER = "X-Kortisto-Restricted-Left-Out"


async def _chunks(columns: Sequence[str], rows: AsyncIterator[list[str]]) -> AsyncIterator[str]:
    yield csv_io.BOM + csv_io.csv_line(columns)
    chunk: list[str] = []
    async for row in rows:
        chunk.append(csv_io.csv_line(row))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _download(
    tenant: str,
    what: str,
    columns: Sequence[str],
    rows: AsyncIterator[list[str]],
    extra_headers: dict[str, str] | None = None,
) -> Stream:
    filename = f"kortisto-{tenant}-{what}-{date.today().isoformat()}.csv"
    return Stream(
        _chunks(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data: never kept by a shared cache or the browser's.
            "Cache-Control": "no-store",
            **(extra_headers or {}),
        },
    )


# The cards the person export writes (as core.csv_io.person_rows selects them).
EXPORTED_IDS = """
SELECT p.id FROM person p WHERE p.merged_into IS NULL AND p.restricted_at IS NULL
ORDER BY p.sort_key, p.id
"""


async def audit_person_export(request: Request) -> None:
    """Every card the person export holds, as ONE read event, before the first byte goes."""
    if request.url.path.endswith("/persons.csv"):
        rows = await DB.current_connection().fetch(EXPORTED_IDS)
        await read_audit.cards_read(
            request, [r["id"] for r in rows], via="export", purpose="export"
        )


class ExportController(Controller):
    path = "/t/{tenant:str}/export"
    include_in_schema = False
    before_request = audit_person_export

    @get("/persons.csv")
    async def persons_csv(self, tenant: FromPath[str]) -> Stream:
        # Restricted cards (Art. 18) are left out; how many, the export page and this say.
        left_out = await restriction.count_restricted()
        return _download(
            tenant,
            "persons",
            csv_io.PERSON_COLUMNS,
            csv_io.person_rows(),
            {RESTRICTED_HEADER: str(left_out)},
        )

    @get("/organizations.csv")
    async def organizations_csv(self, tenant: FromPath[str]) -> Stream:
        return _download(
            tenant, "organizations", csv_io.ORGANIZATION_COLUMNS, csv_io.organization_rows()
        )
