"""A signed-in user's language is their own: the switcher stores it on their account, it
follows them to any browser and wins over the cookie and Accept-Language. Visitors keep
cookie > Accept-Language > Finnish. Mail to a user (password reset) comes in their language."""

import contextlib
import re

import pytest
from litestar.testing import AsyncTestClient

from core.db import DB
from core.mail import outbox
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import PASSWORD, SignedInClient, user_email
from web.app import create_app
from web.i18n import LOCALE_COOKIE


@pytest.fixture
async def browsers():
    """`await browsers()` opens another browser (its own cookie jar), closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_browser() -> SignedInClient:
            client = AsyncTestClient(app=create_app(prepare_runtime=False))
            return SignedInClient(await stack.enter_async_context(client))

        yield open_browser


async def _stored(slug: str, role: str) -> str:
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval(
            "SELECT locale FROM app_user WHERE email = $1", user_email(slug, role)
        )


def _set_language_cookie(b: SignedInClient, code: str) -> None:
    """What the browser's own cookie says, replacing the one the server set."""
    b.client.cookies.delete(LOCALE_COOKIE)
    b.client.cookies.set(LOCALE_COOKIE, code)


@pytest.mark.parametrize("role", ["admin", "staff", "self"])
async def test_switching_while_signed_in_stores_the_language(make_tenant, browsers, role):
    t = await make_tenant()
    if role == "self":
        await add_self_user(t.slug)
    b = await browsers()
    assert (await b.sign_in(t.slug, role=role)).status_code == 303
    account = f"/t/{t.slug}/account/"
    page = await b.get(account)
    assert await _stored(t.slug, role) is None and '<html lang="fi">' in page.text
    # The switcher's links go through the tenant, where the session is known.
    assert re.search(rf'href="/t/{t.slug}/lang/sv\?next=/t/{t.slug}/account/?"', page.text)

    link = await b.get(f"/t/{t.slug}/lang/sv", params={"next": account}, follow_redirects=False)
    assert link.status_code == 303 and link.headers["location"] == account
    assert link.cookies.get(LOCALE_COOKIE) == "sv"
    assert await _stored(t.slug, role) == "sv"
    # The form (no JavaScript) stores it too.
    form = await b.post(f"/t/{t.slug}/lang/en", data={"next": account}, follow_redirects=False)
    assert form.status_code == 303 and await _stored(t.slug, role) == "en"
    page = await b.get(account)
    assert '<html lang="en">' in page.text and "My account" in page.text
    # Nobody else's account changed.
    others = [r for r in ("admin", "staff") if r != role]
    assert [await _stored(t.slug, r) for r in others] == [None] * len(others)


async def test_the_stored_language_follows_the_user_to_another_browser(make_tenant, browsers):
    t = await make_tenant()
    first = await browsers()
    await first.sign_in(t.slug, role="staff")
    await first.switch_language(t.slug, "sv")

    other = await browsers()  # never chose a language; a Finnish browser
    other.client.headers["accept-language"] = "fi-FI"
    signed_in = await other.sign_in(t.slug, role="staff")
    # The login→first page transition is in the user's language too.
    assert signed_in.cookies.get(LOCALE_COOKIE) == "sv"
    home = await other.get(f"/t/{t.slug}/")
    assert '<html lang="sv">' in home.text and "Kundregister" in home.text

    # Neither the browser's cookie nor Accept-Language overrides it while signed in.
    _set_language_cookie(other, "en")
    home = await other.get(f"/t/{t.slug}/", headers={"Accept-Language": "en"})
    assert '<html lang="sv">' in home.text and "Kundregister" in home.text
    assert "Customer register" not in home.text
    _set_language_cookie(other, "fi")
    home = await other.get(f"/t/{t.slug}/", headers={"Accept-Language": "fi"})
    assert '<html lang="sv">' in home.text and "Kundregister" in home.text


async def test_until_they_choose_users_keep_their_browsers_language(make_tenant, browsers):
    """No stored choice (NULL): signing in neither overrides nor resets the browser's
    language, and the first choice is stored."""
    t = await make_tenant()
    english = await browsers()
    english.client.headers["accept-language"] = "en-GB"
    signed_in = await english.sign_in(t.slug, role="staff")
    assert LOCALE_COOKIE not in signed_in.cookies
    home = await english.get(f"/t/{t.slug}/")
    assert '<html lang="en">' in home.text and "Customer register" in home.text
    swedish = await browsers()
    _set_language_cookie(swedish, "sv")
    await swedish.sign_in(t.slug, role="staff")
    assert '<html lang="sv">' in (await swedish.get(f"/t/{t.slug}/")).text
    assert await _stored(t.slug, "staff") is None
    await english.switch_language(t.slug, "fi")  # an explicit Finnish is kept as one
    assert await _stored(t.slug, "staff") == "fi"
    assert '<html lang="fi">' in (await swedish.get(f"/t/{t.slug}/")).text


async def test_visitors_follow_the_cookie_then_accept_language(make_tenant, browsers):
    t = await make_tenant(name="Kieli Oy")
    login = f"/t/{t.slug}/login"
    visitor = await browsers()
    page = await visitor.client.get(login)
    assert '<html lang="fi">' in page.text and "Kirjaudu: Kieli Oy" in page.text
    page = await visitor.client.get(login, headers={"Accept-Language": "en"})
    assert '<html lang="en">' in page.text and "Log in: Kieli Oy" in page.text
    # The switcher on the login page sets the cookie only: there is no account to store it on.
    switched = await visitor.client.get(
        f"/t/{t.slug}/lang/sv", params={"next": login}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.cookies.get(LOCALE_COOKIE) == "sv"
    page = await visitor.client.get(login, headers={"Accept-Language": "en"})
    assert '<html lang="sv">' in page.text and "Logga in: Kieli Oy" in page.text
    assert [await _stored(t.slug, r) for r in ("admin", "staff")] == [None, None]

    # A user who signed out is a visitor again: the browser's cookie decides.
    user = await browsers()
    await user.sign_in(t.slug, role="staff")
    await user.switch_language(t.slug, "en")
    signed_out = await user.post(f"/t/{t.slug}/logout", follow_redirects=False)
    assert signed_out.status_code == 303
    _set_language_cookie(user, "sv")
    page = await user.client.get(login)
    assert '<html lang="sv">' in page.text and await _stored(t.slug, "staff") == "en"


async def test_another_tenants_user_keeps_their_own_language(make_tenant, browsers):
    a, b = await make_tenant(), await make_tenant()
    browser = await browsers()  # signed in to both registers as their admin
    assert (await browser.get(f"/t/{b.slug}/")).status_code == 200
    await browser.switch_language(a.slug, "en")
    assert await _stored(a.slug, "admin") == "en" and await _stored(b.slug, "admin") is None
    # B's admin has chosen nothing, so B follows the browser, whose cookie now says English.
    home_b = await browser.get(f"/t/{b.slug}/")
    assert '<html lang="en">' in home_b.text
    # Once B's admin chooses Finnish there, each register keeps its own user's choice.
    await browser.switch_language(b.slug, "fi")
    assert await _stored(b.slug, "admin") == "fi" and await _stored(a.slug, "admin") == "en"
    home_b = await browser.get(f"/t/{b.slug}/")
    assert '<html lang="fi">' in home_b.text and "Asiakasrekisteri" in home_b.text
    home_a = await browser.get(f"/t/{a.slug}/")
    assert '<html lang="en">' in home_a.text and "Customer register" in home_a.text


async def test_errors_follow_the_user_once_the_session_is_known(make_tenant, browsers):
    t = await make_tenant()
    staff = await browsers()
    await staff.sign_in(t.slug, role="staff")
    await staff.switch_language(t.slug, "en")
    _set_language_cookie(staff, "sv")
    # Refused by the access guard, after the session was read: the user's language.
    forbidden = await staff.get(f"/t/{t.slug}/admin/users", headers={"Accept": "text/html"})
    assert forbidden.status_code == 403
    assert '<html lang="en">' in forbidden.text and "Access denied" in forbidden.text
    # An unknown register has no session: the cookie's language.
    unknown = await staff.client.get(f"/t/{t.slug}-typo/", headers={"Accept": "text/html"})
    assert unknown.status_code == 404
    assert '<html lang="sv">' in unknown.text and "Registret hittades inte" in unknown.text


async def test_password_reset_mail_comes_in_the_users_language(make_tenant, browsers):
    t = await make_tenant()
    staff = await browsers()
    await staff.sign_in(t.slug, role="staff")
    await staff.switch_language(t.slug, "en")
    asker = await browsers()  # someone asks on a Swedish browser, not signed in
    asker.client.headers["accept-language"] = "sv-FI"
    await asker.client.get(f"/t/{t.slug}/password-reset")
    for role in ("staff", "admin"):
        r = await asker.client.post(
            f"/t/{t.slug}/password-reset",
            data={"email": user_email(t.slug, role), "_csrf_token": asker.csrf_token()},
        )
        assert r.status_code == 200 and '<html lang="sv">' in r.text
    async with tenant_scope(t.slug):
        sent = {m["recipient"]: m for m in await outbox()}
    to_staff = sent[user_email(t.slug, "staff")]
    assert to_staff["subject"] == "Password reset" and "Change your password" in to_staff["body"]
    to_admin = sent[user_email(t.slug, "admin")]  # never chose: the asking browser's
    assert to_admin["subject"] == "Byte av lösenord" and "Byt ditt lösenord" in to_admin["body"]


async def test_an_invited_user_keeps_the_language_they_accepted_in(client, make_tenant, browsers):
    t = await make_tenant()
    invited = await client.post(
        f"/t/{t.slug}/admin/users/invite", data={"email": "uusi@yritys.fi", "role": "staff"}
    )
    code = re.search(r"koodi (\d{6})", invited.text).group(1)
    mail = (await client.get(f"/t/{t.slug}/admin/outbox")).text
    link = re.search(r"(/t/[a-z0-9-]+/invite/[A-Za-z0-9_-]+)", mail).group(1)

    newcomer = await browsers()
    newcomer.client.headers["accept-language"] = "en"
    assert '<html lang="en">' in (await newcomer.client.get(link)).text
    accepted = await newcomer.client.post(
        link,
        data={
            "key_code": code,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "_csrf_token": newcomer.csrf_token(),
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert accepted.cookies.get(LOCALE_COOKIE) == "en"
    async with tenant_scope(t.slug):
        stored = await DB.current_connection().fetchval(
            "SELECT locale FROM app_user WHERE email = 'uusi@yritys.fi'"
        )
    assert stored == "en"
    home = await newcomer.client.get(f"/t/{t.slug}/", headers={"Accept-Language": "fi"})
    assert '<html lang="en">' in home.text and "Customer register" in home.text


async def test_another_sites_link_changes_the_cookie_but_not_the_account(make_tenant, browsers):
    """The switcher is a plain link; a cross-site request to it (an image or link on another
    site) must not change the stored language. Our own pages' link does."""
    t = await make_tenant()
    b = await browsers()
    await b.sign_in(t.slug, role="staff")
    switch = f"/t/{t.slug}/lang/en"
    forged = await b.get(switch, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert forged.status_code == 303 and await _stored(t.slug, "staff") is None
    own = await b.get(switch, headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False)
    assert own.status_code == 303 and await _stored(t.slug, "staff") == "en"
