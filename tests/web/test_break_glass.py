"""Break-glass through the web: refused without a grant on every tenant route, read-only with
one (the database itself refuses writes), ends at once on expiry or revocation, and every step
is in the platform audit and the tenant's own audit."""

import re
import uuid

import pytest
from litestar import get
from litestar.params import FromPath
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from core import audit, platform_audit
from core.db import DB, as_admin
from core.persons import PersonInput, create_person
from tenants.break_glass import close_expired_grants
from tenants.scope import platform_transaction, tenant_scope
from tests.support.auth_client import SignedInClient
from tests.support.operator_client import create_operator, csrf, sign_in_operator

SAMPLE = {"uuid": str(uuid.UUID(int=7)), "str": "x", "int": "1"}


@get("/t/{tenant:str}/test-only/write-attempt", include_in_schema=False)
async def write_attempt(tenant: FromPath[str]) -> dict:
    """A (test-only) page that writes on GET, as a buggy handler might."""
    await DB.current_connection().execute(
        "INSERT INTO organization (id, name, search_name, sort_key) "
        "VALUES (gen_random_uuid(), 'Kirjoitus Oy', 'kirjoitus oy', 'kirjoitus oy')"
    )
    return {"wrote": True}


@pytest.fixture
def app(settings):
    from web.app import create_app

    wrapped = create_app(prepare_runtime=False)
    wrapped.app.register(write_attempt)
    return wrapped


@pytest.fixture
async def operator_client(app):
    async with AsyncTestClient(app=app) as c:
        c.follow_redirects = False
        yield c


@pytest.fixture
async def admin_client(app):
    async with AsyncTestClient(app=app) as c:
        yield SignedInClient(c)


@pytest.fixture
async def seeded(make_tenant):
    t = await make_tenant(name="Murto Oy")
    async with tenant_scope(t.slug):
        person = await create_person(
            PersonInput(
                first_name="Salli", last_name="Salainen", emails=["salli.salainen@asiakas.example"]
            )
        )
    return t, person


def tenant_requests(app, slug: str):
    """Every (method, path) the app serves under /t/<slug>/, path parameters filled in."""
    for route in app.app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/t/{tenant"):
            continue
        path = route.path_format.replace("{tenant}", slug)
        for name, definition in route.path_parameters.items():
            path = path.replace("{" + name + "}", SAMPLE[definition.type.__name__.lower()])
        for method in sorted(route.methods - {"OPTIONS"}):
            yield method, path


async def _grant(client, slug, reason="Tukipyyntö 1234: tuonti epäonnistui", minutes="30"):
    return await client.post(
        f"/operator/tenants/{slug}/break-glass",
        data={"reason": reason, "minutes": minutes, "_csrf_token": csrf(client)},
    )


async def _tenant_actions(slug) -> list[str]:
    async with tenant_scope(slug):
        # Every route is walked: well over the default 100 events.
        return [e["action"] for e in await audit.events(action_prefix="break_glass.", limit=5000)]


async def _platform_actions(slug) -> list[str]:
    async with platform_transaction():
        return [e["action"] for e in await platform_audit.recent(tenant_slug=slug, limit=500)]


async def _organizations(slug) -> int:
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval("SELECT count(*) FROM organization")


async def test_without_a_grant_every_tenant_route_is_refused(app, operator_client, seeded):
    t, _ = seeded
    await sign_in_operator(operator_client, await create_operator())
    walked = 0
    for method, path in tenant_requests(app, t.slug):
        r = await operator_client.request(
            method, path, headers={"x-csrf-token": csrf(operator_client)}
        )
        assert r.status_code == 403, (method, path, r.status_code)
        assert "Salainen" not in r.text
        walked += 1
    assert walked > 40
    assert "break_glass.refused" in await _platform_actions(t.slug)
    assert await _tenant_actions(t.slug) == []


async def test_with_a_grant_reads_but_never_writes(app, operator_client, seeded):
    t, person = seeded
    operator = await create_operator(name="Murtaja Operaattori")
    await sign_in_operator(operator_client, operator)
    r = await _grant(operator_client, t.slug)
    assert r.status_code == 303 and r.headers["location"] == f"/t/{t.slug}/"
    page = await operator_client.get(f"/t/{t.slug}/persons/{person}")
    assert page.status_code == 200 and "Salainen" in page.text
    # The banner, with the time left, on every page.
    assert "Murtopääsy: vain luku" in page.text and re.search(r"jäljellä (30|29) min", page.text)
    assert "Murtaja Operaattori" in page.text
    # Writes are refused before the handler runs, whatever the route.
    organizations = await _organizations(t.slug)
    for method, path in tenant_requests(app, t.slug):
        if method == "GET":
            r = await operator_client.get(path)
            assert r.status_code != 500 or path.endswith("write-attempt"), (path, r.status_code)
        else:
            r = await operator_client.request(
                method, path, headers={"x-csrf-token": csrf(operator_client)}
            )
            assert r.status_code == 403, (method, path, r.status_code)
    # Admin-only pages stay closed even with a grant (users, outbox with invitation codes).
    assert (await operator_client.get(f"/t/{t.slug}/admin/outbox")).status_code == 403
    assert (await operator_client.get(f"/t/{t.slug}/admin/users")).status_code == 403
    # A handler that tries to write on GET: the READ ONLY transaction refuses it.
    r = await operator_client.get(f"/t/{t.slug}/test-only/write-attempt")
    assert r.status_code == 500
    assert await _organizations(t.slug) == organizations
    # The same handler writes for a tenant user: it is the operator's transaction that refuses.
    async with AsyncTestClient(app=app) as plain:
        staff = SignedInClient(plain, role="staff")
        assert (await staff.get(f"/t/{t.slug}/test-only/write-attempt")).status_code == 200
    assert await _organizations(t.slug) == organizations + 1
    tenant_side, platform_side = await _tenant_actions(t.slug), await _platform_actions(t.slug)
    assert "break_glass.start" in tenant_side and "break_glass.start" in platform_side
    assert tenant_side.count("break_glass.use") >= 10
    assert platform_side.count("break_glass.use") == tenant_side.count("break_glass.use")
    assert "break_glass.refused" in platform_side


async def test_read_only_scope_refuses_writes_in_the_database(seeded):
    import asyncpg

    t, _ = seeded
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with tenant_scope(t.slug, read_only=True):
            await DB.current_connection().execute("DELETE FROM person")
    async with tenant_scope(t.slug, read_only=True):
        assert await DB.current_connection().fetchval("SELECT count(*) FROM person") == 1


async def test_expiry_takes_effect_on_the_next_request(operator_client, seeded):
    t, _ = seeded
    await sign_in_operator(operator_client, await create_operator())
    await _grant(operator_client, t.slug)
    assert (await operator_client.get(f"/t/{t.slug}/persons/")).status_code == 200
    with as_admin():
        async with DB.transaction() as txn:
            await txn.connection.execute(
                "UPDATE platform.break_glass_grant g SET starts_at = now() - interval '2 hours',"
                " ends_at = now() - interval '1 second' FROM platform.tenant t "
                "WHERE t.id = g.tenant AND t.slug = $1",
                t.slug,
            )
    assert (await operator_client.get(f"/t/{t.slug}/persons/")).status_code == 403
    assert await close_expired_grants() >= 1
    assert "break_glass.end" in await _tenant_actions(t.slug)
    assert "break_glass.end" in await _platform_actions(t.slug)
    assert await close_expired_grants() == 0 or "break_glass.end" in await _tenant_actions(t.slug)


async def test_tenant_admin_sees_and_revokes_a_grant_at_once(operator_client, admin_client, seeded):
    t, _ = seeded
    operator = await create_operator(name="Peruttava Operaattori")
    await sign_in_operator(operator_client, operator)
    await _grant(operator_client, t.slug, reason="Tukipyyntö 77: kirjautumisongelma")
    assert (await operator_client.get(f"/t/{t.slug}/persons/")).status_code == 200
    page = await admin_client.get(f"/t/{t.slug}/admin/operator-access/")
    assert page.status_code == 200
    assert "Tukipyyntö 77: kirjautumisongelma" in page.text and operator["email"] in page.text
    grant_id = re.search(r"operator-access/([0-9a-f-]{36})/revoke", page.text).group(1)
    r = await admin_client.post(f"/t/{t.slug}/admin/operator-access/{grant_id}/revoke")
    assert r.status_code == 200 and "peruttiin" in r.text
    assert (await operator_client.get(f"/t/{t.slug}/persons/")).status_code == 403
    tenant_side = await _tenant_actions(t.slug)
    assert {"break_glass.start", "break_glass.use", "break_glass.revoke"} <= set(tenant_side)
    assert "break_glass.revoke" in await _platform_actions(t.slug)
    # Listed as past, with who revoked it.
    page = await admin_client.get(f"/t/{t.slug}/admin/operator-access/")
    assert "peruttu (admin@" in page.text


async def test_operator_ends_own_grant_and_grants_are_per_tenant(
    operator_client, seeded, make_tenant
):
    t, _ = seeded
    other = await make_tenant()
    await sign_in_operator(operator_client, await create_operator())
    await _grant(operator_client, t.slug)
    assert (await operator_client.get(f"/t/{t.slug}/")).status_code == 200
    assert (await operator_client.get(f"/t/{other.slug}/")).status_code == 403
    console = await operator_client.get("/operator/")
    grant_id = re.search(r"/operator/break-glass/([0-9a-f-]{36})/end", console.text).group(1)
    r = await operator_client.post(
        f"/operator/break-glass/{grant_id}/end", data={"_csrf_token": csrf(operator_client)}
    )
    assert r.status_code == 303
    assert (await operator_client.get(f"/t/{t.slug}/")).status_code == 403


@pytest.mark.parametrize(
    "reason, minutes, message",
    [
        ("", "30", "Kirjoita syy"),
        ("Tukipyyntö 1234", "241", "Kesto on 1–240"),
        ("Tukipyyntö 1234", "0", "Kesto on 1–240"),
    ],
)
async def test_grant_needs_reason_and_at_most_four_hours(
    operator_client, seeded, reason, minutes, message
):
    t, _ = seeded
    await sign_in_operator(operator_client, await create_operator())
    r = await _grant(operator_client, t.slug, reason=reason, minutes=minutes)
    assert r.status_code == 400 and message in r.text
    assert (await operator_client.get(f"/t/{t.slug}/")).status_code == 403


async def test_database_refuses_a_grant_longer_than_four_hours(seeded):
    import asyncpg

    t, _ = seeded
    operator = await create_operator()
    with pytest.raises(asyncpg.CheckViolationError):
        with as_admin():
            async with DB.transaction() as txn:
                await txn.connection.execute(
                    "INSERT INTO platform.break_glass_grant (id, tenant, operator, reason, "
                    "starts_at, ends_at) SELECT gen_random_uuid(), id, $2, 'x', now(), "
                    "now() + interval '4 hours 1 minute' FROM platform.tenant WHERE slug = $1",
                    t.slug,
                    operator["id"],
                )


async def test_tenant_user_is_unaffected_by_an_operator_cookie(app, seeded):
    """A browser with both a tenant session and an operator session acts as the tenant user
    (signing in to a tenant with an operator session open is refused like any tenant route)."""
    t, _ = seeded
    async with AsyncTestClient(app=app) as c:
        c.follow_redirects = False
        user = SignedInClient(c)
        await user.sign_in(t.slug)
        await sign_in_operator(c, await create_operator())
        r = await user.post(f"/t/{t.slug}/api/v1/organizations/", json={"name": "Käyttäjän Oy"})
        assert r.status_code == 201
        assert "Murtopääsy" not in (await user.get(f"/t/{t.slug}/")).text
