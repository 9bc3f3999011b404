"""Browser test of a click-to-load embed: a staff member pastes a YouTube address into an
event; the item's page then loads with no request to any host but ours (the preview picture
comes from our bucket through our route), and only pressing the placeholder's button (with
the keyboard) inserts the player iframe. The oEmbed endpoint and the player point at a local
fake server (plugin options), so nothing reaches the internet."""

import re
from urllib.parse import urlsplit

import pytest

from core import audit, plugin_allowances, plugin_settings
from tenants.scope import platform_transaction, tenant_scope
from tests.e2e.conftest import sign_in
from tests.support import fake_oembed

pytestmark = pytest.mark.e2e

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
ADMIN = audit.Actor("user", "00000000-0000-4000-8000-000000000001", "admin@upotus.example")


@pytest.fixture
def fake(fake_services_port):
    fake, server = fake_oembed.start(fake_services_port)  # the pair the live server allows
    yield fake
    server.shutdown()


@pytest.fixture
async def tenant_url(make_tenant, live_server, fake):
    t = await make_tenant(name="Upotus Oy")
    async with platform_transaction():  # the operator allows it…
        await plugin_allowances.set_allowed(t.slug, "social_embeds", True, changed_by="op@x")
    async with tenant_scope(t.slug):  # …and the tenant's admin enables it
        await plugin_settings.save(
            "social_embeds",
            enabled=True,
            options={"oembed_base": fake.url, "player_base": f"{fake.url}/player"},
            new_secrets={},
            actor=ADMIN,
        )
    return f"{live_server}/t/{t.slug}"


async def test_embed_loads_only_after_the_click(tenant_url, page, fake):
    ours = urlsplit(tenant_url).netloc
    await sign_in(page, tenant_url, role="staff")
    await page.goto(f"{tenant_url}/content/new?kind=event")
    await page.get_by_label("Otsikko").fill("Kevään webinaari")
    await page.get_by_label("Videot ja somejulkaisut (yksi osoite riviä kohden)").fill(YOUTUBE)
    await page.get_by_role("button", name="Tallenna", exact=True).click()
    await page.wait_for_url(re.compile(r"/content/[0-9a-f-]{36}$"))
    assert any("oembed" in r for r in fake.requests)  # fetched by our server, at save time
    item_url = page.url

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(item_url)
    await page.wait_for_load_state("networkidle")
    placeholder = page.get_by_test_id("embed")
    assert fake.title in await placeholder.inner_text()
    assert "Google LLC (YouTube)" in await placeholder.inner_text()
    assert "EU:n ja ETA:n ulkopuolelle" in await placeholder.inner_text()
    picture = placeholder.get_by_role("img", name=f"Esikatselukuva: {fake.title}")
    assert await picture.evaluate("img => img.complete && img.naturalWidth > 0")
    assert requested and {urlsplit(u).netloc for u in requested} == {ours}, requested
    assert await page.locator("iframe").count() == 0
    players_before = [r for r in fake.requests if r.startswith("/player/")]
    assert players_before == []

    button = page.get_by_role("button", name="Lataa sisältö palvelusta YouTube")
    await button.focus()
    await page.keyboard.press("Enter")
    frame = page.locator("iframe")
    await frame.wait_for(state="attached", timeout=5000)
    assert await frame.get_attribute("src") == f"{fake.url}/player/embed/dQw4w9WgXcQ"
    player = page.frame_locator("iframe").locator("#played")
    await player.wait_for(timeout=5000)
    assert [r for r in fake.requests if r.startswith("/player/")] == ["/player/embed/dQw4w9WgXcQ"]
    assert urlsplit(fake.url).netloc in {urlsplit(u).netloc for u in requested}
