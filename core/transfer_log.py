"""Reading the transfer register (rows core.transfer_gate writes): per person and per tenant
with filters, newest first, paged. Callers audit the read of the persons shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from core.db import DB

PAGE_SIZE = 50
_COLUMNS = (
    "t.id, t.at, t.person_id, t.processor, t.recipient, t.plugin, t.country, t.outside_eea, "
    "t.safeguard, t.purpose, t.categories, t.external_ref, t.status, t.error, t.actor_label"
)


@dataclass(frozen=True)
class TransferFilter:
    processor: str = ""
    person_id: uuid.UUID | None = None
    outside_eea: bool | None = None
    date_from: date | None = None
    date_to: date | None = None


async def for_person(person_id: uuid.UUID, limit: int = 100) -> list[dict]:
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS} FROM transfer t WHERE t.person_id = $1 ORDER BY t.at DESC, t.id "
        "LIMIT $2",
        person_id,
        limit,
    )
    return [dict(r) for r in rows]


async def search(where: TransferFilter, *, page: int = 1, page_size: int = PAGE_SIZE) -> dict:
    """{"rows" (with person_name), "page", "has_next"}; dates are inclusive, in UTC days."""
    page = max(page, 1)
    rows = await DB.current_connection().fetch(
        f"SELECT {_COLUMNS}, concat_ws(' ', p.first_name, p.last_name) AS person_name "
        "FROM transfer t LEFT JOIN person p ON p.id = t.person_id "
        "WHERE ($1 = '' OR t.processor = $1) AND ($2::uuid IS NULL OR t.person_id = $2) "
        "AND ($3::boolean IS NULL OR t.outside_eea = $3) "
        "AND ($4::date IS NULL OR t.at >= $4::date) "
        "AND ($5::date IS NULL OR t.at < $5::date + 1) "
        "ORDER BY t.at DESC, t.id LIMIT $6 OFFSET $7",
        where.processor,
        where.person_id,
        where.outside_eea,
        where.date_from,
        where.date_to,
        page_size + 1,
        (page - 1) * page_size,
    )
    found = [dict(r) for r in rows]
    return {"rows": found[:page_size], "page": page, "has_next": len(found) > page_size}


async def processor_names() -> list[str]:
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT processor FROM transfer ORDER BY processor"
    )
    return [r["processor"] for r in rows]
