"""Browser tests of the register: create a card, the duplicate warning while typing,
search-as-you-type, a form with errors, and the persons page in English."""

import re
from datetime import date

import pytest

from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, mark_left
from tenants.scope import tenant_scope
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
async def register(make_tenant, live_server, page):
    names = await make_tenant(name="Selainrekisteri Oy")
    async with tenant_scope(names.slug):
        org = await create_organization(
            OrganizationInput(name="Järvisen Kone Oy", business_id="0112038-9", city="Tampere")
        )
        await create_person(
            PersonInput(
                first_name="Liisa",
                last_name="Järvinen",
                title="Hankintapäällikkö",
                emails=["liisa.jarvinen@kone.fi"],
                phones=["040 111 2222"],
                organization_id=org["id"],
                keywords=["hallitus"],
            )
        )
        gone = await create_person(PersonInput(first_name="Jaakko", last_name="Järvinen"))
        await mark_left(gone, date(2026, 6, 30))
    await sign_in(page, f"{live_server}/t/{names.slug}")
    return f"{live_server}/t/{names.slug}"


async def test_create_card_through_the_form(register, page):
    await page.goto(f"{register}/persons/new")
    await page.get_by_label("Etunimi").fill("Åsa")
    await page.get_by_label("Sukunimi").fill("Öhman-Äijälä")
    await page.get_by_label("Sähköpostiosoitteet").fill("asa.ohman@esimerkki.fi")
    await page.get_by_label("Puhelinnumerot").fill("050 765 4321")
    await page.get_by_label("Titteli tai tehtävä").fill("Toimitusjohtaja")
    await page.get_by_label("Organisaatio", exact=True).select_option(label="Järvisen Kone Oy")
    await page.get_by_label("Avainsanat").fill("asiakas, hallitus")
    await page.get_by_role("button", name="Tallenna käyntikortti").click()
    await page.wait_for_url(re.compile(r"/persons/[0-9a-f-]{36}$"))
    assert await page.get_by_role("heading", level=1).inner_text() == "Åsa Öhman-Äijälä"
    card = page.get_by_test_id("business-card")
    assert "Järvisen Kone Oy" in await card.inner_text()
    assert "+358 50 7654321" in await card.inner_text()
    for title in ("Työhistoria", "Liitetyt sisällöt", "Suostumukset", "Rekisteröidyn pyynnöt"):
        assert await page.get_by_role("heading", name=title).is_visible()
    await page.screenshot(path="/tmp/kortisto-person-page.png", full_page=True)


async def test_duplicate_warning_while_typing(register, page):
    await page.goto(f"{register}/persons/new")
    await page.get_by_label("Etunimi").fill("L.")
    await page.get_by_label("Sukunimi").fill("Järvinen")
    await page.get_by_label("Sähköpostiosoitteet").press_sequentially("LIISA.jarvinen@kone.fi")
    warning = page.locator('#duplicates [data-strength="strong"]')
    await warning.wait_for(state="visible", timeout=5000)
    text = await warning.inner_text()
    assert "Liisa Järvinen" in text and "sama sähköpostiosoite" in text
    assert await page.get_by_label("Tallenna silti: tämä on eri henkilö").is_visible()
    assert page.url.endswith("/persons/new")  # nothing was submitted
    await page.screenshot(path="/tmp/kortisto-duplicate-warning.png", full_page=True)


async def test_search_as_you_type_finds_the_card(register, page):
    await page.goto(f"{register}/persons/")
    await page.evaluate("window.__noReload = true")
    box = page.get_by_role("searchbox", name="Hae henkilöitä ja organisaatioita")
    await box.press_sequentially("jarvin", delay=40)
    result = page.locator("#search-results").get_by_role("link", name="Liisa Järvinen")
    await result.wait_for(state="visible", timeout=5000)
    assert await page.evaluate("window.__noReload === true")  # swapped in, not reloaded
    await page.wait_for_url(re.compile(r"/search\?q=jarvin"))  # reload and back work too
    assert await page.locator("#search-results").get_by_text("Järvisen Kone Oy").count() >= 1
    # Those who left are hidden until the switch asks for them (no reload either).
    results = page.locator("#search-results")
    assert await results.get_by_text("Jaakko Järvinen").count() == 0
    await page.get_by_label("Näytä myös organisaatiosta lähteneet").check()
    await results.get_by_role("link", name="Jaakko Järvinen").wait_for(state="visible")
    assert await results.get_by_test_id("departed-badge").is_visible()
    assert await page.evaluate("window.__noReload === true")
    await page.screenshot(path="/tmp/kortisto-search-results.png", full_page=True)
    # The phone number typed in another format finds the same card.
    await box.fill("+358401112222")
    await page.locator("#search-results").get_by_text("Haettu puhelinnumerolla").wait_for()
    assert await result.is_visible()


async def test_form_errors_are_inline_and_the_first_is_focused(register, page):
    await page.goto(f"{register}/persons/new")
    await page.get_by_label("Etunimi").fill("Matti")
    await page.get_by_label("Sähköpostiosoitteet").fill("matti(at)example")
    await page.get_by_label("Puhelinnumerot").fill("12")
    await page.get_by_role("button", name="Tallenna käyntikortti").click()
    await page.wait_for_load_state()
    summary = page.get_by_test_id("error-summary")
    assert await summary.is_visible()
    assert "Sukunimi puuttuu" in await summary.inner_text()
    assert await page.evaluate("document.activeElement.id") == "f-last_name"
    assert await page.get_by_label("Etunimi").input_value() == "Matti"
    assert await page.locator("#f-phones").get_attribute("aria-invalid") == "true"
    await page.screenshot(path="/tmp/kortisto-form-errors.png", full_page=True)
    # The summary's link moves to the field.
    await summary.get_by_role("link", name=re.compile("Puhelinnumero")).click()
    assert await page.evaluate("location.hash") == "#f-phones"


async def test_persons_page_in_english(register, page):
    await page.goto(f"{register}/persons/")
    assert await page.get_by_role("heading", level=1).inner_text() == "Henkilöt"
    await page.get_by_role("link", name="English").click()
    await page.wait_for_load_state()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.get_by_role("heading", level=1).inner_text() == "People"
    assert await page.get_by_role("button", name="New business card").is_visible()
    assert await page.get_by_role("columnheader", name="Organization").is_visible()
    await page.get_by_role("link", name="Liisa Järvinen").click()
    await page.get_by_role("heading", name="Employment history").wait_for()
    await page.screenshot(path="/tmp/kortisto-person-page-en.png", full_page=True)
