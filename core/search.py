"""One search box for persons and organizations.

What the user typed decides how to look: an e-mail address or a phone number (any format)
is matched exactly on the normalised form; a business ID exactly; a personal identity code
exactly by its keyed hash (only when the register has codes on, core.hetu); anything else by name
(trigram similarity, so typos and half-typed words still find) and keywords. Departed persons
are left out unless asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import hetu
from core.db import DB
from core.text import search_form
from core.validation import (
    ValidationFailed,
    looks_like_phone,
    normalise_business_id,
    normalise_phone,
)

NAME_SIMILARITY = 0.3  # how far a typed word may be from a known name word
CORRECTIONS_PER_WORD = 4
MAX_WORDS = 6
# Ranking and counting stop at this many hits, so a common surname costs no more than a rare
# one; past it the user is told there are more and asked to narrow the search.
RANKED_HITS = 500
# The words of a name and the parts of its double names, as the NAME_PART_INDEXES have them.
NAME_PARTS = "string_to_array(replace({col}, '-', ' '), ' ')"
HIDE_DEPARTED = "AND p.left_organization_on IS NULL"
_BUSINESS_ID = re.compile(r"^\d{6,7}-?\d$")


@dataclass
class SearchResults:
    items: list[dict]
    total: int
    matched_by: str  # name | email | phone | business_id | hetu | none
    # More than `total` cards match (a very common name): the pages show `total` of them,
    # ranked, and the user is asked to narrow the search.
    more: bool = False


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
    departed = "" if include_departed else HIDE_DEPARTED
    conn = DB.current_connection()
    if "@" in q:
        rows = await conn.fetch(
            f"SELECT DISTINCT ON (p.sort_key, p.id) {_PERSON_COLUMNS} "
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
                "o.business_id AS email, NULL AS phone "
                "FROM organization o WHERE o.business_id = $1",
                business_id,
            )
            # Eight digits can be both a valid Y-tunnus and a phone number (an Åland landline
            # such as 018 64732): no organization with it, so try the phone.
            if rows or not looks_like_phone(q):
                return _page(rows, limit, offset, "business_id")
    hetu_hash = await hetu.search_hash(q)  # only when the register has codes on
    if hetu_hash:
        rows = await conn.fetch(
            f"SELECT {_PERSON_COLUMNS} FROM person p "
            f"LEFT JOIN organization o ON o.id = p.organization "
            f"WHERE p.hetu_hash = $1 AND p.merged_into IS NULL {departed}",
            hetu_hash,
        )
        return _page(rows, limit, offset, "hetu")
    if looks_like_phone(q):
        try:
            phone = normalise_phone(q)
        except ValidationFailed:
            phone = None
        if phone:
            rows = await conn.fetch(
                f"SELECT DISTINCT ON (p.sort_key, p.id) {_PERSON_COLUMNS} "
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
    words = search_words(term)
    if not words:
        return SearchResults([], 0, "none")
    conn = DB.current_connection()
    # No planner settings per search: with cached plans, an extra round trip on every search
    # bought nothing (at 100k cards the planner takes the trigram index with the default
    # page costs too; bench search).
    # Every typed word as a substring first: index-backed (trigram GIN) and exact, so a
    # half-typed surname or "first last" in either order finds at once.
    found = await _name_page(conn, [[w] for w in words], q, departed, limit, offset)
    if found.total:
        return found
    # Nothing has all the words: correct each word against the name vocabulary (a small
    # table) and look again with the likely intended words.
    # The corrections are whole name words, so the cards are found by whole name parts: an
    # index on the parts serves that at a fraction of the cost of the corrections' trigrams
    # (bench search-1m: ~30 ms at a million cards). Unlike a typed word, a correction is not
    # looked for inside longer words.
    alternatives = await _corrected_words(conn, words)
    if not alternatives:
        return SearchResults([], 0, "none")
    return await _name_page(conn, alternatives, None, departed, limit, offset, whole_parts=True)


def search_words(term: str) -> list[str]:
    words = [w for w in term.split(" ") if w][:MAX_WORDS]
    if words and max(len(w) for w in words) < 3:
        # One- and two-letter words alone cannot use the trigram index: match name starts.
        return words
    return [w for w in words if len(w) >= 2] or words


async def _corrected_words(conn, words: list[str]) -> list[list[str]]:
    """For each word, the vocabulary words closest to it (the word itself when known)."""
    # The threshold of the `%` operator (which the trigram index serves), for this
    # transaction only: a round trip only searches that found nothing pay.
    await conn.execute(
        "SELECT set_config('pg_trgm.similarity_threshold', $1, true)", str(NAME_SIMILARITY)
    )
    rows = await conn.fetch(
        "SELECT t.i, c.word FROM unnest($1::text[]) WITH ORDINALITY t(w, i), "
        "LATERAL (SELECT word FROM name_word WHERE word OPERATOR(ext.%) t.w "
        "ORDER BY ext.similarity(word, t.w) DESC, word LIMIT $2) c",
        [w for w in words if len(w) >= 3],
        CORRECTIONS_PER_WORD,
    )
    by_word: dict[int, list[str]] = {}
    for r in rows:
        by_word.setdefault(r["i"], []).append(r["word"])
    return list(by_word.values())


async def _name_page(
    conn,
    alternatives: list[list[str]],
    keyword: str | None,
    departed: str,
    limit: int,
    offset: int,
    whole_parts: bool = False,
) -> SearchResults:
    sql, args = name_search_sql(alternatives, keyword, departed, limit, offset, whole_parts)
    rows = await conn.fetch(sql, *args)
    total = rows[0]["total"] if rows else 0
    more = total > RANKED_HITS
    if more:
        total = RANKED_HITS
        if offset + limit > RANKED_HITS:
            rows = rows[: max(0, RANKED_HITS - offset)]
    items = [{k: v for k, v in dict(r).items() if k not in ("total", "rank")} for r in rows]
    return SearchResults(items, total, "name" if total else "none", more)


def name_search_sql(
    alternatives: list[list[str]],
    keyword: str | None,
    departed: str,
    limit: int,
    offset: int,
    whole_parts: bool = False,
) -> tuple[str, list]:
    """Cards whose name holds, for every typed word, one of that word's alternatives: as a
    substring, or with `whole_parts` as whole name parts (words, and the parts of a double
    name; an alternative `a-b` needs both parts), which the NAME_PARTS index serves.

    At most RANKED_HITS + 1 hits are read (their count tells whether there are more), ranked:
    names where each word starts a name part first, then alphabetical (Finnish). Contact
    details are looked up only for the rows shown.
    """
    args: list = []

    def arg(value) -> str:
        args.append(value)
        return f"${len(args)}"

    short = all(len(w) < 3 for alts in alternatives for w in alts)

    def at_start(alts: list[str]) -> str:
        # A word starting a name part: the first word, or one after a space or hyphen.
        return (
            "("
            + " OR ".join(
                f"{{col}} LIKE {arg(_escape_like(w) + '%')} "
                f"OR {{col}} LIKE {arg('% ' + _escape_like(w) + '%')} "
                f"OR {{col}} LIKE {arg('%-' + _escape_like(w) + '%')}"
                for w in alts
            )
            + ")"
        )

    def contains(alts: list[str]) -> str:
        return (
            "("
            + " OR ".join(f"{{col}} LIKE {arg('%' + _escape_like(w) + '%')}" for w in alts)
            + ")"
        )

    def parts(alts: list[str]) -> str:
        single = [w for w in alts if "-" not in w]
        tests = [f"{NAME_PARTS} && {arg(single)}::text[]"] if single else []
        tests += [f"{NAME_PARTS} @> {arg(w.split('-'))}::text[]" for w in alts if "-" in w]
        return "(" + " OR ".join(tests) + ")"

    if whole_parts:
        name_match = " AND ".join(parts(a) for a in alternatives)
    else:  # too short for the trigram index: name-part starts only
        name_match = " AND ".join(at_start(a) if short else contains(a) for a in alternatives)
    rank = " + ".join(f"{at_start(a)}::int" for a in alternatives)
    keyword_match = ""
    if keyword:
        keyword_match = f" OR p.keywords && ARRAY[{arg(keyword)}]::varchar[]"
    person_where = (
        f"p.merged_into IS NULL {departed} "
        f"AND ({name_match.replace('{col}', 'p.search_name')}{keyword_match})"
    )
    org_where = name_match.replace("{col}", "o.search_name")
    person_rank, org_rank = (
        rank.replace("{col}", "p.search_name"),
        rank.replace("{col}", "o.search_name"),
    )
    hits = f"""
        SELECT * FROM (
            SELECT 'person' AS kind, p.id, p.sort_key, {person_rank} AS rank
            FROM person p WHERE {person_where}
            UNION ALL
            SELECT 'organization', o.id, o.sort_key, {org_rank}
            FROM organization o WHERE {org_where}
        ) matched LIMIT {arg(RANKED_HITS + 1)}"""
    lim, off = arg(limit), arg(offset)
    sql = f"""
        WITH hits AS MATERIALIZED ({hits}
        ), page AS (
            SELECT *, count(*) OVER () AS total FROM hits
            ORDER BY rank DESC, sort_key, id LIMIT {lim} OFFSET {off}
        )
        SELECT page.kind, page.id, page.total, page.rank,
               CASE WHEN page.kind = 'person' THEN p.first_name || ' ' || p.last_name
                    ELSE og.name END AS label,
               CASE WHEN page.kind = 'person' THEN p.title ELSE og.city END AS title,
               o.name AS organization_name, p.left_organization_on,
               CASE WHEN page.kind = 'person' THEN
                   (SELECT email FROM person_email e WHERE e.person = p.id
                    ORDER BY position LIMIT 1)
               ELSE og.business_id END AS email,
               (SELECT phone_e164 FROM person_phone f WHERE f.person = p.id
                ORDER BY position LIMIT 1) AS phone
        FROM page
        LEFT JOIN person p ON page.kind = 'person' AND p.id = page.id
        LEFT JOIN organization o ON o.id = p.organization
        LEFT JOIN organization og ON page.kind = 'organization' AND og.id = page.id
        ORDER BY page.rank DESC, page.sort_key, page.id
        """
    return sql, args


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _escape_like(text) + "%"


def _page(rows, limit: int, offset: int, matched_by: str) -> SearchResults:
    items = [dict(r) for r in rows[offset : offset + limit]]
    for item in items:
        item.pop("sort_key", None)
    return SearchResults(items, len(rows), matched_by if rows else "none")
