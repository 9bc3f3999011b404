"""An admin invites a colleague; the colleague accepts from the outbox and works in the register."""

import re

import pytest

from tests.e2e.conftest import sign_in
from tests.support.auth_client import PASSWORD

pytestmark = pytest.mark.e2e


async def test_admin_invites_staff_who_accepts_and_sees_the_register(
    make_tenant, live_server, page, browser
):
    tenant = await make_tenant(name="Kutsuva Oy")
    base = f"{live_server}/t/{tenant.slug}"
    await sign_in(page, base)
    await page.get_by_role("link", name="Käyttäjät").click()
    await page.get_by_label("Sähköposti").fill("kollega@kutsuva.example")
    await page.get_by_role("button", name="Lähetä kutsu").click()
    notice = await page.get_by_role("status").filter(has_text="Kutsu lähetettiin").inner_text()
    code = re.search(r"\b(\d{6})\b", notice).group(1)
    await page.get_by_role("link", name="Lähtevät viestit").click()
    body = await page.locator("pre").first.inner_text()
    link = re.search(r"(http\S+/invite/[A-Za-z0-9_-]+)", body).group(1)
    assert code in body
    await page.screenshot(path="/tmp/kortisto-e2e-outbox.png", full_page=True)

    context = await browser.new_context(locale="fi-FI")  # the colleague's own browser
    colleague = await context.new_page()
    try:
        await colleague.goto(link.replace("http://127.0.0.1:8000", live_server))
        await colleague.get_by_label("Koodi").fill(code)
        await colleague.get_by_label("Uusi salasana").fill(PASSWORD)
        await colleague.get_by_label("Salasana uudelleen").fill(PASSWORD)
        await colleague.get_by_role("button", name="Tallenna ja kirjaudu").click()
        await colleague.wait_for_url(re.compile(rf".*/t/{tenant.slug}/$"))
        assert await colleague.locator("h1").inner_text() == "Kutsuva Oy"
        await colleague.get_by_role("link", name="Henkilöt").first.click()
        await colleague.wait_for_load_state()
        assert "/persons/" in colleague.url
        # Staff do not get the admin pages.
        assert await colleague.get_by_role("link", name="Käyttäjät").count() == 0
        await colleague.get_by_role("button", name="Kirjaudu ulos").click()
        await colleague.wait_for_url(re.compile(r".*/login$"))
    finally:
        await context.close()
