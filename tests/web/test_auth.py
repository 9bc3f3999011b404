"""Signing in and out, sessions per tenant, CSRF, lockout, invitations through the pages."""

import re

import pytest

from core.mail import outbox
from tenants.scope import tenant_scope
from tests.support.auth_client import PASSWORD, SignedInClient, user_email


@pytest.fixture
async def anon_client(settings):
    """No session, and redirects are answers to look at, not to follow."""
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        c.follow_redirects = False
        yield c


async def _login(c: SignedInClient, slug: str, password: str = PASSWORD, role="admin", **extra):
    await c.client.get(f"/t/{slug}/login")
    return await c.client.post(
        f"/t/{slug}/login",
        data={
            "email": user_email(slug, role),
            "password": password,
            "_csrf_token": c.csrf_token(),
            **extra,
        },
    )


async def test_pages_need_sign_in_and_api_answers_401(anon_client, make_tenant):
    t = await make_tenant()
    r = await anon_client.get(f"/t/{t.slug}/")
    assert r.status_code == 303 and r.headers["location"] == f"/t/{t.slug}/login?next=/t/{t.slug}/"
    r = await anon_client.get(f"/t/{t.slug}/", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"].startswith(f"/t/{t.slug}/login")
    r = await anon_client.get(f"/t/{t.slug}/api/v1/organizations/")
    assert r.status_code == 401 and r.json()["detail"] == "sign in required"
    assert (await anon_client.get(f"/t/{t.slug}/login")).status_code == 200


async def test_login_logout_and_wrong_password(anon_client, make_tenant):
    t = await make_tenant()
    c = SignedInClient(anon_client)
    bad = await _login(c, t.slug, password="väärä salasana")
    assert bad.status_code == 400 and "väärin" in bad.text
    ok = await _login(c, t.slug, next=f"/t/{t.slug}/persons/")
    assert ok.status_code == 303 and ok.headers["location"] == f"/t/{t.slug}/persons/"
    cookie = anon_client.cookies.get(f"kortisto_session_{t.slug.replace('-', '_')}")
    assert cookie
    assert (await anon_client.get(f"/t/{t.slug}/")).status_code == 200
    out = await anon_client.post(f"/t/{t.slug}/logout", headers={"x-csrf-token": c.csrf_token()})
    assert out.status_code == 303
    anon_client.cookies.set(f"kortisto_session_{t.slug.replace('-', '_')}", cookie)
    assert (await anon_client.get(f"/t/{t.slug}/")).status_code == 303  # revoked server-side


async def test_open_redirect_after_login_is_refused(anon_client, make_tenant):
    t = await make_tenant()
    c = SignedInClient(anon_client)
    for evil in ("https://evil.example/", "//evil.example/", f"/t/{t.slug}//evil.example"):
        r = await _login(c, t.slug, next=evil)
        assert r.headers["location"] == f"/t/{t.slug}/", evil


async def test_session_of_one_tenant_is_not_valid_for_another(anon_client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    c = SignedInClient(anon_client)
    await _login(c, a.slug)
    session = anon_client.cookies.get(f"kortisto_session_{a.slug.replace('-', '_')}")
    # Even presented under B's cookie name, A's session id means nothing to B.
    anon_client.cookies.set(f"kortisto_session_{b.slug.replace('-', '_')}", session)
    assert (await anon_client.get(f"/t/{b.slug}/")).status_code == 303
    assert (await anon_client.get(f"/t/{a.slug}/")).status_code == 200


async def test_lockout_says_how_long(anon_client, make_tenant):
    t = await make_tenant()
    c = SignedInClient(anon_client)
    statuses = [(await _login(c, t.slug, password="wrong")).status_code for _ in range(5)]
    assert statuses[-1] == 429
    locked = await _login(c, t.slug)  # right password, still locked
    assert locked.status_code == 429 and re.search(r"\d+ minuutiksi", locked.text)


async def test_password_change_signs_out_other_sessions(anon_client, make_tenant, client):
    from core.accounts import set_password

    t = await make_tenant()
    c = SignedInClient(anon_client)
    await _login(c, t.slug)
    assert (await anon_client.get(f"/t/{t.slug}/")).status_code == 200
    async with tenant_scope(t.slug):
        from core.db import DB

        uid = await DB.current_connection().fetchval(
            "SELECT id FROM app_user WHERE email = $1", user_email(t.slug, "admin")
        )
        await set_password(uid, "Aivan-uusi-salasana-1")
    assert (await anon_client.get(f"/t/{t.slug}/")).status_code == 303


async def test_state_changes_without_csrf_token_are_refused(client, make_tenant):
    t = await make_tenant()
    await client.get(f"/t/{t.slug}/")  # signed in
    url = f"/t/{t.slug}/api/v1/organizations/"
    plain = await client.client.post(url, json={"name": "Ilman tokenia Oy"})
    htmx = await client.client.post(
        url, json={"name": "Ilman tokenia Oy"}, headers={"HX-Request": "true"}
    )
    assert plain.status_code == 403 and htmx.status_code == 403
    ok = await client.post(url, json={"name": "Tokenilla Oy"})
    assert ok.status_code == 201


async def test_invitation_from_outbox_is_accepted_once(anon_client, make_tenant):
    from core import invitations
    from web.routes.login import _secret_key

    t = await make_tenant()
    async with tenant_scope(t.slug):
        issued = await invitations.issue(
            "uusi@yritys.fi", purpose="invite", role="staff", secret_key=_secret_key()
        )
        await invitations.send(
            issued,
            "uusi@yritys.fi",
            link=f"/t/{t.slug}/invite/{issued.token}",
            subject="Kutsu",
            body="{link} {code}",
        )
        body = (await outbox())[0]["body"]
    link, code = body.split()
    c = SignedInClient(anon_client)
    page = await anon_client.get(link)
    assert page.status_code == 200 and "Koodi" in page.text
    wrong = await anon_client.post(
        link,
        data={
            "key_code": "000000" if code != "000000" else "111111",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "_csrf_token": c.csrf_token(),
        },
    )
    assert wrong.status_code == 400
    ok = await anon_client.post(
        link,
        data={
            "key_code": code,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "_csrf_token": c.csrf_token(),
        },
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/t/{t.slug}/"
    assert (await anon_client.get(f"/t/{t.slug}/")).status_code == 200
    again = await anon_client.post(
        link,
        data={
            "key_code": code,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "_csrf_token": c.csrf_token(),
        },
    )
    assert again.status_code == 410 and "jo käytetty" in again.text


@pytest.mark.parametrize("role, status", [("staff", 200), ("self", 403)])
async def test_end_customers_do_not_see_the_register(anon_client, make_tenant, role, status):
    from tests.conftest import add_self_user

    t = await make_tenant()
    await add_self_user(t.slug)
    c = SignedInClient(anon_client, role=role)
    await c.sign_in(t.slug)
    assert (await anon_client.get(f"/t/{t.slug}/persons/")).status_code == status
    home = await anon_client.get(f"/t/{t.slug}/", follow_redirects=False)
    # The front page sends an end customer on to their own page (tests/web/test_self_service*).
    assert home.status_code == (303 if role == "self" else 200)


async def test_signed_in_pages_show_who_and_a_sign_out_form(client, make_tenant):
    t = await make_tenant()
    page = (await client.get(f"/t/{t.slug}/")).text
    assert "Test admin" in page
    assert f'action="/t/{t.slug}/logout"' in page and "Kirjaudu ulos" in page


async def test_no_guard_runs_in_a_worker_thread(settings):
    """Litestar runs a plain-function guard through a thread pool: a thread hop on every
    request of every route it guards (measured: ~150 µs of CPU per request). Guards are
    coroutines."""
    from litestar.utils.sync import AsyncCallable

    from web.app import create_app

    app = create_app(prepare_runtime=False).app
    guards = {
        getattr(guard, "func", guard)
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        for guard in handler.resolve_guards()
        if isinstance(guard, AsyncCallable)
    }
    assert not guards, f"guards run in a worker thread: {sorted(g.__qualname__ for g in guards)}"
