"""The access copy on the pages: the end customer's own flow (request, code, automatic build,
progress, download) and the admin's (build on a started request, download, complete); nobody
else downloads it."""

from __future__ import annotations

import io
import zipfile

import httpx

from core import audit, requests
from core.db import DB
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.core.test_access_bundle import no_relay, run_queued_builds  # noqa: F401
from tests.support.auth_client import SignedInClient, user_email
from tests.web.test_subject_requests_pages import _code


async def _zip_names(url: str) -> list[str]:
    async with httpx.AsyncClient() as http:
        answer = await http.get(url)
    assert answer.status_code == 200
    return zipfile.ZipFile(io.BytesIO(answer.content)).namelist()


async def _audit_count(slug: str, action: str, **where) -> int:
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval(
            "SELECT count(*) FROM audit_event WHERE action = $1 AND purpose LIKE $2",
            action,
            where.get("purpose", "%"),
        )


async def test_end_customer_gets_the_copy_built_and_downloads_it(anon_client, make_tenant):
    t = await make_tenant()
    person = await add_self_user(t.slug)
    me = SignedInClient(anon_client, role="self")
    made = await me.post(
        f"/t/{t.slug}/me/requests/", data={"kind": "access"}, follow_redirects=False
    )
    assert made.status_code == 303
    async with tenant_scope(t.slug):
        [mine] = await requests.requests_of_person(person)
    code = await _code(t.slug, user_email(t.slug, "self"))
    ok = await me.post(
        f"/t/{t.slug}/me/requests/verify",
        data={"request_id": str(mine["id"]), "code": code},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    base = f"/t/{t.slug}/me/requests/{mine['id']}/bundle"
    page = await me.get(f"/t/{t.slug}/me/requests/?message=verified")
    assert f'hx-get="{base}/status"' in page.text and 'role="status"' in page.text
    assert "<progress" in page.text
    polling = await me.get(f"{base}/status", headers={"HX-Request": "true"})
    assert polling.status_code == 200 and "<progress" in polling.text
    assert (await me.get(f"{base}/download", follow_redirects=False)).status_code == 409

    assert await run_queued_builds(t.slug) == 1
    done = await me.get(f"{base}/status", headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    assert f'href="{base}/download"' in done.text and "<progress" not in done.text
    page = await me.get(f"/t/{t.slug}/me/requests/")
    assert 'data-testid="bundle-download"' in page.text and "hx-get" not in page.text
    link = await me.get(f"{base}/download", follow_redirects=False)
    assert link.status_code == 303
    names = await _zip_names(link.headers["location"])
    assert {"index.html", "data.json", "csv/card.csv"} <= set(names)
    assert await _audit_count(t.slug, "request.bundle_downloaded", purpose="self_service") == 1
    async with tenant_scope(t.slug):
        finished = await requests.get_request(mine["id"])
    assert finished["status"] == "completed"

    # Another end customer, staff and the admin's self-service route: no.
    async with tenant_scope(t.slug):
        await DB.current_connection().execute(
            "UPDATE app_user SET person = $1 WHERE email = $2",
            await create_person(PersonInput(first_name="Toinen", last_name="Asiakas")),
            user_email(t.slug, "self"),
        )
    assert (await me.get(f"{base}/download", follow_redirects=False)).status_code == 404
    staff = SignedInClient(anon_client.__class__(app=anon_client.app), role="staff")
    async with staff.client:
        admin_url = f"/t/{t.slug}/admin/requests/{mine['id']}/bundle/download"
        assert (await staff.get(admin_url, follow_redirects=False)).status_code == 403
        assert (await staff.get(f"{base}/download", follow_redirects=False)).status_code == 403


async def test_admin_builds_the_copy_on_a_started_request_and_completes_it(client, make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        person = await create_person(
            PersonInput(first_name="Pirjo", last_name="Pyytäjä", emails=["pirjo@koti.example"])
        )
        created = await requests.create_request(person, "portability", actor=audit.SYSTEM)
    url = f"/t/{t.slug}/admin/requests/{created['id']}"
    page = await client.get(url)
    assert "Kopion voi koota, kun käsittely on aloitettu." in page.text
    refused = await client.post(f"{url}/bundle", data={"language": "sv"}, follow_redirects=False)
    assert refused.headers["location"].endswith("?bundle=not_allowed")
    await client.post(f"{url}/verify", data={"how": "henkilökortti"})
    await client.post(f"{url}/start")
    built = await client.post(f"{url}/bundle", data={"language": "sv"}, follow_redirects=False)
    assert built.status_code == 303
    page = await client.get(url)
    assert f'hx-get="{url}/bundle/status"' in page.text and "<progress" in page.text
    assert await run_queued_builds(t.slug) == 1
    page = await client.get(url)
    assert 'data-testid="bundle-download"' in page.text
    link = await client.get(f"{url}/bundle/download", follow_redirects=False)
    assert link.status_code == 303
    async with httpx.AsyncClient() as http:
        copy = zipfile.ZipFile(io.BytesIO((await http.get(link.headers["location"])).content))
    assert '<html lang="sv">' in copy.read("index.html").decode()
    assert "Pyytäjä" in copy.read("data.json").decode()
    assert await _audit_count(t.slug, "person.read", purpose="access_request") == 1
    assert await _audit_count(t.slug, "request.bundle_downloaded") == 1
    done = await client.post(f"{url}/complete", data={"note": ""}, follow_redirects=False)
    assert done.status_code == 303
    async with tenant_scope(t.slug):
        assert (await requests.get_request(created["id"]))["status"] == "completed"
