"""Embed thumbnails do not outlive their use: a URL removed from an item, an item deleted, or a
preview whose re-fetch no longer has a picture leaves an object in the tenant's bucket that the
hourly sweep (tenants.attachment_jobs -> core.embeds.sweep_unused) deletes from the real S3
store, while thumbnails still in use stay."""

import uuid
from datetime import timedelta

import pytest

import plugins.social_embeds
from core import embeds
from core.attachments import object_store
from core.db import DB
from core.embeds import thumbnail_key
from tenants.attachment_jobs import sweep_orphan_objects
from tenants.scope import tenant_scope
from tests.support import fake_oembed

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"
X = "https://x.com/jack/status/20"


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


@pytest.fixture
async def tenant(make_tenant, host, enable, fake):
    t = await make_tenant(name="Siivous Oy")
    await enable(t.slug, "social_embeds", options={"oembed_base": fake.url})
    return t


def _form(urls: list[str]) -> dict:
    return {"title": "Webinaari", "status": "open", "embed_urls": "\n".join(urls)}


async def _create(client, slug: str, urls: list[str]) -> uuid.UUID:
    form = {"kind": "event", **_form(urls)}
    r = await client.post(f"/t/{slug}/content/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return uuid.UUID(r.headers["location"].rsplit("/", 1)[1])


async def _stored(slug: str, *urls: str) -> dict[str, bool]:
    async with tenant_scope(slug):
        store = object_store()
        return {u: await store.stat(thumbnail_key(u)) is not None for u in urls}


async def _previews(slug: str) -> set[str]:
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch("SELECT url FROM embed_preview")
    return {r["url"] for r in rows}


async def test_removed_and_deleted_embeds_lose_their_thumbnails(client, tenant):
    slug = tenant.slug
    first = await _create(client, slug, [YOUTUBE])
    second = await _create(client, slug, [VIMEO, X])
    assert await _stored(slug, YOUTUBE, VIMEO, X) == {YOUTUBE: True, VIMEO: True, X: True}
    # One URL removed from an item, the other item deleted.
    r = await client.post(f"/t/{slug}/content/{second}/edit", data=_form([X]))
    assert r.status_code in (200, 303), r.text[:2000]
    r = await client.post(f"/t/{slug}/content/{first}/delete", data={"confirm": "yes"})
    assert r.status_code in (200, 303), r.text[:2000]
    # The hourly job forgets the unused previews at once; their pictures wait out the grace
    # (60 minutes: an upload in flight is younger).
    async with tenant_scope(slug):
        await sweep_orphan_objects()
    assert await _previews(slug) == {X}
    assert await _stored(slug, YOUTUBE, VIMEO, X) == {YOUTUBE: True, VIMEO: True, X: True}
    async with tenant_scope(slug):
        assert await embeds.sweep_unused(timedelta(minutes=60)) == 0
        assert await embeds.sweep_unused(timedelta(0)) == 2
    assert await _stored(slug, YOUTUBE, VIMEO, X) == {YOUTUBE: False, VIMEO: False, X: True}
    async with tenant_scope(slug):
        assert await object_store().keys(embeds.THUMBNAIL_PREFIX) == [thumbnail_key(X)]
    # The one still in use is served as before.
    picture = await client.get(f"/t/{slug}/content/{second}/embed/thumbnail", params={"url": X})
    assert picture.content == fake_oembed.png_bytes()


async def test_a_replaced_preview_without_a_picture_loses_the_old_one(client, tenant, fake):
    slug = tenant.slug
    item = await _create(client, slug, [YOUTUBE])
    assert await _stored(slug, YOUTUBE) == {YOUTUBE: True}
    # The preview is fetched again (a failed one is retried after an hour) and the service no
    # longer names a picture: the row keeps no thumbnail, the old object is unused.
    async with tenant_scope(slug):
        await DB.current_connection().execute(
            "UPDATE embed_preview SET failed = true, fetched_at = now() - interval '2 hours'"
        )
    fake.thumbnail_url = f"{fake.url}/not-a-picture"
    assert (await client.get(f"/t/{slug}/content/{item}")).status_code == 200
    async with tenant_scope(slug):
        row = await DB.current_connection().fetchrow(
            "SELECT thumbnail_key, failed FROM embed_preview WHERE url = $1", YOUTUBE
        )
        assert dict(row) == {"thumbnail_key": "", "failed": True}
        assert await embeds.sweep_unused(timedelta(0)) == 1
    assert await _stored(slug, YOUTUBE) == {YOUTUBE: False}
