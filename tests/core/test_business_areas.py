"""Business areas: defaults, add, rename, archive/restore, unique names, membership rules."""

import uuid

import pytest

from core.accounts import create_user
from core.business_areas import (
    AreaNotFoundError,
    add_area,
    get_area,
    list_areas,
    rename_area,
    set_archived,
    set_user_areas,
    user_area_ids,
)
from core.db import DB
from core.validation import ValidationFailed
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _user(role="staff"):
    return await DB.current_connection().fetchval(
        "SELECT id FROM app_user WHERE role = $1 LIMIT 1", role
    )


async def _area_id(name):
    return await DB.current_connection().fetchval(
        "SELECT id FROM business_area WHERE name = $1", name
    )


async def test_new_register_has_the_default_areas(tenant):
    async with tenant_scope(tenant.slug):
        names = [a["name"] for a in await list_areas()]
    assert sorted(names) == ["Asiakaspalvelu", "Myynti", "Tuotanto"]


async def test_add_rename_archive_restore(tenant):
    async with tenant_scope(tenant.slug):
        area = await add_area("  Hallinto   ja  talous ")
        assert (await get_area(area))["name"] == "Hallinto ja talous"
        assert await rename_area(area, "Talous") == "Talous"
        await set_archived(area, True)
        listed = {a["name"]: a for a in await list_areas()}
        assert listed["Talous"]["archived"] is True
        assert [a["archived"] for a in await list_areas()][-1] is True  # archived last
        await set_archived(area, False)
        assert (await get_area(area))["archived"] is False
        with pytest.raises(AreaNotFoundError):
            await rename_area(uuid.uuid4(), "Ei ole")


async def test_names_are_required_short_and_unique_regardless_of_case(tenant):
    async with tenant_scope(tenant.slug):
        for bad, code in (
            ("", "required"),
            ("   ", "required"),
            ("x" * 101, "too_long"),
            ("myynti", "duplicate"),
            ("MYYNTI ", "duplicate"),
        ):
            with pytest.raises(ValidationFailed) as err:
                await add_area(bad)
            assert err.value.errors["name"][0] == code, bad
        tuotanto = await _area_id("Tuotanto")
        with pytest.raises(ValidationFailed) as err:
            await rename_area(tuotanto, "asiakaspalvelu")
        assert err.value.errors["name"][0] == "duplicate"
        # Renaming to itself in another case is fine (the clash is with itself).
        assert await rename_area(tuotanto, "TUOTANTO") == "TUOTANTO"
        await set_archived(tuotanto, True)
        with pytest.raises(ValidationFailed) as err:
            await add_area("Tuotanto")
        assert err.value.errors["name"][0] == "duplicate_archived"


async def test_membership_set_and_unset(tenant):
    async with tenant_scope(tenant.slug):
        staff = await _user()
        sales, support = await _area_id("Myynti"), await _area_id("Asiakaspalvelu")
        await set_user_areas(staff, [sales, support])
        assert await user_area_ids(staff) == {sales, support}
        members = (await get_area(sales))["members"]
        assert [m["email"] for m in members] == [f"staff@{tenant.slug}.example"]
        await set_user_areas(staff, [support])
        assert await user_area_ids(staff) == {support}
        assert (await get_area(sales))["members"] == []
        await set_user_areas(staff, [])
        assert await user_area_ids(staff) == set()


async def test_archived_areas_cannot_be_assigned_but_keep_their_members(tenant):
    async with tenant_scope(tenant.slug):
        staff = await _user()
        sales, production = await _area_id("Myynti"), await _area_id("Tuotanto")
        await set_user_areas(staff, [sales])
        await set_archived(sales, True)
        await set_archived(production, True)
        with pytest.raises(ValidationFailed) as err:
            await set_user_areas(staff, [production])
        assert err.value.errors["areas"][0] == "archived"
        # The form shows only active areas: saving it must not drop the archived membership.
        await set_user_areas(staff, [])
        assert await user_area_ids(staff) == {sales}
        await set_archived(sales, False)
        assert [m["email"] for m in (await get_area(sales))["members"]] == [
            f"staff@{tenant.slug}.example"
        ]
        with pytest.raises(ValidationFailed) as err:
            await set_user_areas(staff, [uuid.uuid4()])
        assert err.value.errors["areas"][0] == "unknown"


async def test_end_customers_belong_to_no_area(tenant):
    async with tenant_scope(tenant.slug):
        person = uuid.uuid4()
        await DB.current_connection().execute(
            "INSERT INTO person (id, first_name, last_name) VALUES ($1, 'Asta', 'Asiakas')", person
        )
        customer = await create_user("asta@example.com", role="self", person_id=person)
        with pytest.raises(ValidationFailed) as err:
            await set_user_areas(customer, [await _area_id("Myynti")])
        assert err.value.errors["areas"][0] == "self_user"
