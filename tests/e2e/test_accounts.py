"""Invitations in the browser: a colleague joins and works in the register; an end customer
joins from their person page and corrects their own card."""

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


async def test_end_customer_accepts_an_invite_and_corrects_their_own_card(
    make_tenant, live_server, page, browser
):
    from core.persons import PersonInput, create_person
    from tenants.scope import tenant_scope

    tenant = await make_tenant(name="Asiakkaita Oy")
    async with tenant_scope(tenant.slug):
        person = await create_person(
            PersonInput(first_name="Essi", last_name="Esimerkki", emails=["essi@koti.example"])
        )
    base = f"{live_server}/t/{tenant.slug}"
    await sign_in(page, base)
    await page.goto(f"{base}/persons/{person}")
    await page.get_by_role("button", name="Kutsu asiakkaaksi").click()
    assert await page.get_by_label("Sähköposti").input_value() == "essi@koti.example"
    await page.get_by_role("button", name="Lähetä kutsu").click()
    notice = await page.get_by_role("status").filter(has_text="Kutsu lähetettiin").inner_text()
    code = re.search(r"\b(\d{6})\b", notice).group(1)
    await page.get_by_role("link", name="Lähtevät viestit").click()
    body = await page.locator("pre").first.inner_text()
    link = re.search(r"(http\S+/invite/[A-Za-z0-9_-]+)", body).group(1)

    context = await browser.new_context(locale="fi-FI")  # the customer's own browser
    customer = await context.new_page()
    try:
        await customer.goto(link.replace("http://127.0.0.1:8000", live_server))
        await customer.get_by_label("Koodi").fill(code)
        await customer.get_by_label("Uusi salasana").fill(PASSWORD)
        await customer.get_by_label("Salasana uudelleen").fill(PASSWORD)
        await customer.get_by_role("button", name="Tallenna ja kirjaudu").click()
        await customer.wait_for_url(re.compile(rf".*/t/{tenant.slug}/me/$"))
        assert await customer.locator("h1").inner_text() == "Omat tietoni"
        assert "Essi Esimerkki" in await customer.get_by_test_id("business-card").inner_text()

        await customer.get_by_role("button", name="Korjaa tietojasi").click()
        await customer.get_by_label("Sukunimi").fill("Uusinimi")
        await customer.get_by_label("Sähköpostiosoitteet").fill("essi@koti")
        await customer.get_by_role("button", name="Tallenna korjaukset").click()
        summary = customer.get_by_test_id("error-summary")
        assert "essi@koti" in await summary.inner_text()
        # Nothing typed is lost, and the field in error has the focus.
        assert await customer.get_by_label("Sukunimi").input_value() == "Uusinimi"
        assert await customer.evaluate("document.activeElement.id") == "f-emails"
        await customer.get_by_label("Sähköpostiosoitteet").fill("essi@uusi.example")
        await customer.get_by_role("button", name="Tallenna korjaukset").click()
        await customer.wait_for_url(re.compile(r".*/me/\?saved=1$"))
        history = await customer.get_by_test_id("rectifications").inner_text()
        assert "Esimerkki" in history and "Uusinimi" in history
        assert "essi@koti.example" in history and "essi@uusi.example" in history
        await customer.screenshot(path="/tmp/kortisto-e2e-self-service.png", full_page=True)

        # The rest of the register stays closed to them.
        response = await customer.goto(f"{base}/persons/")
        assert response.status == 403
        assert await customer.get_by_role("link", name="Henkilöt").count() == 0
    finally:
        await context.close()
