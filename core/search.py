"""One search box for persons and organizations.

What the user typed decides how to look: an e-mail address or a phone number (any format)
is matched exactly on the normalised form; a business ID exactly; anything else by name
(trigram similarity, so typos and half-typed words still find) and keywords. Departed persons
are left out unless asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.db import DB
from core.text import search_form
from core.validation import (
    ValidationFailed,
    looks_like_phone,
    normalise_business_id,
    normalise_phone,
)

NAME_SIMILARITY = 0.3
WORD_SIMILARITY = 0.4
_BUSINESS_ID = re.compile(r"^\d{6,7}-?\d$")


@dataclass
class SearchResults:
    items: list[dict]
    total: int
    matched_by: str  # name | email | phone | business_id | none


_PERSON_COLUMNS = """
    'person' AS kind, p.id, p.first_name || ' ' || p.last_name AS label, p.title,
    o.name AS organization_name, p.left_organization_on,
    (SELECT email FROM person_email e WHERE e.person = p.id ORDER BY position LIMIT 1) AS email,
    (SELECT phone_e164 FROM person_phone f WHERE f.person = p.id ORDER BY position LIMIT 1)
        AS phone
"""


async def search(
    query: str, *, include_departed: bool = False, limit: int = 20, offset: int = 0
) -> SearchResults:
    q = (query or "").strip()
    if not q:
        return SearchResults([], 0, "none")
    departed = "" if include_departed else "AND p.left_organization_on IS NULL"
    conn = DB.current_connection()
    if "@" in q:
        rows = await conn.fetch(
            f"SELECT DISTINCT ON (p.sort_key, p.id) {_PERSON_COLUMNS}, 1.0 AS score "
            f"FROM person_email m JOIN person p ON p.id = m.person "
            f"LEFT JOIN organization o ON o.id = p.organization "
            f"WHERE m.email_normalised LIKE $1 AND p.merged_into IS NULL {departed} "
            f"ORDER BY p.sort_key, p.id",
            _like_prefix(q.casefold()),
        )
        return _page(rows, limit, offset, "email")
    if _BUSINESS_ID.match(q):
        try:
            business_id = normalise_business_id(q)
        except ValidationFailed:
            business_id = None
        if business_id:
            rows = await conn.fetch(
                "SELECT 'organization' AS kind, o.id, o.name AS label, o.city AS title, "
                "NULL AS organization_name, NULL::date AS left_organization_on, "
                "o.business_id AS email, NULL AS phone, 1.0 AS score "
                "FROM organization o WHERE o.business_id = $1",
                business_id,
            )
            return _page(rows, limit, offset, "business_id")
    if looks_like_phone(q):
        try:
            phone = normalise_phone(q)
        except ValidationFailed:
            phone = None
        if phone:
            rows = await conn.fetch(
                f"SELECT DISTINCT ON (p.sort_key, p.id) {_PERSON_COLUMNS}, 1.0 AS score "
                f"FROM person_phone m JOIN person p ON p.id = m.person "
                f"LEFT JOIN organization o ON o.id = p.organization "
                f"WHERE m.phone_e164 = $1 AND p.merged_into IS NULL {departed} "
                f"ORDER BY p.sort_key, p.id",
                phone,
            )
            return _page(rows, limit, offset, "phone")
    return await _by_name(q, departed, limit, offset)


async def _by_name(q: str, departed: str, limit: int, offset: int) -> SearchResults:
    term = search_form(q)
    conn = DB.current_connection()
    # Looser than pg_trgm's defaults so one swapped or missing letter still finds the
    # name; the ranking puts close matches first. Transaction-local, like the scope.
    await conn.execute(
        "SELECT set_config('pg_trgm.similarity_threshold', $1, true), "
        "set_config('pg_trgm.word_similarity_threshold', $2, true)",
        str(NAME_SIMILARITY),
        str(WORD_SIMILARITY),
    )
    rows = await conn.fetch(
        f"""
        WITH persons AS (
            SELECT {_PERSON_COLUMNS},
                   greatest(ext.similarity(p.search_name, $1),
                            ext.word_similarity($1, p.search_name),
                            CASE WHEN p.search_name LIKE $2 THEN 0.9 ELSE 0 END,
                            CASE WHEN EXISTS (SELECT 1 FROM unnest(p.keywords) k
                                              WHERE lower(k) = lower($3)) THEN 0.8 ELSE 0 END)
                   AS score, p.sort_key
            FROM person p LEFT JOIN organization o ON o.id = p.organization
            WHERE p.merged_into IS NULL {departed}
              AND (p.search_name OPERATOR(ext.%) $1 OR $1 OPERATOR(ext.<%) p.search_name
                   OR p.search_name LIKE $4
                   OR p.keywords && ARRAY[$3]::varchar[])
        ), organizations AS (
            SELECT 'organization' AS kind, o.id, o.name AS label, o.city AS title,
                   NULL AS organization_name, NULL::date AS left_organization_on,
                   o.business_id AS email, NULL AS phone,
                   greatest(ext.similarity(o.search_name, $1),
                            ext.word_similarity($1, o.search_name),
                            CASE WHEN o.search_name LIKE $2 THEN 0.9 ELSE 0 END) AS score,
                   o.sort_key
            FROM organization o
            WHERE o.search_name OPERATOR(ext.%) $1 OR $1 OPERATOR(ext.<%) o.search_name
                  OR o.search_name LIKE $4
        )
        SELECT *, count(*) OVER () AS total
        FROM (SELECT * FROM persons UNION ALL SELECT * FROM organizations) hits
        ORDER BY score DESC, sort_key, id LIMIT $5 OFFSET $6
        """,
        term,
        _like_prefix(term),
        q,
        f"%{_escape_like(term)}%",
        limit,
        offset,
    )
    total = rows[0]["total"] if rows else 0
    items = [{k: v for k, v in dict(r).items() if k not in ("sort_key", "total")} for r in rows]
    return SearchResults(items, total, "name" if rows else "none")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _escape_like(text) + "%"


def _page(rows, limit: int, offset: int, matched_by: str) -> SearchResults:
    items = [dict(r) for r in rows[offset : offset + limit]]
    for item in items:
        item.pop("sort_key", None)
    return SearchResults(items, len(rows), matched_by if rows else "none")
