"""Name search: every typed word as a substring first, typos corrected against the name
vocabulary (kept current by triggers), ranking, organizations, short input, paging."""

from datetime import date

import pytest

from core.db import DB
from core.organizations import OrganizationInput, create_organization, update_organization
from core.persons import PersonInput, create_person, mark_left, update_person
from core.search import search
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _person(first, last, **kw):
    return await create_person(PersonInput(first_name=first, last_name=last, **kw))


def _labels(found):
    return [item["label"] for item in found.items]


async def test_words_in_any_order_and_half_typed_names_find_the_card(tenant):
    async with tenant_scope(tenant.slug):
        await _person("Anna", "Virtanen")
        await _person("Pekka", "Korhonen")
        for typed in ("anna virtanen", "Virtanen Anna", "virt", "VIRTANEN", "anna virt"):
            found = await search(typed)
            assert _labels(found) == ["Anna Virtanen"], typed
            assert found.matched_by == "name"


async def test_word_starts_rank_before_matches_inside_a_word(tenant):
    async with tenant_scope(tenant.slug):
        await _person("Joanna", "Aalto")  # alphabetically first, "anna" inside a word
        await _person("Anna", "Virtanen")
        found = await search("anna")
    assert _labels(found) == ["Anna Virtanen", "Joanna Aalto"]


async def test_typo_is_corrected_against_the_vocabulary(tenant):
    async with tenant_scope(tenant.slug):
        await _person("Åsa", "Honkavaara")
        await _person("Matti", "Meikäläinen")
        found = await search("Åsa Hnokavaara")
        assert _labels(found) == ["Åsa Honkavaara"]
        assert _labels(await search("meikalaine")) == ["Matti Meikäläinen"]
        assert _labels(await search("meikälänen")) == ["Matti Meikäläinen"]
        assert (await search("qqqxxzz")).total == 0


async def test_vocabulary_follows_inserts_and_renames(tenant):
    async with tenant_scope(tenant.slug):
        pid = await _person("Ville", "Vallaton")
        words = await DB.current_connection().fetch("SELECT word FROM name_word ORDER BY word")
        assert [r["word"] for r in words] == ["vallaton", "ville"]
        await update_person(pid, PersonInput(first_name="Ville", last_name="Kuusinen"))
        # The new surname is in the vocabulary, so its typo now finds the card.
        assert _labels(await search("Kuusnien")) == ["Ville Kuusinen"]
        org = await create_organization(OrganizationInput(name="Pajulahden Puutarha Oy"))
        assert _labels(await search("pajulahen")) == ["Pajulahden Puutarha Oy"]
        await update_organization(org["id"], OrganizationInput(name="Koivikon Taimisto Oy"))
        assert _labels(await search("koivkon")) == ["Koivikon Taimisto Oy"]


async def test_organizations_and_people_are_found_together_with_totals(tenant):
    async with tenant_scope(tenant.slug):
        await create_organization(OrganizationInput(name="Virtasen Kone Oy"))
        await _person("Pekka", "Virtanen")
        found = await search("virta")
    assert sorted(_labels(found)) == ["Pekka Virtanen", "Virtasen Kone Oy"]
    assert {item["kind"] for item in found.items} == {"person", "organization"}
    assert found.total == 2


async def test_short_input_matches_name_starts_only(tenant):
    async with tenant_scope(tenant.slug):
        await _person("Kari", "Vilén")
        await _person("Olli", "Kivi")
        found = await search("vi")
    assert _labels(found) == ["Kari Vilén"]  # "Kivi" has "vi" only inside the word


async def test_keyword_finds_a_card_that_has_it(tenant):
    async with tenant_scope(tenant.slug):
        await _person("Liisa", "Lahtinen", keywords="golf, hallitus")
        found = await search("hallitus")
    assert _labels(found) == ["Liisa Lahtinen"]


async def test_departed_are_hidden_unless_asked(tenant):
    async with tenant_scope(tenant.slug):
        pid = await _person("Eero", "Lähtevä")
        await mark_left(pid, date(2026, 1, 31))
        assert (await search("lähtevä")).total == 0
        assert _labels(await search("lähtevä", include_departed=True)) == ["Eero Lähtevä"]


async def test_paging_counts_every_match_and_pages_in_order(tenant):
    async with tenant_scope(tenant.slug):
        for i in range(7):
            await _person(f"Henkilö{chr(ord('a') + i)}", "Sivutettava")
        first = await search("sivutettava", limit=3)
        second = await search("sivutettava", limit=3, offset=3)
        last = await search("sivutettava", limit=3, offset=6)
    assert first.total == second.total == last.total == 7
    labels = _labels(first) + _labels(second) + _labels(last)
    assert labels == sorted(labels) and len(set(labels)) == 7


async def test_past_the_ranking_cap_says_there_are_more_and_pages_stop_at_it(tenant, monkeypatch):
    import core.search

    monkeypatch.setattr(core.search, "RANKED_HITS", 4)
    names = ("Eeva", "Aino", "Daniel", "Cecilia", "Bertta", "Fanni")
    async with tenant_scope(tenant.slug):
        for first in names:
            await _person(first, "Yleinen")
        first_page = await search("yleinen", limit=3)
        second_page = await search("yleinen", limit=3, offset=3)
        few = await search("aino yleinen")
    assert first_page.more and first_page.total == 4
    shown = _labels(first_page) + _labels(second_page)
    assert len(shown) == 4 and len(set(shown)) == 4  # the pages end at the cap
    assert _labels(first_page) == sorted(_labels(first_page))
    assert set(shown) <= {f"{n} Yleinen" for n in names}
    assert not few.more and _labels(few) == ["Aino Yleinen"]


async def test_repeated_name_search_reuses_its_cached_plan(tenant):
    """Planning the name-search statement costs more PostgreSQL CPU than running it on a
    register of a few hundred cards: it is left to PostgreSQL's plan cache (custom plans
    first, the generic one once it costs no more), not re-planned on every search."""

    async def generic_plans() -> int:
        # This connection's prepared name searches (asyncpg prepares each statement once).
        return await DB.current_connection().fetchval(
            "SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements "
            "WHERE statement LIKE '%WITH hits AS MATERIALIZED%' "
            "AND statement NOT LIKE '%pg_prepared_statements%'"
        )

    async with tenant_scope(tenant.slug):
        await _person("Anna", "Virtanen")
        before = await generic_plans()
        for _ in range(8):
            assert _labels(await search("virtanen")) == ["Anna Virtanen"]
        after = await generic_plans()
    assert after > before


async def test_a_name_search_that_finds_the_card_is_one_statement(tenant, monkeypatch):
    """The page's search is one round trip: no per-search settings statement before it."""
    import core.search

    statements: list[str] = []

    class Recording:
        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            method = getattr(self.conn, name)

            async def recorded(query, *args, **kwargs):
                statements.append(query)
                return await method(query, *args, **kwargs)

            return recorded

    class RecordingDB:
        def current_connection(self):
            return Recording(DB.current_connection())

    async with tenant_scope(tenant.slug):
        await _person("Anna", "Virtanen")
        monkeypatch.setattr(core.search, "DB", RecordingDB())
        found = await search("virtanen")
    assert _labels(found) == ["Anna Virtanen"]
    assert len(statements) == 1 and "WITH hits AS MATERIALIZED" in statements[0]


async def test_typo_correction_sets_its_own_similarity_threshold(tenant):
    """The `%` operator reads pg_trgm.similarity_threshold: the fallback sets NAME_SIMILARITY
    for its transaction rather than trusting whatever the server or session has."""
    async with tenant_scope(tenant.slug):
        await _person("Åsa", "Honkavaara")
        await DB.current_connection().execute(
            "SELECT set_config('pg_trgm.similarity_threshold', '0.95', true)"
        )
        assert _labels(await search("Hnokavaara")) == ["Åsa Honkavaara"]


async def test_eight_digits_that_are_both_a_business_id_and_a_phone_find_either(tenant):
    """`01864732` is a valid Y-tunnus (0186473-2) and an Åland landline (+358 18 64732)."""
    async with tenant_scope(tenant.slug):
        await _person("Åsa", "Sjöblom", phones=["018 64732"])
        by_phone = await search("01864732")
        assert (_labels(by_phone), by_phone.matched_by) == (["Åsa Sjöblom"], "phone")
        await create_organization(OrganizationInput(name="Ålands Fisk Ab", business_id="0186473-2"))
        by_business_id = await search("01864732")
        assert (_labels(by_business_id), by_business_id.matched_by) == (
            ["Ålands Fisk Ab"],
            "business_id",
        )
        assert (await search("0186473-2")).matched_by == "business_id"


async def test_a_corrected_word_finds_whole_name_words_and_parts_of_double_names(tenant):
    """A correction is a name word: it finds names that have it as a word or as a part of a
    double name, special characters included, but not inside a longer word (which the
    vocabulary does not offer as a correction itself, being too far from the typo)."""
    async with tenant_scope(tenant.slug):
        await _person("Liisa", "Honkavaara-Lind")
        await _person("Kaisa", "Lind-Honkavaara")
        await _person("Pekka", "Pohjois-Honkavaaranperäläinen")
        await _person("Åsa", "Honkavaara")
        await _person("Ossi", "Honka_vaara")  # LIKE's wildcard is matched as itself
        found = await search("Hnokavaara")
    assert sorted(_labels(found)) == [
        "Kaisa Lind-Honkavaara",
        "Liisa Honkavaara-Lind",
        "Åsa Honkavaara",
    ]


async def test_the_corrected_search_finds_cards_by_the_name_parts_index(tenant):
    """At a million cards a corrected typo's trigrams cost ~30 ms (bench search-1m): the
    conditions the corrected search writes are ones the name-parts indexes serve."""
    from core.search import HIDE_DEPARTED, NAME_PARTS, name_search_sql

    sql, args = name_search_sql(
        [["honkavaara", "lind-honkavaara"]], None, HIDE_DEPARTED, 20, 0, whole_parts=True
    )
    assert args[:2] == [["honkavaara"], ["lind", "honkavaara"]]
    conditions = [f"{NAME_PARTS} && $1::text[]", f"{NAME_PARTS} @> $2::text[]"]
    for condition in conditions:
        for alias in ("p", "o"):
            assert condition.replace("{col}", f"{alias}.search_name") in sql
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        await conn.execute("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
        for table in ("person", "organization"):
            for condition in conditions:
                where = condition.replace("{col}", "t.search_name").replace("$2", "$1")
                plan = await conn.fetch(
                    f"EXPLAIN SELECT id FROM {table} t WHERE {where}", ["lind", "honkavaara"]
                )
                text = "\n".join(r[0] for r in plan)
                assert f"{table}_search_name_parts" in text, text
