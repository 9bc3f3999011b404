"""Writes of business cards, organizations and content through the pages and the API leave one
audit event each (in the same transaction): the right action, the signed-in user as the actor,
the record's id, and field NAMES in the detail but never the values written. A refused (422)
write records nothing."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from core import audit
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, get_person
from tenants.scope import tenant_scope
from tests.support.auth_client import user_email
from web.register_audit import writer_label

SECRET_EMAIL = "salainen.osoite@piilo.example"
SECRET_PHONE = "040 999 8877"


@pytest.fixture
async def world(make_tenant):
    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        admin = await conn.fetchval(
            "SELECT id FROM app_user WHERE email = $1", user_email(tenant.slug, "admin")
        )
        staff = await conn.fetchval(
            "SELECT id FROM app_user WHERE email = $1", user_email(tenant.slug, "staff")
        )
        org = (await create_organization(OrganizationInput(name="Auditoitu Oy")))["id"]
        person = await create_person(PersonInput(first_name="Alma", last_name="Aaltonen"))
    return tenant.slug, admin, staff, org, person


async def _events(slug: str, prefix: str = "") -> list[dict]:
    """The write events, oldest first (reads of the pages followed: tests/web/test_audit_reads)."""
    async with tenant_scope(slug):
        events = await audit.events(action_prefix=prefix, limit=500)
    return [e for e in reversed(events) if e["action"] != audit.READ_ACTION]


async def _all_actions(slug: str) -> list[str]:
    return [e["action"] for e in await _events(slug)]


def _check(event: dict, action: str, slug: str, admin: uuid.UUID, object_id, **detail) -> None:
    """The event's action, actor (the signed-in admin) and object; `detail` ⊆ its detail."""
    assert event["action"] == action
    assert (event["actor_kind"], event["actor_id"]) == ("user", str(admin))
    assert event["actor_label"] == user_email(slug, "admin")
    assert event["object_id"] == str(object_id)
    for key, value in detail.items():
        assert event["detail"][key] == value, (key, event["detail"])


def _no_values(event: dict, *values: str) -> None:
    text = json.dumps(event["detail"], ensure_ascii=False).lower()
    for value in values:
        assert value.lower() not in text, (value, event["detail"])


def _person_form(**fields) -> dict:
    form = dict.fromkeys(
        ("first_name", "last_name", "emails", "phones", "title", "organization_id"), ""
    )
    form.update(keywords="", description="", **fields)
    return form


def _org_form(**fields) -> dict:
    form = dict.fromkeys(
        ("name", "business_id", "street_address", "postal_code", "city", "einvoice_address"), ""
    )
    form.update(einvoice_operator="", country="FI", status="active", **fields)
    return form


def _id_from(response) -> uuid.UUID:
    assert response.status_code == 303, response.text[:2000]
    return uuid.UUID(response.headers["location"].rsplit("/", 1)[1])


# --- pages -----------------------------------------------------------------------------------


async def test_person_pages_create_update_and_leave(client, world):
    slug, admin, _staff, org, _person = world
    base = f"/t/{slug}/persons"
    r = await client.post(
        f"{base}/new",
        data=_person_form(first_name="Eino", last_name="Esimerkki", emails=SECRET_EMAIL),
        follow_redirects=False,
    )
    pid = _id_from(r)
    [created] = await _events(slug, "person.")
    _check(created, "person.create", slug, admin, pid, via="page")
    assert created["detail"]["fields"] == ["emails", "first_name", "last_name"]
    _no_values(created, SECRET_EMAIL, "Eino", "Esimerkki")
    async with tenant_scope(slug):
        assert (await get_person(pid))["created_by"] == user_email(slug, "admin")

    form = _person_form(
        first_name="Eino",
        last_name="Esimerkki",
        emails="uusi.osoite@piilo.example",
        phones=SECRET_PHONE,
        organization_id=str(org),
    )
    r = await client.post(f"{base}/{pid}/edit", data=form, follow_redirects=False)
    assert r.status_code == 303
    updated = (await _events(slug, "person."))[-1]
    _check(updated, "person.update", slug, admin, pid, via="page")
    assert updated["detail"]["fields"] == ["emails", "organization_id", "phones"]
    _no_values(updated, "uusi.osoite", SECRET_EMAIL, "0409998877", "+358409998877")

    # Saving without a change writes no event (as for content items).
    await client.post(f"{base}/{pid}/edit", data=form, follow_redirects=False)
    assert len(await _events(slug, "person.")) == 2

    r = await client.post(f"{base}/{pid}/leave", data={"left_on": "2026-01-31"})
    left = (await _events(slug, "person."))[-1]
    _check(left, "person.leave", slug, admin, pid, organization=str(org))
    assert left["detail"]["fields"] == ["left_organization_on"]
    _no_values(left, "2026-01-31")
    async with tenant_scope(slug):
        assert (await get_person(pid))["updated_by"] == user_email(slug, "admin")


async def test_refused_page_writes_record_nothing(client, world):
    """Refused page writes: the form comes back with its errors (these pages answer 200 with
    the error summary, not 422); nothing is saved, nothing audited."""
    slug, _admin, _staff, _org, person = world
    before = await _all_actions(slug)
    refused = [
        await client.post(
            f"/t/{slug}/persons/new", data=_person_form(first_name="X", last_name="Y", phones="12")
        ),
        await client.post(
            f"/t/{slug}/persons/{person}/edit",
            data=_person_form(first_name="", last_name="Aaltonen", emails=SECRET_EMAIL),
        ),
        await client.post(f"/t/{slug}/persons/{person}/leave", data={"left_on": "eilen"}),
        await client.post(
            f"/t/{slug}/organizations/new",
            data=_org_form(name="Virhe Oy", business_id="0112038-8"),
        ),
    ]
    assert [r.status_code for r in refused] == [200, 200, 200, 200]
    assert all('data-testid="error-summary"' in r.text for r in refused)
    assert await _all_actions(slug) == before
    async with tenant_scope(slug):
        card = await get_person(person)
    assert card["emails"] == [] and card["left_organization_on"] is None


async def test_organization_pages_create_and_update(client, world):
    slug, admin, *_ = world
    base = f"/t/{slug}/organizations"
    r = await client.post(
        f"{base}/new", data=_org_form(name="Uusi Oy", city="Kuopio"), follow_redirects=False
    )
    org_id = _id_from(r)
    [created] = await _events(slug, "organization.")
    _check(created, "organization.create", slug, admin, org_id, via="page")
    assert {"city", "country", "name", "status"} <= set(created["detail"]["fields"])
    _no_values(created, "Kuopio", "Uusi Oy")

    r = await client.post(
        f"{base}/{org_id}/edit",
        data=_org_form(name="Uusi Oy", city="Kuopio", postal_code="70100"),
        follow_redirects=False,
    )
    assert r.status_code == 303
    updated = (await _events(slug, "organization."))[-1]
    _check(updated, "organization.update", slug, admin, org_id, fields=["postal_code"])
    _no_values(updated, "70100")
    async with tenant_scope(slug):
        row = await DB.current_connection().fetchrow(
            "SELECT created_by, updated_by FROM organization WHERE id = $1", org_id
        )
    assert tuple(row) == (user_email(slug, "admin"),) * 2


async def test_merge_page_records_the_merge_on_the_survivor(client, world):
    slug, admin, _staff, _org, survivor = world
    async with tenant_scope(slug):
        merged = await create_person(
            PersonInput(first_name="Alma", last_name="Aaltonen", emails=[SECRET_EMAIL])
        )
    url = f"/t/{slug}/persons/{survivor}/merge/{merged}"
    r = await client.post(url, data={"confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    [event] = await _events(slug, "person.merge")
    _check(event, "person.merge", slug, admin, survivor, via="page", merged=str(merged))
    uuid.UUID(event["detail"]["merge"])
    assert event["detail"]["moved"]["person_email"] == 1
    _no_values(event, SECRET_EMAIL)


async def test_import_commit_records_each_card_and_the_import(client, world):
    slug, admin, *_ = world
    text = (
        "etunimi;sukunimi;sähköposti;organisaatio\n"
        f"Iida;Tuonti;{SECRET_EMAIL};Tuontiyhtiö Oy\n"
        "Ilmari;Tuonti;;\n"
    )
    r = await client.post(
        f"/t/{slug}/import/",
        data={"kind": "persons"},
        files={"file": ("tuonti.csv", text.encode(), "text/csv")},
        follow_redirects=False,
    )
    url = r.headers["location"]
    html = (await client.get(url)).text
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)
    r = await client.post(f"{url}/confirm", data={"fingerprint": fingerprint})
    assert r.status_code == 200, r.text
    import_id = url.rsplit("/", 1)[1]

    events = await _events(slug)
    assert [e["action"] for e in events] == [
        "organization.create",
        "person.create",
        "person.create",
        "import.commit",
    ]
    org_event, first, second, summary = events
    for event in events[:3]:
        _check(event, event["action"], slug, admin, event["object_id"], via="import")
        assert event["detail"]["import_id"] == import_id
    async with tenant_scope(slug):
        card = await get_person(uuid.UUID(first["object_id"]))
    assert card["first_name"] == "Iida"
    assert org_event["object_id"] == str(card["organization_id"])
    assert (first["detail"]["line"], second["detail"]["line"]) == (2, 3)
    _check(summary, "import.commit", slug, admin, import_id, persons_created=2)
    assert summary["detail"]["organizations_created"] == 1
    for event in events:
        _no_values(event, SECRET_EMAIL, "Iida", "Tuontiyhtiö")


# --- API -------------------------------------------------------------------------------------


async def test_api_person_writes(client, world):
    slug, admin, _staff, org, _person = world
    base = f"/t/{slug}/api/v1/persons"
    r = await client.post(base, json={"first_name": "Aapo", "last_name": "Api"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["created_by"] == user_email(slug, "admin")
    r = await client.patch(f"{base}/{pid}", json={"emails": [SECRET_EMAIL]})
    assert r.status_code == 200 and r.json()["updated_by"] == user_email(slug, "admin")
    r = await client.put(
        f"{base}/{pid}",
        json={"first_name": "Aapo", "last_name": "Api", "organization_id": str(org)},
    )
    assert r.status_code == 200
    created, patched, replaced = await _events(slug, "person.")
    _check(created, "person.create", slug, admin, pid, via="api")
    assert created["detail"]["fields"] == ["first_name", "last_name"]
    _check(patched, "person.update", slug, admin, pid, via="api", fields=["emails"])
    _check(replaced, "person.update", slug, admin, pid, fields=["emails", "organization_id"])
    for event in (created, patched, replaced):
        _no_values(event, SECRET_EMAIL, "Aapo")

    # Refused: nothing recorded.
    r = await client.patch(f"{base}/{pid}", json={"emails": ["ei-osoite"]})
    assert r.status_code == 422
    r = await client.post(base, json={"first_name": "", "last_name": "Api"})
    assert r.status_code == 422
    assert len(await _events(slug, "person.")) == 3


async def test_api_organization_writes(client, world):
    slug, admin, *_ = world
    base = f"/t/{slug}/api/v1/organizations"
    r = await client.post(base, json={"name": "Rajapinta Oy", "city": "Vaasa"})
    assert r.status_code == 201
    org_id = r.json()["id"]
    await client.patch(f"{base}/{org_id}", json={"postal_code": "65100"})
    await client.put(f"{base}/{org_id}", json={"name": "Rajapinta Oyj"})
    created, patched, replaced = await _events(slug, "organization.")
    _check(created, "organization.create", slug, admin, org_id, via="api")
    assert {"city", "name"} <= set(created["detail"]["fields"])
    _check(patched, "organization.update", slug, admin, org_id, fields=["postal_code"])
    _check(replaced, "organization.update", slug, admin, org_id)
    assert replaced["detail"]["fields"] == ["city", "name", "postal_code"]
    for event in (created, patched, replaced):
        _no_values(event, "Rajapinta", "Vaasa", "65100")
    async with tenant_scope(slug):
        row = await DB.current_connection().fetchrow(
            "SELECT created_by, updated_by FROM organization WHERE id = $1", uuid.UUID(org_id)
        )
    assert tuple(row) == (user_email(slug, "admin"),) * 2

    r = await client.patch(f"{base}/{org_id}", json={"business_id": "0112038-8"})
    assert r.status_code == 422
    r = await client.post(base, json={"name": ""})
    assert r.status_code == 422
    assert len(await _events(slug, "organization.")) == 3


async def test_api_content_writes_audit_like_the_pages(client, world):
    slug, admin, staff, _org, person = world
    base = f"/t/{slug}/api/v1/content"
    r = await client.post(base, json={"kind": "deal", "title": "Salainen kauppa"})
    assert r.status_code == 201, r.text
    item = r.json()["id"]
    assert r.json()["created_by"] == user_email(slug, "admin")
    url = f"{base}/{item}"
    assert (await client.patch(url, json={"description": "Luottamuksellinen"})).status_code == 200
    assert (await client.put(f"{url}/stage", json={"stage": "negotiation"})).status_code == 200
    r = await client.post(f"{url}/links", json={"person_id": str(person), "role": "contact"})
    link = r.json()["id"]
    assert (await client.delete(f"{url}/links/{link}")).status_code == 204
    r = await client.put(f"{url}/participants", json={"user_ids": [str(admin), str(staff)]})
    assert r.status_code == 200
    assert (await client.delete(url)).status_code == 204

    events = await _events(slug, "content.")
    assert [e["action"] for e in events] == [
        "content.create",
        "content.update",
        "content.stage",
        "content.link",
        "content.unlink",
        "content.participants",
        "content.delete",
    ]
    for event in events:
        _check(event, event["action"], slug, admin, item, via="api")
        assert event["object_kind"] == "content_item"
        _no_values(event, "Salainen", "Luottamuksellinen")
    create, update, stage, linked, unlinked, participants, deleted = events
    assert create["detail"] == {"kind": "deal", "private": False, "via": "api"}
    assert update["detail"]["fields"] == ["description"]
    assert (stage["detail"]["from"], stage["detail"]["to"]) == ("lead", "negotiation")
    assert linked["detail"] == {
        "person": str(person), "role": "contact", "link": link, "via": "api"
    }  # fmt: skip
    assert (unlinked["detail"]["person"], unlinked["detail"]["role"]) == (str(person), "contact")
    assert participants["detail"]["added"] == [str(staff)]
    assert deleted["detail"]["kind"] == "deal" and deleted["detail"]["links"] == 0

    # Refused: nothing recorded.
    r = await client.post(base, json={"kind": "deal", "title": ""})
    assert r.status_code == 422
    assert len(await _events(slug, "content.")) == 7


def test_the_stamp_falls_back_for_a_caller_without_an_email():
    """created_by / updated_by: the e-mail; a future API key without one by its id, or 'api'."""

    class Caller:
        def __init__(self, user: dict | None) -> None:
            self.scope = {"user": user} if user is not None else {}

    key = uuid.uuid4()
    assert writer_label(Caller({"id": key, "email": "a@b.example"})) == "a@b.example"
    assert writer_label(Caller({"id": key, "email": None})) == str(key)
    assert writer_label(Caller({})) == "api"
    assert writer_label(Caller(None)) == "api"
