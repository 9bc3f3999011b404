"""A person opening a tenant's register, switching language, and mistyping an address."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


async def test_tenant_page_language_switch_and_unknown_tenant(make_tenant, live_server, page):
    tenant = await make_tenant(name="Selain Oy")
    base, slug = live_server, tenant.slug
    await sign_in(page, f"{base}/t/{slug}")
    await page.goto(f"{base}/t/{slug}/")
    assert (await page.title()).startswith("Selain Oy")
    assert await page.locator("html").get_attribute("lang") == "fi"
    assert await page.locator("h1").inner_text() == "Selain Oy"
    # The skip link is the first thing keyboard users reach.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    # Switch to English with the language control (plain links: works without JavaScript).
    await page.get_by_role("link", name="English").click()
    await page.wait_for_load_state()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert page.url.rstrip("/").endswith(f"/t/{slug}")
    await page.screenshot(path="/tmp/kortisto-e2e-tenant-en.png", full_page=True)
    # A mistyped tenant gets a clear 404 page, in the chosen language.
    response = await page.goto(f"{base}/t/{slug}-typo/")
    assert response.status == 404
    assert await page.get_by_role("alert").is_visible()
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.screenshot(path="/tmp/kortisto-e2e-404.png", full_page=True)
