"""A large upload to a real web process (uvicorn), then more requests on the same connection.

uvicorn resumes reading a paused connection from inside the app; without the fresh context per
request (web.middleware.HostTenantRewrite) the connection's next request started inside the
upload's finished tenant transaction and failed with a 500."""

import os
import uuid

import httpx
import pytest

from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.conftest import free_port, kortisto_process, wait_until
from tests.support.auth_client import PASSWORD, user_email


@pytest.fixture
def web_process(settings):
    port = free_port()
    proc = kortisto_process("serve", "--port", str(port))
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, message="the web server to start")
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.mark.slow
async def test_large_upload_then_more_requests_on_the_same_connection(web_process, make_tenant):
    a = await make_tenant()
    async with tenant_scope(a.slug):
        person = await create_person(PersonInput(first_name="Iso", last_name="Liite"))
    data = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)
    async with httpx.AsyncClient(base_url=web_process, timeout=60) as client:
        await client.get(f"/t/{a.slug}/login")
        csrf = client.cookies["kortisto_csrf"]
        signed_in = await client.post(
            f"/t/{a.slug}/login",
            data={"email": user_email(a.slug, "admin"), "password": PASSWORD, "_csrf_token": csrf},
        )
        assert signed_in.status_code in (200, 303)
        for n in range(2):
            r = await client.post(
                f"/t/{a.slug}/attachments/person/{person}",
                files={"file": (f"iso-{n}.pdf", data, "application/pdf")},
                headers={"HX-Request": "true", "x-csrf-token": csrf},
            )
            assert r.status_code == 200 and f"iso-{n}.pdf" in r.text
            page = await client.get(f"/t/{a.slug}/persons/{person}")
            assert page.status_code == 200 and f"iso-{n}.pdf" in page.text
        missing = await client.get(f"/t/{a.slug}/attachment/{uuid.uuid4()}")
        assert missing.status_code == 404
