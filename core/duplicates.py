"""Likely duplicates of a card being created or edited.

Strong: the same normalised e-mail or phone number. Weak: a similar name in the same
organization. The input may be half-typed, so contacts that do not parse yet are skipped
instead of failing.
"""

from __future__ import annotations

import uuid

from core.db import DB
from core.persons import PersonInput, split_list
from core.text import search_form
from core.validation import ValidationFailed, normalise_email, normalise_phone

WEAK_NAME_SIMILARITY = 0.45


def _lenient(values, normalise) -> list[str]:
    out = []
    for raw in split_list(values):
        try:
            value = normalise(raw)
        except ValidationFailed:
            continue
        out.append(value[1] if isinstance(value, tuple) else value)
    return out


async def find_duplicates(data: PersonInput, *, exclude_id: uuid.UUID | None = None) -> list[dict]:
    emails = _lenient(data.emails, normalise_email)
    phones = _lenient(data.phones, normalise_phone)
    name = search_form(f"{data.first_name or ''} {data.last_name or ''}")
    conn = DB.current_connection()
    rows = await conn.fetch(
        """
        WITH strong AS MATERIALIZED (
            SELECT e.person, 'email' AS reason, e.email AS detail FROM person_email e
            WHERE e.email_normalised = ANY($1::text[])
            UNION ALL
            SELECT f.person, 'phone', f.phone_e164 FROM person_phone f
            WHERE f.phone_e164 = ANY($2::text[])
        ), weak AS MATERIALIZED (
            SELECT p.id AS person, 'name' AS reason, p.first_name || ' ' || p.last_name AS detail
            FROM person p
            WHERE $3 <> '' AND $4::uuid IS NOT NULL AND p.organization = $4
              AND ext.similarity(p.search_name, $3) >= $5
        ), hits AS (SELECT * FROM strong UNION ALL SELECT * FROM weak)
        SELECT p.id, p.first_name, p.last_name, p.title, p.left_organization_on,
               o.name AS organization_name,
               array_agg(DISTINCT h.reason) AS reasons, array_agg(DISTINCT h.detail) AS details
        FROM hits h JOIN person p ON p.id = h.person
        LEFT JOIN organization o ON o.id = p.organization
        WHERE p.merged_into IS NULL AND ($6::uuid IS NULL OR p.id <> $6)
        GROUP BY p.id, o.name ORDER BY p.sort_key LIMIT 20
        """,
        emails,
        phones,
        name,
        data.organization_id,
        WEAK_NAME_SIMILARITY,
        exclude_id,
    )
    found = []
    for r in rows:
        reasons = set(r["reasons"])
        found.append(
            {
                "id": r["id"],
                "name": f"{r['first_name']} {r['last_name']}",
                "title": r["title"],
                "organization_name": r["organization_name"],
                "departed": r["left_organization_on"] is not None,
                "strength": "strong" if reasons & {"email", "phone"} else "weak",
                "reasons": sorted(reasons),
                "details": sorted(r["details"]),
            }
        )
    found.sort(key=lambda d: d["strength"] != "strong")
    return found
