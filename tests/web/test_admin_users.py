"""Admin user management: invite (outbox), accept, change role, deactivate; admins only."""

import re

from litestar.testing import AsyncTestClient

from tests.support.auth_client import PASSWORD, SignedInClient
from web.app import create_app


async def _fresh_browser():
    return AsyncTestClient(app=create_app(prepare_runtime=False))


async def test_only_admins_manage_users(client, anon_client, make_tenant):
    t = await make_tenant()
    assert (await client.get(f"/t/{t.slug}/admin/users")).status_code == 200
    staff = SignedInClient(anon_client, role="staff")
    await staff.sign_in(t.slug)
    assert (await staff.get(f"/t/{t.slug}/admin/users")).status_code == 403
    assert (await staff.get(f"/t/{t.slug}/admin/outbox")).status_code == 403
    r = await staff.post(f"/t/{t.slug}/admin/users/invite", data={"email": "x@y.fi"})
    assert r.status_code == 403


async def test_invite_accept_sign_in_then_deactivate(client, make_tenant):
    t = await make_tenant()
    bad = await client.post(f"/t/{t.slug}/admin/users/invite",
                            data={"email": "ei-osoite", "role": "staff"})
    assert bad.status_code == 400 and "ei kelpaa" in bad.text, bad.text[-2500:]
    page = await client.post(f"/t/{t.slug}/admin/users/invite",
                             data={"email": "Uusi.Tyontekija@Yritys.fi", "role": "staff"})
    assert page.status_code == 200
    code = re.search(r"koodi (\d{6})", page.text).group(1)
    outbox = (await client.get(f"/t/{t.slug}/admin/outbox")).text
    link = re.search(r"(/t/[a-z0-9-]+/invite/[A-Za-z0-9_-]+)", outbox).group(1)
    assert code in outbox
    dup = await client.post(f"/t/{t.slug}/admin/users/invite",
                            data={"email": f"admin@{t.slug}.example", "role": "staff"})
    assert dup.status_code == 400 and "jo tunnus" in dup.text

    async with await _fresh_browser() as browser:
        newcomer = SignedInClient(browser)
        await browser.get(link)
        accepted = await browser.post(link, follow_redirects=False, data={
            "key_code": code, "password": PASSWORD, "password_again": PASSWORD,
            "_csrf_token": newcomer.csrf_token()})
        assert accepted.status_code == 303
        home = await browser.get(f"/t/{t.slug}/", follow_redirects=False)
        assert home.status_code == 200  # signed in as the new staff member

        from core.db import DB
        from tenants.scope import tenant_scope

        async with tenant_scope(t.slug):
            user_id = await DB.current_connection().fetchval(
                "SELECT id FROM app_user WHERE email = 'uusi.tyontekija@yritys.fi'")
        assert f"/admin/users/{user_id}" in (await client.get(f"/t/{t.slug}/admin/users")).text
        r = await client.post(f"/t/{t.slug}/admin/users/{user_id}",
                              data={"action": "deactivate"}, follow_redirects=False)
        assert r.status_code == 303
        # The deactivated user's session ends at once.
        assert (await browser.get(f"/t/{t.slug}/", follow_redirects=False)).status_code == 303


async def test_admin_cannot_lock_themselves_out(client, make_tenant):
    from core.db import DB
    from tenants.scope import tenant_scope

    t = await make_tenant()
    async with tenant_scope(t.slug):
        me = await DB.current_connection().fetchval(
            "SELECT id FROM app_user WHERE role = 'admin'")
    r = await client.post(f"/t/{t.slug}/admin/users/{me}", data={"action": "deactivate"})
    assert r.status_code == 400, r.text[-3000:]
    assert (await client.get(f"/t/{t.slug}/")).status_code == 200
    assert (await client.post(f"/t/{t.slug}/admin/users/not-a-uuid",
                              data={"action": "deactivate"})).status_code == 404
