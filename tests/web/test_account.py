"""Own account pages: password change (logout everywhere else), sessions list and revoke,
TOTP enrolment and the code step at sign-in, and the tenant's "TOTP required for admins"."""

import contextlib
import re

import pytest

from tests.support.auth_client import PASSWORD, SignedInClient, user_email
from tests.support.totp_codes import next_code, wrong_code

NEW_PASSWORD = "Uusi-kanerva-salasana-7"


@contextlib.asynccontextmanager
async def _browser(user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"):
    """A separate browser: its own cookie jar; redirects are answers to look at."""
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        c.follow_redirects = False
        c.headers["user-agent"] = user_agent
        yield SignedInClient(c)


@pytest.fixture
async def browsers():
    """`await browsers(user_agent)` opens another browser, closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_browser(user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"):
            return await stack.enter_async_context(_browser(user_agent))

        yield open_browser


def _cookie_name(slug: str) -> str:
    return f"kortisto_session_{slug.replace('-', '_')}"


async def _home_status(b: SignedInClient, slug: str) -> int:
    return (await b.client.get(f"/t/{slug}/")).status_code


async def _sign_in(b: SignedInClient, slug: str, role: str = "admin", password: str = PASSWORD):
    r = await b.sign_in(slug, role=role, password=password)
    assert r.status_code == 303, r.text
    return r


async def test_a_lagging_app_clock_does_not_end_the_session_that_changed_the_password(
    make_tenant, browsers, monkeypatch
):
    """The void-before moment is the database's clock; the rotated session counts from it, so
    an app server whose clock runs 5 s behind keeps the browser that made the change."""
    import time

    import core.sessions

    t = await make_tenant()
    a = await browsers()
    await _sign_in(a, t.slug)
    real = time.time
    monkeypatch.setattr(core.sessions.time, "time", lambda: real() - 5.0)
    ok = await a.post(
        f"/t/{t.slug}/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert ok.status_code == 303 and "done=password" in ok.headers["location"]
    assert await _home_status(a, t.slug) == 200


async def test_password_change_ends_every_other_session(make_tenant, browsers):
    t = await make_tenant()
    a, b = await browsers(), await browsers("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0")
    await _sign_in(a, t.slug)
    await _sign_in(b, t.slug)
    old_cookie_a = a.client.cookies.get(_cookie_name(t.slug))
    url = f"/t/{t.slug}/account/password"

    wrong = await a.post(
        url,
        data={
            "current_password": "ei tämä",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400 and "Nykyinen salasana on väärin." in wrong.text
    assert NEW_PASSWORD not in wrong.text  # passwords are never echoed back
    mismatch = await a.post(
        url,
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD + "x",
        },
    )
    assert mismatch.status_code == 400 and "Salasanat eivät ole samat" in mismatch.text
    weak = await a.post(
        url,
        data={"current_password": PASSWORD, "new_password": "lyhyt", "new_password_again": "lyhyt"},
    )
    assert weak.status_code == 400 and "vähintään 12 merkkiä" in weak.text
    assert 'autofocus aria-describedby="f-new_password-error' in weak.text.replace("\n", " ")
    assert await _home_status(b, t.slug) == 200  # nothing changed yet

    ok = await a.post(
        url,
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert ok.status_code == 303 and "done=password" in ok.headers["location"]
    assert a.client.cookies.get(_cookie_name(t.slug)) != old_cookie_a  # rotated
    assert await _home_status(a, t.slug) == 200  # this browser goes on
    assert await _home_status(b, t.slug) == 303  # the other one is out at once
    # The old id of this very browser is dead too (a copied cookie dies with the password).
    async with _browser() as thief:
        thief.client.cookies.set(_cookie_name(t.slug), old_cookie_a)
        assert await _home_status(thief, t.slug) == 303
    # The new password works, the old one does not.
    async with _browser() as c:
        assert (await c.sign_in(t.slug, password=PASSWORD)).status_code == 400
        assert (await c.sign_in(t.slug, password=NEW_PASSWORD)).status_code == 303


async def test_sessions_are_listed_and_can_be_ended(make_tenant, browsers):
    t = await make_tenant()
    a = await browsers("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
    b = await browsers("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36")
    c = await browsers("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
    staff = await browsers()
    for browser in (a, b, c):
        await _sign_in(browser, t.slug)
    await _sign_in(staff, t.slug, role="staff")

    page = await a.get(f"/t/{t.slug}/account/")
    assert page.status_code == 200
    text = page.text
    assert "Firefox, Linux" in text and "Chrome, Windows" in text and "Safari, iOS" in text
    assert text.count("(tämä istunto)") == 1
    current_row = [row for row in text.split("<tr") if "(tämä istunto)" in row][0]
    assert "Firefox, Linux" in current_row
    keys = re.findall(r"/account/sessions/([0-9a-f]{64})/end", text)
    assert len(keys) == 3

    # End b's session from a: b is out, a and c are not.
    b_row = [row for row in text.split("<tr") if "Chrome, Windows" in row][0]
    b_key = re.search(r"/sessions/([0-9a-f]{64})/end", b_row).group(1)
    ended = await a.post(f"/t/{t.slug}/account/sessions/{b_key}/end")
    assert ended.status_code == 303 and "done=revoked" in ended.headers["location"]
    assert await _home_status(b, t.slug) == 303
    assert await _home_status(a, t.slug) == 200 and await _home_status(c, t.slug) == 200

    # Another user's session cannot be ended from here (and is not even known to exist).
    staff_page = await staff.get(f"/t/{t.slug}/account/")
    staff_key = re.search(r"/sessions/([0-9a-f]{64})/end", staff_page.text).group(1)
    refused = await a.post(f"/t/{t.slug}/account/sessions/{staff_key}/end")
    assert refused.status_code == 404
    assert await _home_status(staff, t.slug) == 200

    # "Sign out everywhere else": c ends, a stays, the staff user is untouched.
    others = await a.post(f"/t/{t.slug}/account/sessions/others")
    assert others.status_code == 303 and "done=others&n=1" in others.headers["location"]
    assert await _home_status(c, t.slug) == 303
    assert await _home_status(a, t.slug) == 200 and await _home_status(staff, t.slug) == 200
    after = await a.get(f"/t/{t.slug}/account/?done=others&n=1")
    assert "1 muu kirjautuminen päätettiin." in after.text
    assert len(re.findall(r"/sessions/[0-9a-f]{64}/end", after.text)) == 1


async def test_every_role_has_an_account_page_linked_from_the_header(make_tenant, browsers):
    from tests.conftest import add_self_user

    t = await make_tenant()
    await add_self_user(t.slug)
    for role in ("admin", "staff", "self"):
        b = await browsers()
        await _sign_in(b, t.slug, role=role)
        page = await b.get(f"/t/{t.slug}/account/")
        assert page.status_code == 200, role
        assert f'href="/t/{t.slug}/account/"' in page.text and user_email(t.slug, role) in page.text


async def _enrol(b: SignedInClient, slug: str) -> str:
    """Set up TOTP through the pages; returns the secret."""
    start = await b.post(f"/t/{slug}/account/totp/start")
    assert start.status_code == 303
    page = await b.get(f"/t/{slug}/account/totp/")
    assert page.status_code == 200 and "<svg" in page.text  # the QR code, inline
    grouped = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.text).group(1)
    secret = grouped.replace(" ", "")
    assert re.search(r"otpauth://totp/[^\"<]*secret=" + secret, page.text)
    refused = await b.post(f"/t/{slug}/account/totp/confirm", data={"code": wrong_code(secret)})
    assert refused.status_code == 400 and "Koodi ei kelpaa" in refused.text
    assert secret in refused.text.replace(" ", "")  # the same key is still shown
    ok = await b.post(f"/t/{slug}/account/totp/confirm", data={"code": next_code(secret)})
    assert ok.status_code == 303 and "done=totp_on" in ok.headers["location"]
    return secret


async def _password_step(b: SignedInClient, slug: str, role: str = "staff", next_path=""):
    await b.client.get(f"/t/{slug}/login")
    return await b.client.post(
        f"/t/{slug}/login",
        data={
            "email": user_email(slug, role),
            "password": PASSWORD,
            "next": next_path,
            "_csrf_token": b.csrf_token(),
        },
    )


async def test_totp_enrolment_then_sign_in_asks_for_the_code(make_tenant, browsers):
    t = await make_tenant()
    owner = await browsers()
    await _sign_in(owner, t.slug, role="staff")
    secret = await _enrol(owner, t.slug)
    assert (
        "Kaksivaiheinen tunnistus on nyt käytössä"
        in (await owner.get(f"/t/{t.slug}/account/?done=totp_on")).text
    )

    b = await browsers()
    step = await _password_step(b, t.slug, next_path=f"/t/{t.slug}/persons/")
    assert step.status_code == 303 and step.headers["location"] == f"/t/{t.slug}/login/code"
    assert b.client.cookies.get(_cookie_name(t.slug)) is None  # no session before the code
    assert await _home_status(b, t.slug) == 303
    form = await b.client.get(f"/t/{t.slug}/login/code")
    assert form.status_code == 200 and 'autocomplete="one-time-code"' in form.text
    bad = await b.client.post(
        f"/t/{t.slug}/login/code", data={"code": wrong_code(secret), "_csrf_token": b.csrf_token()}
    )
    assert bad.status_code == 400 and "Koodi ei kelpaa" in bad.text
    ok = await b.client.post(
        f"/t/{t.slug}/login/code", data={"code": next_code(secret), "_csrf_token": b.csrf_token()}
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/t/{t.slug}/persons/"
    assert await _home_status(b, t.slug) == 200
    # The code page is single use: the half-done sign-in is gone.
    again = await b.client.get(f"/t/{t.slug}/login/code")
    assert again.status_code == 303 and "expired=1" in again.headers["location"]

    # Another tenant's code page knows nothing of this half-done sign-in.
    other = await make_tenant()
    c = await browsers()
    await _password_step(c, t.slug)
    pending = c.client.cookies.get(f"kortisto_signin_{t.slug.replace('-', '_')}")
    c.client.cookies.set(f"kortisto_signin_{other.slug.replace('-', '_')}", pending)
    assert (await c.client.get(f"/t/{other.slug}/login/code")).status_code == 303


async def test_wrong_codes_count_towards_the_lockout(make_tenant, browsers):
    t = await make_tenant()
    owner = await browsers()
    await _sign_in(owner, t.slug, role="staff")
    secret = await _enrol(owner, t.slug)
    b = await browsers()
    await _password_step(b, t.slug)
    wrong = wrong_code(secret)
    statuses = []
    for _ in range(5):
        r = await b.client.post(
            f"/t/{t.slug}/login/code", data={"code": wrong, "_csrf_token": b.csrf_token()}
        )
        statuses.append(r.status_code)
    assert statuses == [400, 400, 400, 400, 429]
    assert re.search(r"\d+ minuutiksi", r.text)
    # Locked: even the right password and then the right code get nowhere now.
    relogin = await _password_step(b, t.slug)
    assert relogin.status_code == 429


async def test_disabling_totp_needs_the_password(make_tenant, browsers):
    t = await make_tenant()
    b = await browsers()
    await _sign_in(b, t.slug, role="staff")
    await _enrol(b, t.slug)
    bad = await b.post(f"/t/{t.slug}/account/totp/disable", data={"password": "väärä"})
    assert bad.status_code == 400 and "Salasana on väärin." in bad.text
    ok = await b.post(f"/t/{t.slug}/account/totp/disable", data={"password": PASSWORD})
    assert ok.status_code == 303 and "done=totp_off" in ok.headers["location"]
    c = await browsers()
    assert (await _password_step(c, t.slug)).headers["location"] == f"/t/{t.slug}/"


async def test_admin_must_enrol_first_when_the_tenant_requires_it(make_tenant, browsers):
    t = await make_tenant()
    admin = await browsers()
    staff = await browsers()
    await _sign_in(admin, t.slug)
    await _sign_in(staff, t.slug, role="staff")
    settings = await admin.get(f"/t/{t.slug}/admin/settings/")
    assert settings.status_code == 200 and user_email(t.slug, "admin") in settings.text
    assert (await staff.get(f"/t/{t.slug}/admin/settings/")).status_code == 403
    saved = await admin.post(f"/t/{t.slug}/admin/settings/", data={"totp_required_for_admins": "1"})
    assert saved.status_code == 303

    # From now on the admin reaches nothing but enrolment (and signing out).
    persons = await admin.get(f"/t/{t.slug}/persons/")
    assert persons.status_code == 303
    assert persons.headers["location"] == f"/t/{t.slug}/account/totp"
    hx = await admin.get(f"/t/{t.slug}/persons/", headers={"HX-Request": "true"})
    assert hx.headers.get("hx-redirect") == f"/t/{t.slug}/account/totp"
    api = await admin.get(f"/t/{t.slug}/api/v1/organizations/")
    assert api.status_code == 403
    for path in ("/account/", "/admin/users", "/admin/settings/"):
        assert (await admin.get(f"/t/{t.slug}{path}")).status_code == 303, path
    created = await admin.post(f"/t/{t.slug}/api/v1/organizations/", json={"name": "Ei Oy"})
    assert created.status_code == 403
    # Staff are not affected.
    assert (await staff.get(f"/t/{t.slug}/persons/")).status_code == 200

    # A fresh sign-in lands on the enrolment page.
    fresh = await browsers()
    await _sign_in(fresh, t.slug)
    landing = await fresh.client.get(f"/t/{t.slug}/")
    assert landing.headers["location"] == f"/t/{t.slug}/account/totp"
    page = await fresh.client.get(f"/t/{t.slug}/account/totp")
    assert page.status_code == 200 and 'data-testid="totp-forced"' in page.text

    # Signing out works during enrolment too.
    out = await fresh.post(f"/t/{t.slug}/logout")
    assert out.status_code == 303 and out.headers["location"] == f"/t/{t.slug}/login"

    await _enrol(admin, t.slug)
    assert (await admin.get(f"/t/{t.slug}/persons/")).status_code == 200
    # Required for admins: it cannot be turned off again.
    refused = await admin.post(f"/t/{t.slug}/account/totp/disable", data={"password": PASSWORD})
    assert refused.status_code == 400 and "et voi poistaa" in refused.text.replace("\n", " ")


def test_cookie_header_is_read_without_simplecookie():
    from web.auth import _cookies

    scope = {
        "headers": [
            (b"accept", b"text/html"),
            (b"cookie", b'broken; kortisto_session_a=abc-_123; x="q"; =nokey; kortisto_lang=sv'),
            (b"cookie", b"kortisto_session_a=second"),
        ]
    }
    found = _cookies(scope)
    assert found["kortisto_session_a"] == "abc-_123"  # the first one wins
    assert found["kortisto_lang"] == "sv" and "broken" not in found and "" not in found
