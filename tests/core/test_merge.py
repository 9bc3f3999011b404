"""Merging two business cards: choices, union of contacts, moved history, redirect, record."""

import json
import uuid
from datetime import date

import pytest

from core import merge as merge_module
from core.db import as_admin, transaction
from core.duplicates import find_duplicates
from core.merge import merge_persons, merges_into, person_references
from core.merge_plan import MergeError, merge_preview
from core.organizations import OrganizationInput, create_organization
from core.persons import (
    PersonInput,
    PersonMergedError,
    create_person,
    get_person,
    list_persons,
    mark_left,
)
from core.search import search
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _org(name):
    return (await create_organization(OrganizationInput(name=name)))["id"]


async def _pair(first_org, second_org):
    survivor = await create_person(
        PersonInput(
            first_name="Päivi",
            last_name="Hämäläinen",
            emails=["paivi.hamalainen@eka.fi", "paivi@koti.fi"],
            phones=["040 123 4567"],
            title="Myyntipäällikkö",
            organization_id=first_org,
            keywords=["hallitus", "Myynti"],
            description="",
        )
    )
    merged = await create_person(
        PersonInput(
            first_name="Paivi",
            last_name="Hämäläinen-Öhman",
            emails=["PAIVI@koti.fi", "p.hamalainen@toka.fi"],
            phones=["+358 40 123 4567", "09 1234 5678"],
            title="",
            organization_id=second_org,
            keywords=["myynti", "golf"],
            description="Tavattu messuilla.",
        )
    )
    return survivor, merged


async def test_merge_applies_choices_unions_contacts_and_moves_history(tenant):
    async with tenant_scope(tenant.slug):
        eka, toka = await _org("Eka Oy"), await _org("Toka Oy")
        survivor, merged = await _pair(eka, toka)
        result = await merge_persons(
            survivor,
            merged,
            {"last_name": "merged", "organization": "merged", "first_name": "survivor"},
            actor="tester",
        )
        card = await get_person(survivor)

    assert result["survivor_id"] == survivor and result["merged_id"] == merged
    # Per-field choices; a field left out keeps the survivor's value unless it is empty.
    assert (card["first_name"], card["last_name"]) == ("Päivi", "Hämäläinen-Öhman")
    assert card["title"] == "Myyntipäällikkö"
    assert card["description"] == "Tavattu messuilla."
    assert card["organization_id"] == toka and card["organization_name"] == "Toka Oy"
    assert result["choices"] == {
        "first_name": "survivor",
        "last_name": "merged",
        "title": "survivor",
        "organization": "merged",
        "description": "merged",
    }
    # Unions, deduplicated by the normalised form, survivor's first.
    assert card["emails"] == [
        "paivi.hamalainen@eka.fi",
        "paivi@koti.fi",
        "p.hamalainen@toka.fi",
    ]
    assert card["phones"] == ["+358401234567", "+358912345678"]
    assert card["keywords"] == ["hallitus", "Myynti", "golf"]
    # Both employment histories are the survivor's; only the chosen organization is current.
    history = {(e["organization_name"], e["current"]) for e in card["employment"]}
    assert history == {("Toka Oy", True), ("Eka Oy", False)}
    assert result["moved"]["employment"] == 1
    assert result["moved"]["person_email"] == 1 and result["moved"]["person_phone"] == 1
    assert result["changes"]["last_name"] == ("Hämäläinen", "Hämäläinen-Öhman")
    assert card["updated_by"] == "tester"


async def test_merged_card_redirects_and_the_merge_is_recorded(tenant):
    async with tenant_scope(tenant.slug):
        survivor, merged = await _pair(None, None)
        result = await merge_persons(survivor, merged, {}, actor="tester")
        with pytest.raises(PersonMergedError) as redirect:
            await get_person(merged)
        assert redirect.value.survivor_id == survivor
        records = await merges_into(survivor)
        # The merged card's own contacts are gone (its snapshot keeps them).
        conn = merge_module.DB.current_connection()
        left_over = await conn.fetchval(
            "SELECT (SELECT count(*) FROM person_email WHERE person = $1) + "
            "(SELECT count(*) FROM person_phone WHERE person = $1)",
            merged,
        )
        raw = await conn.fetchrow("SELECT * FROM person_merge WHERE id = $1", result["merge_id"])
    assert left_over == 0
    assert [r["id"] for r in records] == [result["merge_id"]]
    assert raw["merged_by"] == "tester"
    assert (raw["survivor_id"], raw["merged_id"]) == (survivor, merged)
    assert json.loads(raw["choices"])["first_name"] == "survivor"
    snapshot = json.loads(raw["merged_card"])
    assert snapshot["id"] == str(merged)
    assert snapshot["last_name"] == "Hämäläinen-Öhman"
    assert snapshot["emails"] == ["PAIVI@koti.fi", "p.hamalainen@toka.fi"]
    assert snapshot["phones"] == ["+358401234567", "+358912345678"]
    assert snapshot["description"] == "Tavattu messuilla."


async def test_merged_card_leaves_search_lists_and_duplicates(tenant):
    async with tenant_scope(tenant.slug):
        survivor, merged = await _pair(None, None)
        # Before: the merged card is found by its own e-mail and is a duplicate.
        assert merged in [i["id"] for i in (await search("p.hamalainen@toka.fi")).items]
        await merge_persons(survivor, merged)
        assert [i["id"] for i in (await search("p.hamalainen@toka.fi")).items] == [survivor]
        assert [i["id"] for i in (await search("09 1234 5678")).items] == [survivor]
        found = {i["id"] for i in (await search("Hämäläinen", include_departed=True)).items}
        assert merged not in found and survivor in found
        dupes = await find_duplicates(
            PersonInput(first_name="X", last_name="Y", emails=["p.hamalainen@toka.fi"])
        )
        assert [d["id"] for d in dupes] == [survivor]
        rows, total = await list_persons(include_departed=True)
    assert total == 1 and rows[0]["id"] == survivor


async def test_refuses_self_merge_already_merged_and_unknown_cards(tenant, make_tenant):
    other = await make_tenant()
    async with tenant_scope(other.slug):
        foreign = await create_person(PersonInput(first_name="Vieras", last_name="Åberg"))
    async with tenant_scope(tenant.slug):
        survivor, merged = await _pair(None, None)
        third = await create_person(PersonInput(first_name="Jyrki", last_name="Korhonen"))
        with pytest.raises(MergeError) as err:
            await merge_persons(survivor, survivor)
        assert err.value.code == "same_card"
        for unknown in (uuid.uuid4(), foreign):  # another tenant's card is simply not there
            with pytest.raises(MergeError) as err:
                await merge_persons(survivor, unknown)
            assert err.value.code == "not_found"
            with pytest.raises(MergeError) as err:
                await merge_persons(unknown, survivor)
            assert err.value.code == "not_found"
        with pytest.raises(MergeError) as err:
            await merge_persons(survivor, merged, {"first_name": "both"})
        assert err.value.code == "invalid_choice"
        with pytest.raises(MergeError) as err:
            await merge_persons(survivor, merged, {"email": "merged"})
        assert err.value.code == "invalid_choice"
        await merge_persons(survivor, merged)
        for a, b in ((survivor, merged), (merged, third), (third, merged)):
            with pytest.raises(MergeError) as err:
                await merge_persons(a, b)
            assert err.value.code == "already_merged"
        with pytest.raises(MergeError):
            await merge_preview(third, merged)
    async with tenant_scope(other.slug):
        assert (await get_person(foreign))["last_name"] == "Åberg"


async def _state(survivor, merged):
    conn = merge_module.DB.current_connection()
    return {
        "person": [
            dict(r)
            for r in await conn.fetch(
                "SELECT * FROM person WHERE id = ANY($1::uuid[]) ORDER BY id", [survivor, merged]
            )
        ],
        "email": sorted(
            tuple(r) for r in await conn.fetch("SELECT person, email, position FROM person_email")
        ),
        "phone": sorted(
            tuple(r) for r in await conn.fetch("SELECT person, phone_e164 FROM person_phone")
        ),
        "employment": sorted(
            tuple(map(str, r))
            for r in await conn.fetch("SELECT id, person, organization, current FROM employment")
        ),
        "merges": await conn.fetchval("SELECT count(*) FROM person_merge"),
    }


async def test_a_merge_failing_half_way_changes_nothing(tenant, monkeypatch):
    async with tenant_scope(tenant.slug):
        eka, toka = await _org("Eka Oy"), await _org("Toka Oy")
        survivor, merged = await _pair(eka, toka)
        before = await _state(survivor, merged)

    async def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails after contacts and history were moved and both person rows were updated.
    monkeypatch.setattr(merge_module, "_record", explode)
    async with tenant_scope(tenant.slug):
        with pytest.raises(RuntimeError):
            await merge_persons(survivor, merged, {"organization": "merged"})
        # The caller's transaction is still usable and sees nothing of the merge.
        assert await _state(survivor, merged) == before
    async with tenant_scope(tenant.slug):
        assert await _state(survivor, merged) == before
        assert (await get_person(merged))["last_name"] == "Hämäläinen-Öhman"


async def _ddl(tenant, sql):
    """A table added later, as a migration would add it (owner role, tenant schema)."""
    with as_admin():
        async with transaction() as conn:
            await conn.execute(f"SET LOCAL search_path = {tenant.schema}")
            await conn.execute(sql)


async def test_future_tables_referencing_person_are_moved_too(tenant):
    await _ddl(
        tenant,
        "CREATE TABLE contact_note (id serial PRIMARY KEY, "
        "person uuid REFERENCES person(id) ON DELETE CASCADE, body text)",
    )
    async with tenant_scope(tenant.slug):
        survivor, merged = await _pair(None, None)
        conn = merge_module.DB.current_connection()
        await conn.execute(
            "INSERT INTO contact_note (person, body) VALUES ($1, 'a'), ($2, 'b'), ($2, 'c')",
            survivor,
            merged,
        )
        assert ("contact_note", "person") in await person_references()
        result = await merge_persons(survivor, merged)
        owners = await conn.fetch("SELECT DISTINCT person FROM contact_note")
        assert [r["person"] for r in owners] == [survivor]
        assert result["moved"]["contact_note"] == 2


async def test_unique_conflict_in_a_referencing_table_refuses_the_merge(tenant):
    await _ddl(
        tenant,
        "CREATE TABLE consent_x (person uuid REFERENCES person(id), purpose text, "
        "UNIQUE (person, purpose))",
    )
    async with tenant_scope(tenant.slug):
        survivor, merged = await _pair(None, None)
        conn = merge_module.DB.current_connection()
        await conn.execute(
            "INSERT INTO consent_x VALUES ($1, 'newsletter'), ($2, 'newsletter')",
            survivor,
            merged,
        )
        with pytest.raises(MergeError) as err:
            await merge_persons(survivor, merged)
        assert err.value.code == "conflict" and "consent_x" in str(err.value)
        assert (await get_person(merged))["emails"]  # nothing happened


async def test_departure_travels_with_the_chosen_organization(tenant):
    async with tenant_scope(tenant.slug):
        eka, toka = await _org("Eka Oy"), await _org("Toka Oy")
        survivor, merged = await _pair(eka, toka)
        await mark_left(survivor, date(2025, 12, 31))
        preview = await merge_preview(survivor, merged)
        org_field = next(f for f in preview["fields"] if f["name"] == "organization")
        assert org_field["survivor"] == (eka, date(2025, 12, 31))
        assert org_field["merged"] == (toka, None)
        assert org_field["default"] == "survivor"
        assert preview["emails_moved"] == ["p.hamalainen@toka.fi"]
        assert preview["emails_same"] == ["PAIVI@koti.fi"]
        assert preview["phones_moved"] == ["+358912345678"]
        await merge_persons(survivor, merged, {"organization": "merged"})
        card = await get_person(survivor)
        assert card["left_organization_on"] is None
        assert [(e["organization_name"], e["current"]) for e in card["employment"]] == [
            ("Toka Oy", True),
            ("Eka Oy", False),
        ]
        assert survivor in [i["id"] for i in (await search("Hämäläinen")).items]


async def test_same_organization_keeps_one_current_employment(tenant):
    async with tenant_scope(tenant.slug):
        eka = await _org("Eka Oy")
        survivor, merged = await _pair(eka, eka)
        await merge_persons(survivor, merged)
        card = await get_person(survivor)
    assert [(e["organization_name"], e["current"]) for e in card["employment"]] == [
        ("Eka Oy", True)
    ]
    assert card["employment"][0]["title"] == "Myyntipäällikkö"


async def test_earlier_merges_follow_to_the_new_survivor(tenant):
    async with tenant_scope(tenant.slug):
        a = await create_person(PersonInput(first_name="Sanna", last_name="Nieminen"))
        b = await create_person(PersonInput(first_name="Sanna", last_name="Niemine"))
        c = await create_person(PersonInput(first_name="S.", last_name="Nieminen"))
        await merge_persons(b, c)
        await merge_persons(a, b)
        with pytest.raises(PersonMergedError) as redirect:
            await get_person(c)
    assert redirect.value.survivor_id == a
