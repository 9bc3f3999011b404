"""Who sees which content item on the pages: staff of area A vs area B, a participant vs not,
an admin — on the person page's content section, the organization page, the lists, the board
and the item page (404). A private item's title never appears in any HTML body of someone
who may not see it."""

import uuid

import pytest
from litestar.testing import AsyncTestClient

from core.accounts import create_user
from core.business_areas import set_user_areas
from core.content import ContentInput, create_item, link_person, set_participants
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from core.visibility import viewer_for_user
from tenants.scope import tenant_scope
from tests.conftest import _PASSWORD_HASH
from tests.support.auth_client import SignedInClient
from web.app import create_app

HX = {"HX-Request": "true"}
PRIVATE_TITLE = "Salainen yrityskauppa Zeta"
AREA_A_TITLE = "Myynnin kauppa Alfa"
COMMON_TITLE = "Kaikkien tapahtuma Gamma"


@pytest.fixture
async def world(make_tenant):
    """Staff A (Myynti) owns a private deal and an area-A deal; a common event; all three are
    linked to one card and belong to one organization. Staff B is in Tuotanto."""
    tenant = await make_tenant(name="Näkyvyys Oy")
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        areas = {r["name"]: r["id"] for r in await conn.fetch("SELECT id, name FROM business_area")}
        users = {}
        for name, area in (("staff_a", "Myynti"), ("staff_b", "Tuotanto")):
            users[name] = await create_user(f"{name}@{tenant.slug}.example", role="staff")
            await conn.execute(
                "UPDATE app_user SET password_hash = $2 WHERE id = $1",
                users[name],
                _PASSWORD_HASH[0],
            )
            await set_user_areas(users[name], [areas[area]])
        org = (await create_organization(OrganizationInput(name="Näkyvä Oy")))["id"]
        person = await create_person(PersonInput(first_name="Kalle", last_name="Kortti"))
        a = await viewer_for_user(users["staff_a"], "staff")
        items = {
            "private": await create_item(
                a,
                ContentInput(kind="deal", title=PRIVATE_TITLE, private=True, organization_id=org),
            ),
            "area_a": await create_item(
                a,
                ContentInput(
                    kind="deal", title=AREA_A_TITLE, area_id=areas["Myynti"], organization_id=org
                ),
            ),
            "common": await create_item(
                a, ContentInput(kind="event", title=COMMON_TITLE, organization_id=org)
            ),
        }
        for item in items.values():
            await link_person(a, item, person, "contact")
    return tenant, users, items, person, org


async def _client(slug: str, role: str):
    client = AsyncTestClient(app=create_app(prepare_runtime=False))
    await client.__aenter__()
    signed = SignedInClient(client, role=role)
    r = await signed.sign_in(slug)
    assert r.status_code == 303
    return signed


async def _pages(client, slug: str, items: dict, person: uuid.UUID, org: uuid.UUID) -> dict:
    """Every page that could show an item's title, by name."""
    base = f"/t/{slug}"
    urls = {
        "person page": f"{base}/persons/{person}",
        "person section": f"{base}/persons/{person}/section/content",
        "organization page": f"{base}/organizations/{org}",
        "list": f"{base}/content/",
        "list of deals": f"{base}/content/?kind=deal",
        "list searched": f"{base}/content/?q=zeta",
        "board": f"{base}/content/board?kind=deal",
        "private item": f"{base}/content/{items['private']}",
        "private item edit": f"{base}/content/{items['private']}/edit",
        "area A item": f"{base}/content/{items['area_a']}",
        "common item": f"{base}/content/{items['common']}",
    }
    out = {}
    for name, url in urls.items():
        headers = HX if name == "person section" else {}
        out[name] = await client.get(url, headers=headers)
    return out


async def _sees(client, world) -> dict[str, set[str]]:
    tenant, _users, items, person, org = world
    pages = await _pages(client, tenant.slug, items, person, org)
    titles = (PRIVATE_TITLE, AREA_A_TITLE, COMMON_TITLE)
    return {
        name: {t for t in titles if t in r.text} | ({"404"} if r.status_code == 404 else set())
        for name, r in pages.items()
    }


async def test_staff_of_another_area_sees_only_what_is_common(world):
    tenant = world[0]
    client = await _client(tenant.slug, "staff_b")
    try:
        seen = await _sees(client, world)
    finally:
        await client.__aexit__(None, None, None)
    for name in ("person page", "person section", "organization page", "list"):
        assert seen[name] == {COMMON_TITLE}, name
    assert seen["list of deals"] == seen["list searched"] == seen["board"] == set()
    assert seen["private item"] == seen["private item edit"] == seen["area A item"] == {"404"}
    assert seen["common item"] == {COMMON_TITLE}


async def test_staff_of_the_area_who_is_no_participant_does_not_see_the_private_item(world):
    tenant, users, items, _person, _org = world
    async with tenant_scope(tenant.slug):
        other = await create_user(f"staff_c@{tenant.slug}.example", role="staff")
        conn = DB.current_connection()
        await conn.execute(
            "UPDATE app_user SET password_hash = $2 WHERE id = $1", other, _PASSWORD_HASH[0]
        )
        area = await conn.fetchval("SELECT id FROM business_area WHERE name = 'Myynti'")
        await set_user_areas(other, [area])
    client = await _client(tenant.slug, "staff_c")
    try:
        seen = await _sees(client, world)
    finally:
        await client.__aexit__(None, None, None)
    for name in ("person page", "person section", "organization page", "list"):
        assert seen[name] == {AREA_A_TITLE, COMMON_TITLE}, name
    assert seen["board"] == {AREA_A_TITLE}
    assert seen["private item"] == {"404"}


async def test_participant_and_admin_see_the_private_item(world):
    tenant, users, items, _person, _org = world
    for role in ("staff_a", "admin"):
        client = await _client(tenant.slug, role)
        try:
            seen = await _sees(client, world)
        finally:
            await client.__aexit__(None, None, None)
        everything = {PRIVATE_TITLE, AREA_A_TITLE, COMMON_TITLE}
        for name in ("person page", "person section", "organization page", "list"):
            assert seen[name] == everything, (role, name)
        assert seen["board"] == {PRIVATE_TITLE, AREA_A_TITLE}
        assert seen["list searched"] == {PRIVATE_TITLE}
        assert PRIVATE_TITLE in seen["private item"]


async def test_becoming_a_participant_opens_the_private_item(world):
    tenant, users, items, person, _org = world
    async with tenant_scope(tenant.slug):
        a = await viewer_for_user(users["staff_a"], "staff")
        await set_participants(a, items["private"], [users["staff_a"], users["staff_b"]])
    client = await _client(tenant.slug, "staff_b")
    try:
        section = await client.get(f"/t/{tenant.slug}/persons/{person}/section/content", headers=HX)
        page = await client.get(f"/t/{tenant.slug}/content/{items['private']}")
    finally:
        await client.__aexit__(None, None, None)
    assert PRIVATE_TITLE in section.text and AREA_A_TITLE not in section.text
    assert page.status_code == 200 and "Yksityinen" in page.text


async def test_writes_to_an_item_one_cannot_see_are_404(world):
    tenant, _users, items, person, _org = world
    base = f"/t/{tenant.slug}/content/{items['private']}"
    client = await _client(tenant.slug, "staff_b")
    try:
        for suffix, data in (
            ("/edit", {"kind": "deal", "title": "Kaapattu"}),
            ("/links", {"person_id": str(person), "role": "contact"}),
            ("/links/remove", {"link_id": str(uuid.uuid4())}),
            ("/participants", {"participant": []}),
            ("/stage", {"stage": "won"}),
            ("/delete", {"confirm": "yes"}),
        ):
            r = await client.post(base + suffix, data=data)
            assert r.status_code == 404, suffix
            assert PRIVATE_TITLE not in r.text
    finally:
        await client.__aexit__(None, None, None)
    async with tenant_scope(tenant.slug):
        title = await DB.current_connection().fetchval(
            "SELECT title FROM content_item WHERE id = $1", items["private"]
        )
    assert title == PRIVATE_TITLE


async def test_staff_who_does_not_own_an_item_cannot_delete_it(world):
    tenant, _users, items, _person, _org = world
    client = await _client(tenant.slug, "staff")  # in no area; sees the common event
    try:
        url = f"/t/{tenant.slug}/content/{items['common']}/delete"
        assert (await client.get(url)).status_code == 403
        assert (await client.post(url, data={"confirm": "yes"})).status_code == 403
    finally:
        await client.__aexit__(None, None, None)


async def test_person_page_shows_the_newest_of_each_kind_and_links_to_all(world):
    """A busy card: the person page lists the newest OVERVIEW_PER_KIND of a kind, counts all
    the viewer may see, and its 'show all' link opens the content list narrowed to the card —
    which pages through them, still without the private title."""
    from core.content_queries import OVERVIEW_PER_KIND

    tenant, users, items, person, _ = world
    async with tenant_scope(tenant.slug):
        a = await viewer_for_user(users["staff_a"], "staff")
        for i in range(OVERVIEW_PER_KIND + 5):
            item = await create_item(a, ContentInput(kind="event", title=f"Messut {i:02d}"))
            await link_person(a, item, person, "attendee")
    client = await _client(tenant.slug, "staff_b")
    page = (await client.get(f"/t/{tenant.slug}/persons/{person}")).text
    assert PRIVATE_TITLE not in page
    # The content section alone (the timeline elsewhere on the page lists items too).
    section = await client.get(f"/t/{tenant.slug}/persons/{person}/section/content", headers=HX)
    body = section.text
    assert section.status_code == 200 and PRIVATE_TITLE not in body
    shown = [i for i in range(OVERVIEW_PER_KIND + 5) if f"Messut {i:02d}" in body]
    assert len(shown) + (COMMON_TITLE in body) == OVERVIEW_PER_KIND
    total = OVERVIEW_PER_KIND + 5 + 1  # the common event too
    link = f"/t/{tenant.slug}/content/?kind=event&amp;person={person}"
    assert link in body and f"({total})" in body
    listed = await client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200
    assert "Messut 00" in listed.text and COMMON_TITLE in listed.text
    assert PRIVATE_TITLE not in listed.text and AREA_A_TITLE not in listed.text
    assert 'data-testid="person-filter"' in listed.text and "Kalle Kortti" in listed.text
