"""Business cards: validation, history on moving and leaving, duplicates, search."""

import uuid
from datetime import date

import pytest

from core.duplicates import find_duplicates
from core.organizations import OrganizationInput, create_organization
from core.persons import (
    PersonInput,
    create_person,
    get_person,
    list_persons,
    mark_left,
    update_person,
)
from core.search import search
from core.validation import ValidationFailed
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _org(name, business_id=None):
    return (await create_organization(OrganizationInput(name=name, business_id=business_id)))["id"]


async def test_invalid_fields_are_reported_together_and_nothing_is_saved(tenant):
    async with tenant_scope(tenant.slug):
        with pytest.raises(ValidationFailed) as err:
            await create_person(
                PersonInput(
                    first_name="", last_name="Virtanen", emails=["not-an-address"], phones=["12"]
                )
            )
        assert set(err.value.errors) == {"first_name", "emails", "phones"}
        assert (await list_persons())[1] == 0


async def test_card_normalises_contacts_and_keeps_unicode(tenant):
    async with tenant_scope(tenant.slug):
        org = await _org("Ääkkösten Kauppa Oy")
        pid = await create_person(
            PersonInput(
                first_name="Åsa",
                last_name="Öhman-Ähtäri",
                emails="Asa.Ohman@Esimerkki.FI, x@y.fi",
                phones=["040 123 4567", "+358 18 12345"],
                organization_id=org,
                keywords="hallitus, Hallitus, myynti",
            )
        )
        card = await get_person(pid)
    assert card["emails"] == ["Asa.Ohman@esimerkki.fi", "x@y.fi"]
    assert card["phones"] == ["+358401234567", "+3581812345"]
    assert card["keywords"] == ["hallitus", "myynti"]
    assert card["organization_name"] == "Ääkkösten Kauppa Oy"
    assert card["employment"][0]["current"] is True


async def test_moving_and_leaving_keep_history_and_hide_from_lists(tenant):
    async with tenant_scope(tenant.slug):
        first, second = await _org("Eka Oy"), await _org("Toka Oy")
        pid = await create_person(
            PersonInput(first_name="Matti", last_name="Meikäläinen", organization_id=first)
        )
        changes = await update_person(
            pid, PersonInput(first_name="Matti", last_name="Meikäläinen", organization_id=second)
        )
        assert changes == {"organization_id": (first, second)}
        card = await get_person(pid)
        assert [(e["organization_name"], e["current"]) for e in card["employment"]] == [
            ("Toka Oy", True),
            ("Eka Oy", False),
        ]
        await mark_left(pid, date(2026, 10, 31))
        card = await get_person(pid)
        assert card["left_organization_on"] == date(2026, 10, 31)
        assert not any(e["current"] for e in card["employment"])
        assert (await list_persons())[1] == 0
        assert (await list_persons(include_departed=True))[1] == 1
        assert (await search("Meikäläinen")).total == 0
        assert (await search("Meikäläinen", include_departed=True)).total == 1


async def test_persons_sort_in_finnish_order(tenant):
    async with tenant_scope(tenant.slug):
        for last in ("Öhman", "Åberg", "Ahola", "Äijälä", "Zetterberg", "aalto"):
            await create_person(PersonInput(first_name="X", last_name=last))
        rows, total = await list_persons()
    assert [r["last_name"] for r in rows] == [
        "aalto",
        "Ahola",
        "Zetterberg",
        "Åberg",
        "Äijälä",
        "Öhman",
    ]


async def test_duplicates_strong_by_contact_and_weak_by_name_in_same_org(tenant):
    async with tenant_scope(tenant.slug):
        org, other = await _org("Duplikaatti Oy"), await _org("Muu Oy")
        pid = await create_person(
            PersonInput(
                first_name="Liisa",
                last_name="Järvinen",
                emails=["liisa@duplikaatti.fi"],
                phones=["0401112222"],
                organization_id=org,
            )
        )
        strong = await find_duplicates(
            PersonInput(first_name="L", last_name="J", emails=["LIISA@duplikaatti.FI"])
        )
        assert [(d["id"], d["strength"], d["reasons"]) for d in strong] == [
            (pid, "strong", ["email"])
        ]
        by_phone = await find_duplicates(
            PersonInput(first_name="", last_name="", phones=["+358 40 111 2222"])
        )
        assert by_phone[0]["strength"] == "strong" and by_phone[0]["reasons"] == ["phone"]
        weak = await find_duplicates(
            PersonInput(first_name="Liisa", last_name="Järvine", organization_id=org)
        )
        assert [(d["id"], d["strength"]) for d in weak] == [(pid, "weak")]
        # The same name in another organization is not a duplicate.
        assert (
            await find_duplicates(
                PersonInput(first_name="Liisa", last_name="Järvinen", organization_id=other)
            )
            == []
        )
        # Editing the card itself does not find itself.
        assert (
            await find_duplicates(
                PersonInput(
                    first_name="Liisa",
                    last_name="Järvinen",
                    emails=["liisa@duplikaatti.fi"],
                    organization_id=org,
                ),
                exclude_id=pid,
            )
            == []
        )


async def test_search_by_typo_prefix_phone_formats_email_business_id_keyword(tenant):
    async with tenant_scope(tenant.slug):
        org = await _org("Virtasen Kone Oy", "0112038-9")
        pid = await create_person(
            PersonInput(
                first_name="Pekka",
                last_name="Virtanen",
                emails=["pekka.virtanen@kone.fi"],
                phones=["+358 50 765 4321"],
                organization_id=org,
                keywords=["hallitus"],
            )
        )
        await create_person(PersonInput(first_name="Anna", last_name="Korhonen"))
        for query in ("Virtanen", "virtnaen", "Pekka Virt", "pekka virtanen", "Virtane"):
            result = await search(query)
            assert pid in [i["id"] for i in result.items], query
            assert result.items[0]["id"] in (pid, org)
        for query in ("050 765 4321", "+358507654321", "0507654321", "+358 (0)50-765 4321"):
            result = await search(query)
            assert [i["id"] for i in result.items] == [pid], query
            assert result.matched_by == "phone"
        assert [i["id"] for i in (await search("Pekka.Virtanen@KONE.fi")).items] == [pid]
        assert [i["id"] for i in (await search("0112038-9")).items] == [org]
        assert pid in [i["id"] for i in (await search("hallitus")).items]
        assert (await search("Korhonen")).items[0]["label"] == "Anna Korhonen"
        page = await search("o", limit=1)
        assert len(page.items) <= 1


async def test_search_is_tenant_isolated(make_tenant):
    a, b = await make_tenant(), await make_tenant()
    async with tenant_scope(a.slug):
        await create_person(
            PersonInput(
                first_name="Salainen",
                last_name="Henkilö",
                emails=["salainen@a.fi"],
                phones=["0409998888"],
            )
        )
    async with tenant_scope(b.slug):
        for query in ("Salainen", "salainen@a.fi", "0409998888"):
            assert (await search(query)).total == 0, query


async def test_unknown_organization_is_a_field_error(tenant):
    async with tenant_scope(tenant.slug):
        with pytest.raises(ValidationFailed) as err:
            await create_person(
                PersonInput(first_name="A", last_name="B", organization_id=uuid.uuid4())
            )
    assert list(err.value.errors) == ["organization_id"]


async def test_organization_fields_vat_and_people(tenant):
    from core.organizations import (
        get_organization,
        organization_people,
        update_organization,
    )

    async with tenant_scope(tenant.slug):
        with pytest.raises(ValidationFailed) as err:
            await create_organization(
                OrganizationInput(
                    name="X", business_id="0112038-8", postal_code="123", einvoice_address="ab"
                )
            )
        assert set(err.value.errors) == {"business_id", "postal_code", "einvoice_address"}
        with pytest.raises(ValidationFailed) as err:
            await create_organization(OrganizationInput(name="X", country="Finland"))
        assert set(err.value.errors) == {"country"}
        org = await _org("Nokia Oyj", "112038-9")
        row = await get_organization(org)
        assert (row["business_id"], row["vat_number"]) == ("0112038-9", "FI01120389")
        changes = await update_organization(
            org,
            OrganizationInput(
                name="Nokia Oyj",
                business_id="0112038-9",
                postal_code="02610",
                city="Espoo",
                einvoice_address="0037 0112 0389",
            ),
        )
        assert changes == {
            "postal_code": ("", "02610"),
            "city": ("", "Espoo"),
            "einvoice_address": ("", "003701120389"),
        }
        stay = await create_person(
            PersonInput(first_name="A", last_name="Nykyinen", organization_id=org)
        )
        gone = await create_person(
            PersonInput(first_name="B", last_name="Entinen", organization_id=org)
        )
        await mark_left(gone, date(2026, 1, 31))
        people = await organization_people(org)
    assert [p["id"] for p in people["current"]] == [stay]
    assert [p["id"] for p in people["former"]] == [gone]
