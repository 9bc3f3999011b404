"""JSON API v1: CRUD, 422 field details, 404s, merged cards, departed persons, OpenAPI."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from core.persons import mark_left
from tenants.scope import tenant_scope
from tests.support.auth_client import user_email


@pytest.fixture
async def api(make_tenant):
    tenant = await make_tenant()
    return tenant, f"/t/{tenant.slug}/api/v1"


async def _count(client, url: str, **params) -> int:
    r = await client.get(url, params=params)
    assert r.status_code == 200
    return int(r.headers["x-total-count"])


async def test_organization_crud_with_put_and_patch(client, api):
    _, base = api
    r = await client.post(
        f"{base}/organizations",
        json={"name": "Ääkkönen Oy", "business_id": "112038-9", "city": "Oulu"},
    )
    assert r.status_code == 201
    org = r.json()
    assert org["business_id"] == "0112038-9" and org["vat_number"] == "FI01120389"
    assert r.headers["location"] == f"{base}/organizations/{org['id']}"

    r = await client.get(r.headers["location"])
    assert r.status_code == 200 and r.json()["name"] == "Ääkkönen Oy"

    # PATCH changes only what is sent.
    r = await client.patch(f"{base}/organizations/{org['id']}", json={"postal_code": "90100"})
    assert r.status_code == 200
    assert r.json()["postal_code"] == "90100" and r.json()["city"] == "Oulu"
    assert r.json()["business_id"] == "0112038-9"

    # PUT replaces the whole record: fields left out get their defaults.
    r = await client.put(f"{base}/organizations/{org['id']}", json={"name": "Ääkkönen Oyj"})
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Ääkkönen Oyj" and body["city"] == "" and body["business_id"] is None

    r = await client.get(f"{base}/organizations", params={"q": "aakkonen"})
    assert [o["name"] for o in r.json()] == ["Ääkkönen Oyj"]
    assert r.headers["x-total-count"] == "1"


async def test_organization_validation_is_422_and_saves_nothing(client, api):
    _, base = api
    r = await client.post(f"{base}/organizations", json={"name": "Oy", "business_id": "0112038-8"})
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and body["detail"] == "validation failed"
    assert body["errors"][0]["field"] == "business_id"
    assert body["errors"][0]["code"] == "invalid_check_digit"
    assert body["errors"][0]["message"]
    assert await _count(client, f"{base}/organizations") == 0

    made = (await client.post(f"{base}/organizations", json={"name": "Ok Oy"})).json()
    r = await client.patch(
        f"{base}/organizations/{made['id']}", json={"business_id": "nonsense", "postal_code": "1"}
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"business_id", "postal_code"}
    r = await client.get(f"{base}/organizations/{made['id']}")
    assert r.json()["business_id"] is None and r.json()["postal_code"] == ""


async def test_person_crud_and_field_errors(client, api):
    tenant, base = api
    org = (await client.post(f"{base}/organizations", json={"name": "Kortti Oy"})).json()
    r = await client.post(
        f"{base}/persons",
        json={
            "first_name": "Åsa",
            "last_name": "Öhman",
            "emails": ["Asa@Example.FI"],
            "phones": ["040 123 4567"],
            "organization_id": org["id"],
            "keywords": ["hallitus"],
        },
    )
    assert r.status_code == 201, r.text
    person = r.json()
    assert person["phones"] == ["+358401234567"]
    assert person["emails"] == ["Asa@example.fi"]
    assert person["organization_name"] == "Kortti Oy"
    assert person["employment"][0]["current"] is True
    assert person["created_by"] == user_email(tenant.slug, "admin")  # the signed-in user
    location = r.headers["location"]
    assert location == f"{base}/persons/{person['id']}"

    # Bad e-mail and phone: 422 with both fields, and the card is unchanged.
    r = await client.patch(location, json={"emails": ["not-an-address"], "phones": ["12"]})
    assert r.status_code == 422
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert set(errors) == {"emails", "phones"}
    assert errors["emails"]["code"] == "invalid" and "not-an-address" in errors["emails"]["message"]
    assert (await client.get(location)).json()["emails"] == ["Asa@example.fi"]

    # PATCH keeps what is not sent; PUT replaces the card.
    r = await client.patch(location, json={"title": "Hallituksen puheenjohtaja"})
    assert r.json()["title"] == "Hallituksen puheenjohtaja" and r.json()["phones"]
    r = await client.put(location, json={"first_name": "Åsa", "last_name": "Öhman-Lind"})
    assert r.status_code == 200
    assert r.json()["phones"] == [] and r.json()["organization_id"] is None
    assert r.json()["employment"][0]["current"] is False  # the old job is kept as history

    r = await client.post(f"{base}/persons", json={"first_name": "", "last_name": "X"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "first_name"
    r = await client.post(
        f"{base}/persons",
        json={"first_name": "A", "last_name": "B", "organization_id": str(uuid.uuid4())},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organization_id"
    assert await _count(client, f"{base}/persons") == 1


async def test_request_body_errors_use_the_same_422_shape(client, api):
    _, base = api
    r = await client.post(f"{base}/persons", json={"first_name": "A"})
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == "validation failed"
    assert body["errors"] and {"field", "code", "message"} <= set(body["errors"][0])
    r = await client.post(f"{base}/persons", json={"first_name": "A", "last_name": 5})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "last_name"
    r = await client.get(f"{base}/persons", params={"limit": 0})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    assert await _count(client, f"{base}/persons") == 0


async def test_unknown_and_malformed_ids_are_json_404(client, api):
    _, base = api
    for path in (
        f"{base}/persons/{uuid.uuid4()}",
        f"{base}/organizations/{uuid.uuid4()}",
        f"{base}/persons/not-a-uuid",
        f"{base}/organizations/12345",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/json"), path
        assert r.json()["status"] == 404
    r = await client.put(
        f"{base}/persons/{uuid.uuid4()}", json={"first_name": "A", "last_name": "B"}
    )
    assert r.status_code == 404 and r.json()["status"] == 404
    r = await client.patch(f"{base}/organizations/{uuid.uuid4()}", json={"name": "X"})
    assert r.status_code == 404


async def test_merged_person_redirects_reads_and_refuses_writes(client, api):
    tenant, base = api
    survivor = (
        await client.post(f"{base}/persons", json={"first_name": "A", "last_name": "B"})
    ).json()
    merged = (
        await client.post(f"{base}/persons", json={"first_name": "A", "last_name": "Bb"})
    ).json()
    async with tenant_scope(tenant.slug) as _:
        from core.db import DB

        await DB.current_connection().execute(
            "UPDATE person SET merged_into = $1 WHERE id = $2",
            uuid.UUID(survivor["id"]),
            uuid.UUID(merged["id"]),
        )
    r = await client.get(f"{base}/persons/{merged['id']}", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"{base}/persons/{survivor['id']}"
    assert r.json()["survivor_id"] == survivor["id"]
    r = await client.get(f"{base}/persons/{merged['id']}", follow_redirects=True)
    assert r.status_code == 200 and r.json()["id"] == survivor["id"]
    r = await client.patch(f"{base}/persons/{merged['id']}", json={"title": "x"})
    assert r.status_code == 410 and r.json()["survivor_id"] == survivor["id"]
    assert (await client.get(f"{base}/persons/{survivor['id']}")).json()["title"] == ""


async def test_departed_hidden_from_lists_unless_asked(client, api):
    tenant, base = api
    org = (await client.post(f"{base}/organizations", json={"name": "Lähtö Oy"})).json()
    for first in ("Aino", "Eino"):
        await client.post(
            f"{base}/persons",
            json={"first_name": first, "last_name": "Virtanen", "organization_id": org["id"]},
        )
    eino = (await client.get(f"{base}/persons", params={"q": "Eino Virtanen"})).json()[0]
    async with tenant_scope(tenant.slug):
        await mark_left(uuid.UUID(eino["id"]), date(2026, 1, 31))
    assert [p["name"] for p in (await client.get(f"{base}/persons")).json()] == ["Aino Virtanen"]
    r = await client.get(f"{base}/persons", params={"include_departed": "true"})
    assert r.headers["x-total-count"] == "2"
    departed = [p for p in r.json() if p["left_organization_on"]]
    assert (
        departed[0]["name"] == "Eino Virtanen"
        and departed[0]["left_organization_on"] == "2026-01-31"
    )
    r = await client.get(f"{base}/persons", params={"q": "virtanen"})
    assert [p["name"] for p in r.json()] == ["Aino Virtanen"]
    r = await client.get(f"{base}/persons", params={"q": "virtanen", "include_departed": "true"})
    assert len(r.json()) == 2
    # Still readable by id, with the date.
    r = await client.get(f"{base}/persons/{eino['id']}")
    assert r.json()["left_organization_on"] == "2026-01-31"


async def test_paging(client, api):
    _, base = api
    for i in range(5):
        await client.post(f"{base}/organizations", json={"name": f"Yhtiö {i} Oy"})
    r = await client.get(f"{base}/organizations", params={"limit": 2, "offset": 2})
    assert [o["name"] for o in r.json()] == ["Yhtiö 2 Oy", "Yhtiö 3 Oy"]
    assert r.headers["x-total-count"] == "5"


async def test_api_is_tenant_isolated(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    r = await client.post(f"/t/{a.slug}/api/v1/persons", json={"first_name": "A", "last_name": "A"})
    person_id = r.json()["id"]
    r = await client.get(f"/t/{b.slug}/api/v1/persons/{person_id}")
    assert r.status_code == 404
    assert (await client.get(f"/t/{b.slug}/api/v1/persons")).json() == []


async def test_openapi_schema_has_the_tenant_paths_and_models(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    paths = schema["paths"]
    for path in (
        "/t/{tenant}/api/v1/persons",
        "/t/{tenant}/api/v1/persons/{person_id}",
        "/t/{tenant}/api/v1/organizations",
        "/t/{tenant}/api/v1/organizations/{org_id}",
    ):
        assert path in paths, path
    assert set(paths["/t/{tenant}/api/v1/persons/{person_id}"]) >= {"get", "put", "patch"}
    assert set(paths["/t/{tenant}/api/v1/persons"]) >= {"get", "post"}
    models = schema["components"]["schemas"]
    for model in ("PersonIn", "PersonOut", "PersonPatch", "OrganizationIn", "OrganizationOut"):
        assert model in models, model
    assert set(models["PersonIn"]["required"]) == {"first_name", "last_name"}
    assert "emails" in models["PersonOut"]["properties"]
    post = paths["/t/{tenant}/api/v1/persons"]["post"]
    assert "201" in post["responses"] and "422" in post["responses"]
    # Only the API is documented, not the HTML pages.
    assert not any("/import" in p or "/export" in p for p in paths)
