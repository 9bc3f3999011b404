"""Social embed previews are fetched with no tenant transaction open: the request that saves
an item (or draws a page whose preview is due again) only claims the preview in its
transaction; the oEmbed answer and the thumbnail are fetched after its commit and stored in a
short transaction of their own. The fake service looks at pg_stat_activity as each request
arrives; a control fetch made inside a tenant scope shows that the probe does see an open
transaction."""

import uuid

import pytest

import plugins.social_embeds
from core import embeds
from core.db import DB
from core.plugin_host import plugin_host
from tenants.scope import tenant_scope
from tests.support import fake_oembed
from tests.support.transaction_probe import probe

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def host(host):
    """The shared fresh plugin host (tests/support/plugin_fixtures.py) with the embeds plugin."""
    host.register(plugins.social_embeds, "social_embeds")
    return host


@pytest.fixture
def fake():
    fake, server = fake_oembed.start()
    with fake_oembed.private_fetch_allowed(fake):
        yield fake
    server.shutdown()


async def _create(client, slug: str) -> uuid.UUID:
    form = {"kind": "event", "title": "Webinaari", "status": "open", "embed_urls": YOUTUBE}
    r = await client.post(f"/t/{slug}/content/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return uuid.UUID(r.headers["location"].rsplit("/", 1)[1])


async def test_previews_are_fetched_with_no_transaction_open(
    client, make_tenant, host, enable, fake, settings
):
    t = await make_tenant(name="Vapaa Upotus Oy")
    await enable(t.slug, "social_embeds", options={"oembed_base": fake.url})
    seen: list[list[str]] = []
    fake.on_request = probe(settings.database.url.reveal(), seen)

    item = await _create(client, t.slug)  # fetched right after the save's commit

    assert len(fake.oembed_requests()) == 1 and "/thumb.png" in fake.requests
    assert seen == [[], []]  # oEmbed and thumbnail: no session of ours inside a transaction
    page = await client.get(f"/t/{t.slug}/content/{item}")
    assert fake.title in page.text and "/embed/thumbnail?url=" in page.text
    assert len(fake.requests) == 2  # drawn from the cache

    # A failed preview due again: the page that finds it claims it, shows the link text, and
    # the fetch runs after that page's commit; the next page shows the preview.
    async with tenant_scope(t.slug):
        await DB.current_connection().execute(
            "UPDATE embed_preview SET failed = true, title = '', thumbnail_key = '', "
            "fetched_at = now() - interval '2 hours'"
        )
    first = await client.get(f"/t/{t.slug}/content/{item}")
    assert fake.title not in first.text and f"<strong>{YOUTUBE}</strong>" in first.text
    assert len(fake.oembed_requests()) == 2
    again = await client.get(f"/t/{t.slug}/content/{item}")
    assert fake.title in again.text
    assert seen == [[], [], [], []]

    # Control: the same fetch made inside a tenant scope is seen by the probe.
    async with tenant_scope(t.slug):
        info = await plugin_host().embed(YOUTUBE)
        await embeds._fetch(YOUTUBE, info["oembed_endpoint"])
    assert seen[4] == ["idle in transaction"]
