"""End customers correct their own card: shared validation, rectification rows, fixed fields."""

import uuid

import pytest

from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, get_person
from core.self_service import (
    OwnCardInput,
    list_rectifications,
    own_card,
    rectify_own_card,
    self_account,
)
from core.validation import ValidationFailed
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _card():
    org = (await create_organization(OrganizationInput(name="Kauppa Oy")))["id"]
    person = await create_person(
        PersonInput(
            first_name="Eeva",
            last_name="Esimerkki",
            emails=["eeva@kauppa.example"],
            phones=["040 123 4567"],
            title="Ostaja",
            organization_id=org,
            keywords=["vip"],
            description="Sisäinen muistiinpano",
        )
    )
    return person, org


async def test_changes_are_saved_and_recorded_with_old_and_new_values(tenant):
    async with tenant_scope(tenant.slug):
        person, org = await _card()
        user = uuid.uuid4()
        recorded = await rectify_own_card(
            person,
            OwnCardInput(
                first_name="Eeva",
                last_name="Uusinimi",
                emails=["eeva@kauppa.example", "eeva@koti.example"],
                phones=["040 123 4567"],
                title="Ostopäällikkö",
            ),
            user_id=user,
            label="eeva@kauppa.example",
        )
        assert {r["field"] for r in recorded} == {"last_name", "emails", "title"}
        card = await get_person(person)
        assert card["last_name"] == "Uusinimi" and card["title"] == "Ostopäällikkö"
        # Not the person's to change: organization, keywords, description stay.
        assert card["organization_id"] == org and card["keywords"] == ["vip"]
        assert card["description"] == "Sisäinen muistiinpano"
        assert len(card["employment"]) == 1
        rows = {r["field"]: r for r in await list_rectifications(person)}
        assert rows["last_name"]["old_value"] == "Esimerkki"
        assert rows["last_name"]["new_value"] == "Uusinimi"
        assert rows["emails"]["old_value"] == "eeva@kauppa.example"
        assert rows["emails"]["new_value"] == "eeva@kauppa.example\neeva@koti.example"
        assert rows["title"]["changed_by_user"] == user
        assert rows["title"]["changed_by_label"] == "eeva@kauppa.example"
        # Saving the same values again records nothing.
        again = await rectify_own_card(
            person,
            OwnCardInput(
                first_name="Eeva",
                last_name="Uusinimi",
                emails=["eeva@kauppa.example", "eeva@koti.example"],
                phones=["+358401234567"],
                title="Ostopäällikkö",
            ),
            user_id=user,
            label="x",
        )
        assert again == [] and len(await list_rectifications(person)) == 3


async def test_invalid_input_saves_nothing(tenant):
    async with tenant_scope(tenant.slug):
        person, _ = await _card()
        with pytest.raises(ValidationFailed) as err:
            await rectify_own_card(
                person,
                OwnCardInput(
                    first_name="", last_name="Toinen", emails=["ei-osoite"], phones=["12"]
                ),
                user_id=uuid.uuid4(),
                label="x",
            )
        assert set(err.value.errors) == {"first_name", "emails", "phones"}
    async with tenant_scope(tenant.slug):
        assert (await get_person(person))["last_name"] == "Esimerkki"
        assert await list_rectifications(person) == []


async def test_merged_card_is_followed_and_account_is_found(tenant):
    from core.accounts import create_user
    from core.db import DB

    async with tenant_scope(tenant.slug):
        survivor, _ = await _card()
        gone = await create_person(PersonInput(first_name="Eeva", last_name="Vanha"))
        await DB.current_connection().execute(
            "UPDATE person SET merged_into = $2 WHERE id = $1", gone, survivor
        )
        assert (await own_card(gone))["id"] == survivor
        assert await self_account(survivor) is None
        user = await create_user("eeva@kauppa.example", role="self", person_id=survivor)
        assert (await self_account(survivor))["id"] == user
