"""The operator console: tenant life cycle with typed confirmation, export to the tenant's own
bucket, plugin allowances, usage without personal data, and the platform audit of it all."""

import gzip
import json
import re

import pytest
from dramatiq import Worker
from litestar.testing import AsyncTestClient

from core import platform_audit
from core.db import DB, as_admin
from core.jobs import build_broker
from core.persons import PersonInput, create_person
from tenants.actors import register_actors
from tenants.scope import platform_transaction, tenant_scope
from tests.conftest import unique_slug
from tests.support.auth_client import SignedInClient
from tests.support.broker import reset_broker
from tests.support.operator_client import create_operator, csrf, sign_in_operator

NAME, EMAIL = "Tuulikki Tietosuoja", "tuulikki.tietosuoja@asiakas.example"


@pytest.fixture
async def app(settings):
    from web.app import create_app

    return create_app(prepare_runtime=False)


@pytest.fixture
async def console(app):
    """An operator signed in to the console; `.operator` is who."""
    async with AsyncTestClient(app=app) as c:
        c.follow_redirects = False
        c.operator = await create_operator(name="Konsoli Operaattori")
        await sign_in_operator(c, c.operator)
        yield c


async def _status(slug) -> str | None:
    with as_admin():
        async with DB.transaction() as txn:
            return await txn.connection.fetchval(
                "SELECT status FROM platform.tenant WHERE slug = $1", slug
            )


async def _audited(operator, slug) -> list[str]:
    async with platform_transaction():
        events = await platform_audit.recent(tenant_slug=slug, limit=100)
    return [e["action"] for e in events if e["operator"] == operator["id"]]


async def _post(client, path, **data):
    return await client.post(path, data={**data, "_csrf_token": csrf(client)})


async def test_create_suspend_resume_delete_need_the_slug_typed_and_are_audited(console, store):
    slug = unique_slug("op")
    form = await console.get("/operator/new-tenant")
    assert form.status_code == 200 and 'name="confirm"' in form.text
    r = await _post(console, "/operator/tenants", slug=slug, name="Konsoli Oy", confirm="väärä")
    assert r.status_code == 400 and "täsmälleen samoin" in r.text
    assert await _status(slug) is None
    r = await _post(
        console,
        "/operator/tenants",
        slug=slug,
        name="Konsoli Oy",
        business_id="0112038-9",
        confirm=slug,
    )
    assert (
        r.status_code == 303 and r.headers["location"] == f"/operator/tenants/{slug}?done=created"
    )
    assert await _status(slug) == "active"
    page = await console.get(f"/operator/tenants/{slug}")
    assert page.status_code == 200 and "Konsoli Oy" in page.text

    for action, expected in (("suspend", "suspended"), ("resume", "active")):
        confirm = await console.get(f"/operator/tenants/{slug}/{action}")
        assert confirm.status_code == 200 and f"tunnus {slug}" in confirm.text
        r = await _post(console, f"/operator/tenants/{slug}/{action}", confirm="jotain muuta")
        assert r.status_code == 400
        assert await _status(slug) == ("active" if action == "suspend" else "suspended")
        r = await _post(console, f"/operator/tenants/{slug}/{action}", confirm=slug)
        assert r.status_code == 303
        assert await _status(slug) == expected

    r = await _post(console, f"/operator/tenants/{slug}/delete", confirm=slug.upper())
    assert r.status_code == 400 and await _status(slug) == "active"
    r = await _post(console, f"/operator/tenants/{slug}/delete", confirm=slug)
    assert r.status_code == 303 and r.headers["location"] == "/operator/?done=deleted"
    assert await _status(slug) is None
    assert not await store.bucket_exists(f"kortisto-{slug}")
    assert {"tenant.create", "tenant.suspend", "tenant.resume", "tenant.delete"} <= set(
        await _audited(console.operator, slug)
    )
    assert (await console.get(f"/operator/tenants/{slug}")).status_code == 404


async def test_bad_new_tenant_input_says_what_to_fix(console, make_tenant):
    taken = await make_tenant()
    r = await _post(
        console, "/operator/tenants", slug="Huono Tunnus", name="", confirm="Huono Tunnus"
    )
    assert r.status_code == 400
    assert "Tunnus ei kelpaa" in r.text and "Kirjoita yrityksen nimi" in r.text
    assert 'value="Huono Tunnus"' in r.text  # nothing typed is lost
    r = await _post(
        console, "/operator/tenants", slug=taken.slug, name="Toinen Oy", confirm=taken.slug
    )
    assert r.status_code == 400 and "on jo rekisteri" in r.text


async def test_console_shows_usage_but_no_personal_data(console, make_tenant):
    t = await make_tenant(name="Käyttö Oy")
    async with tenant_scope(t.slug):
        for i in range(3):
            await create_person(PersonInput(first_name=f"Tuulikki{i}", last_name="Tietosuoja"))
        await create_person(
            PersonInput(first_name="Tuulikki", last_name="Tietosuoja", emails=[EMAIL])
        )
    pages = [
        await console.get("/operator/"),
        await console.get(f"/operator/tenants/{t.slug}"),
        await console.get("/operator/audit"),
        await console.get(f"/operator/audit?tenant={t.slug}"),
    ]
    for page in pages:
        assert page.status_code == 200
        for secret in ("Tietosuoja", EMAIL, "Tuulikki", f"admin@{t.slug}.example"):
            assert secret not in page.text, (page.url, secret)
    detail = pages[1].text
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", detail))
    assert facts["Henkilöt"] == "4" and facts["Käyttäjät"] == "2" and facts["Organisaatiot"] == "0"
    assert "2026-" in facts["Migraatiotaso"]
    # The installed plugins (entry points) are offered for allowing, none allowed yet.
    for plugin in ("sparkpost", "smtp", "social_embeds", "accounting_export", "newsletter"):
        assert f'name="plugin:{plugin}">' in detail, plugin
    assert "yhtään laajennusta" not in detail


async def test_export_goes_to_the_tenants_admins_not_to_the_operator(
    console, app, make_tenant, settings
):
    t = await make_tenant(name="Vienti Oy")
    async with tenant_scope(t.slug):
        await create_person(
            PersonInput(first_name="Tuulikki", last_name="Tietosuoja", emails=[EMAIL])
        )
    broker = build_broker(settings.redis_url.reveal())
    reset_broker(broker)
    register_actors(broker)
    try:
        r = await _post(console, f"/operator/tenants/{t.slug}/export")
        assert r.status_code == 303 and r.headers["location"].endswith("done=export")
        assert broker.client.llen("dramatiq:default") == 1  # relayed after commit
        worker = Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            broker.join("default", timeout=30_000)
            worker.join()
        finally:
            worker.stop()
    finally:
        reset_broker(broker)
    # The operator sees that it was done, never what it holds.
    page = await console.get(f"/operator/tenants/{t.slug}")
    assert "tenant.export_done" in page.text and "Tietosuoja" not in page.text
    assert {"tenant.export_requested"} <= set(await _audited(console.operator, t.slug))
    assert (await console.get(f"/t/{t.slug}/admin/operator-access/")).status_code == 403
    # The tenant's admin finds the archive on their page and downloads it.
    async with AsyncTestClient(app=app) as c:
        admin = SignedInClient(c)
        page = await admin.get(f"/t/{t.slug}/admin/operator-access/")
        link = re.search(r'href="(/t/[^"]+/archives/[^"]+)"', page.text).group(1)
        archive = await admin.get(link)
        assert archive.status_code == 200
        data = json.loads(gzip.decompress(archive.content))
        assert data["tenant"] == t.slug
        assert any(p["last_name"] == "Tietosuoja" for p in data["tables"]["person"])
        assert all("password_hash" not in u for u in data["tables"]["app_user"])
        # Staff may not fetch it.
        staff = SignedInClient(c, role="staff")
        await staff.sign_in(t.slug)
        assert (await c.get(link)).status_code == 403
    async with tenant_scope(t.slug):
        actions = await DB.current_connection().fetch("SELECT action FROM audit_event")
    assert {"archive.requested", "archive.created", "archive.downloaded"} <= {
        a["action"] for a in actions
    }


async def test_plugin_allowances_with_a_plugin_installed(console, make_tenant, monkeypatch):
    from core import plugin_allowances

    t = await make_tenant()
    monkeypatch.setattr(plugin_allowances, "known_plugins", lambda: ["sparkpost", "smtp"])
    page = await console.get(f"/operator/tenants/{t.slug}")
    assert 'name="plugin:sparkpost"' in page.text and "checked" not in page.text
    r = await _post(console, f"/operator/tenants/{t.slug}/plugins", **{"plugin:sparkpost": "on"})
    assert r.status_code == 303
    async with platform_transaction():
        assert await plugin_allowances.allowances(t.slug) == {"sparkpost": True, "smtp": False}
    page = await console.get(f"/operator/tenants/{t.slug}")
    assert re.search(r'name="plugin:sparkpost" checked', page.text)
    assert "tenant.plugins" in await _audited(console.operator, t.slug)
