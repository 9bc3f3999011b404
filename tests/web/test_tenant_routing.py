from core.db import DB, as_admin
from tenants.provisioning import set_tenant_status


async def test_tenant_page_and_vary_header(client, make_tenant):
    a = await make_tenant(name="Ääkkönen Oy")
    r = await client.get(f"/t/{a.slug}/")
    assert r.status_code == 200
    assert "Ääkkönen Oy" in r.text
    assert "HX-Request" in r.headers["vary"]


async def test_unknown_tenant_is_404_never_a_fallback(client, make_tenant):
    await make_tenant()
    for path in ("/t/nobody/", "/t/nobody/api/v1/organizations/", "/t/Bad_Slug/"):
        r = await client.get(path)
        assert r.status_code == 404, path


async def test_suspended_tenant_is_403(client, make_tenant):
    a = await make_tenant()
    await set_tenant_status(a.slug, "suspended")
    r = await client.get(f"/t/{a.slug}/")
    assert r.status_code == 403
    assert "suljettu" in r.text.lower()


async def test_error_for_htmx_request_is_a_fragment(client):
    r = await client.get("/t/nobody/", headers={"HX-Request": "true"})
    assert r.status_code == 404
    assert "<html" not in r.text and 'role="alert"' in r.text
    assert r.headers["hx-retarget"] == "#messages"


async def test_mapped_host_serves_its_tenant(client, make_tenant):
    a = await make_tenant(name="Hosted Oy")
    await make_tenant(name="Other Oy")
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute(
                "INSERT INTO platform.tenant_domain (host, tenant) "
                "SELECT 'rekisteri.hosted.fi', id FROM platform.tenant WHERE slug = $1",
                a.slug,
            )
    # Signed out, the mapped host's front page sends the visitor to its login.
    r = await client.client.get("/", headers={"Host": "rekisteri.hosted.fi"},
                                follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/t/{a.slug}/login")
    await client.sign_in(a.slug)
    r = await client.get("/", headers={"Host": "rekisteri.hosted.fi"})
    assert r.status_code == 200 and "Hosted Oy" in r.text and "<h1>Hosted Oy</h1>" in r.text
    r = await client.get("/api/v1/organizations/", headers={"Host": "REKISTERI.hosted.fi:443"})
    assert r.status_code == 200
    # An unmapped host gets no tenant at all.
    r = await client.get("/", headers={"Host": "unknown.example"})
    assert r.status_code == 404
    assert "Other Oy" not in r.text


async def test_api_validation_errors_are_422_with_field_details(client, make_tenant):
    a = await make_tenant()
    url = f"/t/{a.slug}/api/v1/organizations/"
    r = await client.post(url, json={"name": "Nokia", "business_id": "0112038-8"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "business_id"
    assert r.json()["errors"][0]["code"] == "invalid_check_digit"
    r = await client.post(url, json={"name": "  ", "business_id": "nonsense"})
    assert {e["field"] for e in r.json()["errors"]} == {"name", "business_id"}
    assert (await client.get(url)).json() == []  # nothing was saved
    r = await client.post(url, json={"name": "Nokia Oyj", "business_id": "112038-9"})
    assert r.status_code == 201 and r.json()["business_id"] == "0112038-9"
    r = await client.post(url, json={"name": "Nokia again", "business_id": "0112038-9"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "duplicate"
    assert len((await client.get(url)).json()) == 1


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "broker": "ok", "object_store": "ok"}
