"""Securing an account ends the other sessions: TOTP turned on or off by the user (this browser
goes on under a new id), TOTP reset by an admin (every session of that user). A TOTP code
signs in once: the same code again says, in the page's language, to wait for the next one;
for operators too."""

import contextlib
import re

import pytest

from core.db import DB
from tenants.scope import tenant_scope
from tests.support.auth_client import PASSWORD, SignedInClient, user_email
from tests.support.operator_client import (
    code_step,
    create_operator,
    password_step,
    secret_on_page,
)
from tests.support.totp_codes import next_code

REPLAYED = {
    "fi": "Tämä koodi on jo käytetty. Odota, että todennussovellus näyttää seuraavan koodin",
    "sv": "Den här koden har redan använts. Vänta tills autentiseringsappen visar nästa kod",
    "en": "This code has already been used. Wait for your authenticator app to show the next",
}
OTHERS_ENDED = "Kaikki muut kirjautumisesi päätettiin"


@pytest.fixture
async def browsers():
    """`await browsers()` opens another browser (own cookie jar), closed after the test."""
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    async with contextlib.AsyncExitStack() as stack:

        async def open_browser(language: str = "fi") -> SignedInClient:
            c = await stack.enter_async_context(
                AsyncTestClient(app=create_app(prepare_runtime=False))
            )
            c.follow_redirects = False
            c.headers["accept-language"] = language
            return SignedInClient(c)

        yield open_browser


def _cookie(b: SignedInClient, slug: str) -> str | None:
    return b.client.cookies.get(f"kortisto_session_{slug.replace('-', '_')}")


async def _home(b: SignedInClient, slug: str) -> int:
    return (await b.client.get(f"/t/{slug}/")).status_code


async def _sign_in(b: SignedInClient, slug: str, role: str = "staff", code: str = "") -> None:
    """Password, then the code page when the account has TOTP on."""
    r = await b.sign_in(slug, role=role)
    assert r.status_code == 303, r.text
    if r.headers["location"].endswith("/login/code"):
        ok = await _code(b, slug, code)
        assert ok.status_code == 303, ok.text
    assert await _home(b, slug) == 200


async def _code(b: SignedInClient, slug: str, code: str):
    return await b.client.post(
        f"/t/{slug}/login/code", data={"code": code, "_csrf_token": b.csrf_token()}
    )


async def _enrol(b: SignedInClient, slug: str) -> tuple[str, str]:
    """Turn TOTP on through the pages; returns (secret, the code that confirmed it)."""
    assert (await b.post(f"/t/{slug}/account/totp/start")).status_code == 303
    page = await b.get(f"/t/{slug}/account/totp/")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.text).group(1)
    secret = secret.replace(" ", "")
    code = next_code(secret)
    ok = await b.post(f"/t/{slug}/account/totp/confirm", data={"code": code})
    assert ok.status_code == 303 and "done=totp_on" in ok.headers["location"], ok.text
    return secret, code


async def test_turning_totp_on_and_off_ends_the_other_sessions(make_tenant, browsers):
    t = await make_tenant()
    mine, other = await browsers(), await browsers()
    await _sign_in(mine, t.slug)
    await _sign_in(other, t.slug)
    before = _cookie(mine, t.slug)

    secret, _ = await _enrol(mine, t.slug)
    assert _cookie(mine, t.slug) != before  # this browser goes on under a new id
    assert await _home(mine, t.slug) == 200
    assert await _home(other, t.slug) == 303  # a stolen session does not survive
    done = await mine.get(f"/t/{t.slug}/account/?done=totp_on&n=1")
    assert OTHERS_ENDED in done.text
    thief = await browsers()
    thief.client.cookies.set(f"kortisto_session_{t.slug.replace('-', '_')}", before)
    assert await _home(thief, t.slug) == 303  # nor this browser's old id

    await _sign_in(other, t.slug, code=next_code(secret))
    before = _cookie(mine, t.slug)
    off = await mine.post(f"/t/{t.slug}/account/totp/disable", data={"password": PASSWORD})
    assert off.status_code == 303 and "done=totp_off&n=1" in off.headers["location"]
    assert _cookie(mine, t.slug) != before
    assert await _home(mine, t.slug) == 200
    assert await _home(other, t.slug) == 303
    assert OTHERS_ENDED in (await mine.get(f"/t/{t.slug}/account/?done=totp_off")).text


async def test_a_used_code_does_not_sign_in_again(make_tenant, browsers):
    t = await make_tenant()
    owner = await browsers()
    await _sign_in(owner, t.slug)
    secret, enrolled_with = await _enrol(owner, t.slug)

    for language in ("fi", "sv", "en"):
        b = await browsers(language)
        step = await b.sign_in(t.slug, role="staff")
        assert step.headers["location"] == f"/t/{t.slug}/login/code"
        replay = await _code(b, t.slug, enrolled_with)
        assert replay.status_code == 400 and REPLAYED[language] in replay.text, language
        assert _cookie(b, t.slug) is None and await _home(b, t.slug) == 303
    # The sign-in waiting for its code goes on with the next code.
    ok = await _code(b, t.slug, next_code(secret))
    assert ok.status_code == 303 and await _home(b, t.slug) == 200

    # The code given with the password on the login form is checked the same way.
    c = await browsers()
    await c.client.get(f"/t/{t.slug}/login")
    one_form = await c.client.post(
        f"/t/{t.slug}/login",
        data={
            "email": user_email(t.slug, "staff"),
            "password": PASSWORD,
            "totp": enrolled_with,
            "_csrf_token": c.csrf_token(),
        },
    )
    assert one_form.status_code == 400 and REPLAYED["fi"] in one_form.text


async def test_admin_reset_of_totp_ends_every_session_of_that_user(make_tenant, browsers):
    t = await make_tenant()
    admin, phone, laptop = await browsers(), await browsers(), await browsers()
    await _sign_in(admin, t.slug, role="admin")
    await _sign_in(phone, t.slug)
    secret, _ = await _enrol(phone, t.slug)
    await _sign_in(laptop, t.slug, code=next_code(secret))
    async with tenant_scope(t.slug):
        staff_id, admin_id = [
            await DB.current_connection().fetchval(
                "SELECT id FROM app_user WHERE email = $1", user_email(t.slug, role)
            )
            for role in ("staff", "admin")
        ]

    reset = await admin.post(f"/t/{t.slug}/admin/users/{staff_id}", data={"action": "reset_totp"})
    assert reset.status_code == 303
    assert await _home(phone, t.slug) == 303 and await _home(laptop, t.slug) == 303
    assert await _home(admin, t.slug) == 200
    # TOTP is off: the password alone signs in again.
    again = await browsers()
    assert (await again.sign_in(t.slug, role="staff")).headers["location"] == f"/t/{t.slug}/"

    # One's own TOTP is turned off on the account page, with the password, not here.
    await _enrol(admin, t.slug)
    own = await admin.post(f"/t/{t.slug}/admin/users/{admin_id}", data={"action": "reset_totp"})
    assert own.status_code == 400 and "Oma tili -sivulla" in own.text
    async with tenant_scope(t.slug):
        assert await DB.current_connection().fetchval(
            "SELECT totp_enabled FROM app_user WHERE id = $1", admin_id
        )


async def test_an_operator_code_signs_in_once(anon_client):
    anon_client.follow_redirects = False  # redirects are answers to look at
    operator = await create_operator()
    await password_step(anon_client, operator["email"])
    secret = secret_on_page((await anon_client.get("/operator/login/code")).text)
    used = next_code(secret)
    assert (await code_step(anon_client, used)).status_code == 303
    out = await anon_client.post(
        "/operator/logout",
        headers={"x-csrf-token": anon_client.cookies["kortisto_csrf"]},
    )
    assert out.status_code == 303

    await password_step(anon_client, operator["email"])
    replay = await code_step(anon_client, used)
    assert replay.status_code == 400 and REPLAYED["fi"] in replay.text
    assert (await anon_client.get("/operator/")).status_code == 303
    assert (await code_step(anon_client, next_code(secret))).status_code == 303
    assert (await anon_client.get("/operator/")).status_code == 200
