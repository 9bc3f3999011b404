"""Own account in the browser: set up two-step verification from the header's account link,
then sign in again with the code on its own page (the code that set it up is not accepted
again)."""

import re

import pytest

from tests.e2e.conftest import sign_in
from tests.support.auth_client import PASSWORD, user_email
from tests.support.totp_codes import next_code, wrong_code

pytestmark = pytest.mark.e2e


async def test_staff_sets_up_totp_and_then_signs_in_with_a_code(make_tenant, live_server, page):
    tenant = await make_tenant(name="Kaksivaihe Oy")
    base = f"{live_server}/t/{tenant.slug}"
    await sign_in(page, base, role="staff")
    await page.get_by_role("link", name="Oma tili").click()
    await page.wait_for_url(re.compile(r".*/account/$"))
    assert await page.get_by_role("heading", name="Kirjautumiset").count() == 1
    assert "tämä istunto" in await page.get_by_test_id("sessions").inner_text()
    await page.screenshot(path="/tmp/kortisto-e2e-account.png", full_page=True)

    await page.get_by_role("link", name="Ota kaksivaiheinen tunnistus käyttöön").click()
    await page.get_by_role("button", name="Aloita käyttöönotto").click()
    qr = page.get_by_role("img", name="QR-koodi todennussovellukselle")
    assert await qr.locator("svg").count() == 1
    secret = (await page.get_by_test_id("totp-secret").inner_text()).replace(" ", "")
    await page.screenshot(path="/tmp/kortisto-e2e-totp.png", full_page=True)
    enrolled_with = next_code(secret)
    await page.get_by_label("Sovelluksen näyttämä koodi").fill(enrolled_with)
    await page.get_by_role("button", name="Vahvista ja ota käyttöön").click()
    await page.get_by_role("status").filter(has_text="on nyt käytössä").wait_for()
    await page.get_by_role("button", name="Kirjaudu ulos", exact=True).click()
    await page.wait_for_url(re.compile(r".*/login$"))

    await page.get_by_label("Sähköposti").fill(user_email(tenant.slug, "staff"))
    await page.get_by_label("Salasana").fill(PASSWORD)
    await page.get_by_role("button", name="Kirjaudu").click()
    await page.wait_for_url(re.compile(r".*/login/code$"))
    code = page.get_by_label("Todennussovelluksen koodi")
    await code.fill(wrong_code(secret))
    await page.get_by_role("button", name="Kirjaudu").click()
    assert "Koodi ei kelpaa" in await page.get_by_role("alert").inner_text()
    await code.fill(enrolled_with)  # seen once already: over a shoulder, say
    await page.get_by_role("button", name="Kirjaudu").click()
    assert "Tämä koodi on jo käytetty" in await page.get_by_role("alert").inner_text()
    await code.fill(next_code(secret))
    await page.get_by_role("button", name="Kirjaudu").click()
    await page.wait_for_url(re.compile(rf".*/t/{tenant.slug}/$"))
    assert await page.locator("h1").inner_text() == "Kaksivaihe Oy"
