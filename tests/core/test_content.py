"""Content items: validation per kind, role vocabulary, pipelines, and who sees what."""

import uuid

import pytest

from core.accounts import create_user
from core.business_areas import set_user_areas
from core.content import (
    ContentInput,
    ContentNotFoundError,
    ContentPermissionError,
    create_item,
    delete_item,
    link_person,
    move_stage,
    set_participants,
    unlink_person,
    update_item,
)
from core.content_kinds import KINDS
from core.content_queries import (
    ItemFilter,
    get_item,
    items_for_organization,
    items_for_person,
    list_items,
    pipeline,
)
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from core.validation import ValidationFailed
from core.visibility import SYSTEM, Viewer, can_see_item, viewer_for_user
from tenants.scope import tenant_scope


@pytest.fixture
async def world(make_tenant):
    """Staff A in Myynti, staff B in Tuotanto, an admin, a card and an organization."""
    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        areas = {r["name"]: r["id"] for r in await conn.fetch("SELECT id, name FROM business_area")}
        users = {}
        for name, area in (("a", "Myynti"), ("b", "Tuotanto")):
            users[name] = await create_user(f"{name}@{tenant.slug}.example", role="staff")
            await set_user_areas(users[name], [areas[area]])
        users["admin"] = await create_user(f"boss@{tenant.slug}.example", role="admin")
        person = await create_person(PersonInput(first_name="Ääni", last_name="Öljynen"))
        org = await create_organization(OrganizationInput(name="Kauppa Oy"))
    return tenant, users, areas, person, org["id"] if isinstance(org, dict) else org


async def _viewer(user_id, role="staff"):
    return await viewer_for_user(user_id, role)


async def test_every_kind_can_be_created_and_linked_with_its_roles(world):
    tenant, users, areas, person, org = world
    async with tenant_scope(tenant.slug):
        a = await _viewer(users["a"])
        parents: dict[str, uuid.UUID] = {}
        for code, kind in KINDS.items():
            parent = parents.get(kind.parent_kinds[0]) if kind.parent_kinds else None
            item = await create_item(
                a,
                ContentInput(kind=code, title=f"{code} ä", parent_id=parent, organization_id=org),
            )
            parents[code] = item
            for role in kind.roles:
                await link_person(a, item, person, role)
        grouped = await items_for_person(a, person)
        assert set(grouped) == set(KINDS)
        for code, items in grouped.items():
            assert items[0]["roles"] == sorted(KINDS[code].roles)
        assert set(await items_for_organization(a, org)) == set(KINDS)


async def test_a_role_outside_the_kinds_vocabulary_is_refused(world):
    tenant, users, _, person, _ = world
    async with tenant_scope(tenant.slug):
        a = await _viewer(users["a"])
        meeting = await create_item(a, ContentInput(kind="meeting", title="Hallitus"))
        with pytest.raises(ValidationFailed) as err:
            await link_person(a, meeting, person, "signer")  # a contract's role
        assert err.value.errors["role"][0] == "not_in_vocabulary"
        await link_person(a, meeting, person, "chair")
        with pytest.raises(ValidationFailed):
            await link_person(a, meeting, person, "chair")  # twice in the same role
        assert await DB.current_connection().fetchval("SELECT count(*) FROM content_link") == 1


async def test_validation_reports_every_field_at_once(world):
    tenant, users, areas, _, _ = world
    async with tenant_scope(tenant.slug):
        a = await _viewer(users["a"])
        import datetime as dt

        with pytest.raises(ValidationFailed) as err:
            await create_item(
                a,
                ContentInput(
                    kind="deal",
                    title=" ",
                    stage="nowhere",
                    starts_on=dt.date(2026, 5, 2),
                    ends_on=dt.date(2026, 5, 1),
                    area_id=areas["Tuotanto"],  # not A's area
                    details={"value": "12,345", "colour": "red"},
                ),
            )
        assert set(err.value.errors) == {
            "title",
            "stage",
            "ends_on",
            "area_id",
            "details.value",
            "details.colour",
        }
        with pytest.raises(ValidationFailed) as err:
            await create_item(a, ContentInput(kind="lecture", title="Ilman kurssia"))
        assert err.value.errors["parent_id"][0] == "required"
        with pytest.raises(ValidationFailed):
            await create_item(a, ContentInput(kind="spaceship", title="x"))
        assert await DB.current_connection().fetchval("SELECT count(*) FROM content_item") == 0


async def test_visibility_by_area_and_participation(world):
    tenant, users, areas, person, _ = world
    async with tenant_scope(tenant.slug):
        a, b = await _viewer(users["a"]), await _viewer(users["b"])
        admin = await _viewer(users["admin"], "admin")
        sales = await create_item(
            a, ContentInput(kind="deal", title="Myyntikauppa", area_id=areas["Myynti"])
        )
        common = await create_item(a, ContentInput(kind="event", title="Yhteinen tapahtuma"))
        secret = await create_item(
            a,
            ContentInput(
                kind="project", title="Salainen hanke", private=True, area_id=areas["Myynti"]
            ),
        )
        for item in (sales, common, secret):
            await link_person(a, item, person, "contact")
        assert [await can_see_item(b, i) for i in (sales, common, secret)] == [False, True, False]
        assert all([await can_see_item(v, secret) for v in (a, admin, SYSTEM)])
        assert not await can_see_item(Viewer(None, "self"), common)
        assert not await can_see_item(Viewer(None, "operator"), secret)
        assert await can_see_item(Viewer(None, "operator"), sales)

        b_titles = [i["title"] for g in (await items_for_person(b, person)).values() for i in g]
        assert b_titles == ["Yhteinen tapahtuma"]
        rows, total = await list_items(b, ItemFilter())
        assert total == 1 and rows[0]["id"] == common
        with pytest.raises(ContentNotFoundError):
            await get_item(b, secret)
        with pytest.raises(ContentNotFoundError):
            await link_person(b, secret, person, "contact")

        # B becomes a participant: now B sees the private item (and only by participation).
        await set_participants(a, secret, [users["a"], users["b"]])
        assert await can_see_item(b, secret)
        item = await get_item(b, secret)
        assert {p["id"] for p in item["participants"]} == {users["a"], users["b"]}
        # Participants decide: staff who is not one cannot change them; nobody empties them.
        outsider = Viewer(uuid.uuid4(), "staff", (areas["Myynti"],))
        with pytest.raises(ContentNotFoundError):
            await set_participants(outsider, secret, [])
        with pytest.raises(ValidationFailed):
            await set_participants(a, secret, [])


async def test_update_move_stage_unlink_and_delete(world):
    tenant, users, areas, person, _ = world
    async with tenant_scope(tenant.slug):
        a, b = await _viewer(users["a"]), await _viewer(users["b"])
        admin = await _viewer(users["admin"], "admin")
        deal = await create_item(
            a, ContentInput(kind="deal", title="Iso kauppa", details={"value": "1 500,50"})
        )
        assert (await get_item(a, deal))["details"] == {"value": "1500.50"}
        assert (await get_item(a, deal))["stage"] == "lead"
        changes = await update_item(
            b, deal, ContentInput(kind="ignored", title="Isompi kauppa", stage="offer")
        )
        assert changes["title"] == ("Iso kauppa", "Isompi kauppa")
        assert changes["stage"] == ("lead", "offer")
        assert "value" not in (await get_item(a, deal))["details"]  # cleared on the form
        assert await move_stage(a, deal, "won") == "offer"
        board = await pipeline(a, "deal")
        assert list(board) == list(KINDS["deal"].stages)
        assert [i["id"] for i in board["won"]] == [deal]
        with pytest.raises(ValidationFailed):
            await move_stage(a, deal, "nowhere")
        link = await link_person(a, deal, person, "decision_maker")
        assert (await unlink_person(a, deal, link))["role"] == "decision_maker"
        with pytest.raises(ContentPermissionError):
            await delete_item(b, deal)  # not the owner
        with pytest.raises(ContentPermissionError):
            await create_item(Viewer(None, "operator"), ContentInput(kind="deal", title="x"))
        await delete_item(admin, deal)
        assert not await can_see_item(SYSTEM, deal)
