"""Operator sign-in: a password alone never signs in; TOTP is enrolled at the first sign-in."""

import pytest

from core import platform_audit
from tenants.scope import platform_transaction
from tests.support.operator_client import (
    code_step,
    create_operator,
    password_step,
    secret_on_page,
    sign_in_operator,
)
from tests.support.totp_codes import next_code, wrong_code


@pytest.fixture
async def anon_client(settings):
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        c.follow_redirects = False
        yield c


async def _actions(operator) -> list[str]:
    async with platform_transaction():
        events = await platform_audit.recent(limit=200)
    return [e["action"] for e in events if e["operator"] == operator["id"]]


async def test_console_needs_sign_in(anon_client):
    for path in ("/operator/", "/operator/audit", "/operator/new-tenant"):
        r = await anon_client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/operator/login", path
    r = await anon_client.get("/operator/", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"] == "/operator/login"


async def test_first_sign_in_enrols_totp_and_password_alone_is_not_enough(anon_client):
    operator = await create_operator()
    r = await password_step(anon_client, operator["email"])
    assert r.status_code == 303 and r.headers["location"] == "/operator/login/code"
    # The right password gives no console: only the code step.
    assert "kortisto_operator" not in anon_client.cookies
    assert (await anon_client.get("/operator/")).status_code == 303
    page = await anon_client.get("/operator/login/code")
    assert page.status_code == 200 and "otpauth://totp/" in page.text
    secret = secret_on_page(page.text)
    # Reloading shows the same secret (an app that scanned it keeps working).
    assert secret_on_page((await anon_client.get("/operator/login/code")).text) == secret
    wrong = await code_step(anon_client, wrong_code(secret))
    assert wrong.status_code == 400 and "Koodi ei kelpaa" in wrong.text
    assert (await anon_client.get("/operator/")).status_code == 303
    ok = await code_step(anon_client, next_code(secret))
    assert ok.status_code == 303 and ok.headers["location"] == "/operator/"
    console = await anon_client.get("/operator/")
    assert console.status_code == 200 and operator["display_name"] in console.text
    assert {"operator.totp_enrolled", "operator.sign_in", "operator.sign_in_failed"} <= set(
        await _actions(operator)
    )


async def test_enrolled_operator_needs_the_code_every_time(anon_client, settings):
    operator = await create_operator()
    secret = await sign_in_operator(anon_client, operator)
    out = await anon_client.post(
        "/operator/logout", headers={"x-csrf-token": anon_client.cookies["kortisto_csrf"]}
    )
    assert out.status_code == 303
    assert (await anon_client.get("/operator/")).status_code == 303
    await password_step(anon_client, operator["email"])
    page = await anon_client.get("/operator/login/code")
    assert "otpauth://" not in page.text and "kuusinumeroinen" in page.text
    assert (await anon_client.get("/operator/")).status_code == 303
    r = await code_step(anon_client, next_code(secret))
    assert r.status_code == 303
    assert (await anon_client.get("/operator/")).status_code == 200
    assert "operator.sign_out" in await _actions(operator)


async def test_code_step_without_password_step_is_refused(anon_client):
    r = await anon_client.get("/operator/login/code")
    assert r.status_code == 303 and r.headers["location"] == "/operator/login"
    await anon_client.get("/operator/login")
    r = await code_step(anon_client, "123456")
    assert r.status_code == 400 and "aika loppui" in r.text


async def test_wrong_password_and_lockout(anon_client):
    operator = await create_operator()
    r = await password_step(anon_client, operator["email"], "väärä salasana 123")
    assert r.status_code == 400 and "väärin" in r.text
    for _ in range(4):
        r = await password_step(anon_client, operator["email"], "väärä salasana 123")
    assert r.status_code == 429 and "estetty" in r.text
    # Locked: even the right password is refused until the lockout ends.
    r = await password_step(anon_client, operator["email"])
    assert r.status_code == 429


async def test_disabled_operator_loses_sessions_at_once(anon_client):
    from core import operators
    from core.db import DB, as_admin

    operator = await create_operator()
    await sign_in_operator(anon_client, operator)
    assert (await anon_client.get("/operator/")).status_code == 200
    with as_admin():
        async with DB.transaction():
            assert await operators.set_active(operator["email"], False)
    assert (await anon_client.get("/operator/")).status_code == 303
    r = await password_step(anon_client, operator["email"])
    assert r.status_code == 400


async def test_operator_session_is_not_a_tenant_session(anon_client, make_tenant):
    t = await make_tenant()
    operator = await create_operator()
    await sign_in_operator(anon_client, operator)
    # The operator cookie is no tenant sign-in (and without a grant the tenant refuses it).
    r = await anon_client.get(f"/t/{t.slug}/")
    assert r.status_code == 403
