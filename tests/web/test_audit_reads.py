"""Every read path that shows personal data leaves exactly ONE "person.read" event (counted
before and after each request), naming the cards shown, the actor, the purpose and the
request id; break-glass reads by an operator too, although their transaction is READ ONLY."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient

from core import audit
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import SignedInClient, user_email
from tests.support.operator_client import create_operator, csrf, sign_in_operator


@pytest.fixture
async def world(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        org = (await create_organization(OrganizationInput(name="Lukuyhtiö Oy")))["id"]
        people = [
            await create_person(
                PersonInput(first_name=f"Lukija{i}", last_name="Luettava", organization_id=org)
            )
            for i in range(3)
        ]
    return t.slug, org, people


async def _reads(slug: str) -> list[dict]:
    async with tenant_scope(slug):
        return await audit.events(action_prefix=audit.READ_ACTION, limit=1000)


async def _one_read(slug: str, before: int) -> dict:
    events = await _reads(slug)
    assert len(events) == before + 1, [e["detail"] for e in events[: len(events) - before]]
    return events[0]


async def _read_by(client, slug: str, url: str, **kwargs) -> tuple[dict, object]:
    before = len(await _reads(slug))
    r = await client.get(url, **kwargs)
    assert r.status_code == 200, (url, r.status_code)
    return await _one_read(slug, before), r


async def test_each_staff_read_path_is_one_event(client, world):
    slug, org, people = world
    base = f"/t/{slug}"
    p = people[0]
    paths = [
        (f"{base}/persons/{p}", "page", [p]),
        (f"{base}/persons/{p}/edit", "edit_form", [p]),
        (f"{base}/persons/", "list", people),
        (f"{base}/search/?q=Luettava", "search", people),
        (f"{base}/organizations/{org}", "organization_page", people),
        (f"{base}/export/persons.csv", "export", people),
        (f"{base}/api/v1/persons/{p}", "api", [p]),
        (f"{base}/api/v1/persons/?limit=50", "api", people),
        (f"{base}/api/v1/persons/{p}/content", "api_content", [p]),
    ]
    for url, via, shown in paths:
        event, response = await _read_by(client, slug, url)
        assert event["detail"]["via"] == via, url
        assert sorted(event["detail"]["persons"]) == sorted(str(x) for x in shown), url
        assert event["actor_kind"] == "user"
        assert event["actor_label"] == user_email(slug, "admin")
        expected = {"export": "export", "api": "api", "api_content": "api"}.get(via)
        assert event["purpose"] == (expected or "customer_service"), url
        assert event["person_id"] == (shown[0] if len(shown) == 1 else None), url
        assert event["request_id"] and event["request_id"] == response.headers["x-request-id"]

    # A section fragment of the person page is a read of its own.
    event, _ = await _read_by(
        client, slug, f"{base}/persons/{p}/section/content", headers={"HX-Request": "true"}
    )
    assert event["detail"]["via"] == "section:content" and event["person_id"] == p


async def test_a_list_showing_no_card_records_nothing_and_request_ids_differ(client, world):
    slug, _org, people = world
    before = len(await _reads(slug))
    r = await client.get(f"/t/{slug}/search/?q=Eiloydymitaan")
    assert r.status_code == 200
    assert len(await _reads(slug)) == before
    first, _ = await _read_by(client, slug, f"/t/{slug}/persons/{people[1]}")
    second, _ = await _read_by(
        client, slug, f"/t/{slug}/persons/{people[1]}", headers={"X-Request-ID": "proxy-id-1234"}
    )
    assert first["request_id"] != second["request_id"] == "proxy-id-1234"


async def test_self_service_read_of_own_card(anon_client, make_tenant):
    t = await make_tenant()
    person = await add_self_user(t.slug)
    me = SignedInClient(anon_client, role="self")
    await me.get(f"/t/{t.slug}/")  # sign in
    for url, via in (
        (f"/t/{t.slug}/me/", "self_service"),
        (f"/t/{t.slug}/me/edit", "self_service_edit"),
    ):
        event, _ = await _read_by(me, t.slug, url)
        assert event["person_id"] == person and event["purpose"] == "self_service"
        assert event["detail"]["via"] == via


async def test_break_glass_reads_are_audited_from_the_read_only_scope(settings, make_tenant):
    from web.app import create_app

    t = await make_tenant()
    async with tenant_scope(t.slug):
        person = await create_person(PersonInput(first_name="Salli", last_name="Salainen"))
    operator = await create_operator(name="Lukeva Operaattori")
    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        c.follow_redirects = False
        await sign_in_operator(c, operator)
        r = await c.post(
            f"/operator/tenants/{t.slug}/break-glass",
            data={"reason": "Tukipyyntö 77: kortti näkyy väärin", "minutes": "30",
                  "_csrf_token": csrf(c)},
        )
        assert r.status_code == 303
        for url, via in (
            (f"/t/{t.slug}/persons/{person}", "page"),
            (f"/t/{t.slug}/persons/", "list"),
            (f"/t/{t.slug}/export/persons.csv", "export"),
        ):
            event, _ = await _read_by(c, t.slug, url)
            assert event["actor_kind"] == "operator" and event["actor_id"] == str(operator["id"])
            assert event["purpose"] == "break_glass" and event["detail"]["via"] == via
            assert event["detail"]["persons"] == [str(person)]


async def test_runtime_role_cannot_alter_read_events(client, world):
    import asyncpg

    slug, _org, people = world
    await _read_by(client, slug, f"/t/{slug}/persons/{people[0]}")
    for sql in ("UPDATE audit_event SET purpose = 'api'", "DELETE FROM audit_event"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(slug):
                await DB.current_connection().execute(sql)
    assert uuid.UUID(str(people[0]))


async def test_customer_record_sections_timeline_and_merge_compare(client, world):
    slug, _org, people = world
    base = f"/t/{slug}/persons/{people[0]}"
    hx = {"HX-Request": "true"}
    for url, via, shown in (
        (f"{base}/records/contacts", "records:contacts", [people[0]]),
        (f"{base}/timeline", "timeline", [people[0]]),
        (f"{base}/merge/{people[1]}", "merge_compare", people[:2]),
    ):
        event, _ = await _read_by(client, slug, url, headers=hx)
        assert event["detail"]["via"] == via, url
        assert sorted(event["detail"]["persons"]) == sorted(str(p) for p in shown)


async def test_content_item_page_and_api_name_their_linked_cards(client, world):
    slug, _org, people = world
    api = f"/t/{slug}/api/v1"
    r = await client.post(f"{api}/content", json={"kind": "deal", "title": "Luettu kauppa"})
    assert r.status_code == 201, r.text
    item = r.json()["id"]
    for person in people[:2]:
        r = await client.post(
            f"{api}/content/{item}/links", json={"person_id": str(person), "role": "contact"}
        )
        assert r.status_code == 201, r.text
    for url, via, purpose in (
        (f"/t/{slug}/content/{item}", "content_item", "customer_service"),
        (f"{api}/content/{item}", "api_content_item", "api"),
        (f"{api}/content/{item}/links", "api_content_item", "api"),
    ):
        event, _ = await _read_by(client, slug, url)
        assert event["detail"]["via"] == via and event["purpose"] == purpose, url
        assert event["detail"]["item"] == item
        assert sorted(event["detail"]["persons"]) == sorted(str(p) for p in people[:2])
