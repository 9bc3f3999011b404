"""The social embeds' server-side fetches reach the public internet only (core.public_fetch):
an oEmbed endpoint or a thumbnail on a loopback, private, link-local or otherwise non-public
address, by number or by a name that resolves there, is refused before anything is sent, and
the placeholder tells the author why, in their language. The fake service listens on
127.0.0.1; without the test-only allowance (empty by default, as in production) it is refused
like any other. The player iframe is sandboxed to what the players need."""

import uuid

import pytest

import plugins.social_embeds
from core.db import DB
from tenants.scope import tenant_scope
from tests.support import fake_oembed

HX = {"HX-Request": "true"}
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
REFUSED_FI = "Esikatselua ei haettu: palvelun osoite ei ole julkisessa internetissä"


@pytest.fixture
def host(host):
    """The shared fresh plugin host (tests/support/plugin_fixtures.py) with the embeds plugin."""
    host.register(plugins.social_embeds, "social_embeds")
    return host


@pytest.fixture
def fake():
    fake, server = fake_oembed.start()
    yield fake
    server.shutdown()


async def _tenant(make_tenant, enable, oembed_base: str):
    t = await make_tenant(name="Vartioitu Oy")
    await enable(t.slug, "social_embeds", options={"oembed_base": oembed_base})
    return t


async def _create(client, slug: str, urls: list[str]) -> uuid.UUID:
    form = {"kind": "event", "title": "Webinaari", "status": "open", "embed_urls": "\n".join(urls)}
    r = await client.post(f"/t/{slug}/content/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return uuid.UUID(r.headers["location"].rsplit("/", 1)[1])


async def _preview(slug: str) -> dict:
    async with tenant_scope(slug):
        row = await DB.current_connection().fetchrow(
            "SELECT title, thumbnail_key, failed, refusal FROM embed_preview WHERE url = $1",
            YOUTUBE,
        )
    return dict(row)


async def test_without_the_allowance_the_local_fake_is_refused(
    client, make_tenant, host, enable, fake
):
    t = await _tenant(make_tenant, enable, fake.url)  # http://127.0.0.1:<port>, not allowed
    item = await _create(client, t.slug, [YOUTUBE])
    assert fake.requests == []  # nothing reached it
    assert await _preview(t.slug) == {
        "title": "",
        "thumbnail_key": "",
        "failed": True,
        "refusal": "private_address",
    }
    page = await client.get(f"/t/{t.slug}/content/{item}")
    assert REFUSED_FI in page.text and "Lataa sisältö palvelusta YouTube" in page.text
    for code, words in (
        ("sv", "Förhandsvisningen hämtades inte"),
        ("en", "The preview was not fetched: the service's address is not on the public"),
    ):
        await client.switch_language(t.slug, code)
        assert words in (await client.get(f"/t/{t.slug}/content/{item}")).text, code
    await client.switch_language(t.slug, "fi")


@pytest.mark.parametrize(
    "base",
    [
        "http://localhost:{port}",  # a name that resolves to 127.0.0.1
        "http://[::1]:{port}",
        "http://10.1.2.3:{port}",
        "http://169.254.169.254",
        "http://[::ffff:127.0.0.1]:{port}",
    ],
)
async def test_an_oembed_endpoint_on_a_private_address_is_refused(
    client, make_tenant, host, enable, fake, base
):
    port = fake.netloc.rsplit(":", 1)[1]
    t = await _tenant(make_tenant, enable, base.format(port=port))
    with fake_oembed.private_fetch_allowed(fake):  # 127.0.0.1:<port> only, not these
        item = await _create(client, t.slug, [YOUTUBE])
    assert fake.requests == []
    assert (await _preview(t.slug))["refusal"] == "private_address"
    assert REFUSED_FI in (await client.get(f"/t/{t.slug}/content/{item}")).text


@pytest.mark.parametrize(
    "picture",
    [
        "https://127.0.0.1:{port}/thumb.png",
        "https://localhost:{port}/thumb.png",
        "https://[::1]:{port}/thumb.png",
        "https://10.0.0.5/thumb.png",
        "https://169.254.169.254/latest/meta-data/",
    ],
)
async def test_a_thumbnail_on_a_private_address_is_refused(
    client, make_tenant, host, enable, fake, picture
):
    # Another port than the allowed pair's: the allowance is exactly one host:port.
    fake.thumbnail_url = picture.format(port=int(fake.netloc.rsplit(":", 1)[1]) + 1)
    t = await _tenant(make_tenant, enable, fake.url)
    with fake_oembed.private_fetch_allowed(fake):
        item = await _create(client, t.slug, [YOUTUBE])
    assert [r for r in fake.requests if "oembed" not in r] == []  # the picture never asked for
    preview = await _preview(t.slug)
    assert preview["title"] == fake.title  # the answer itself was fine
    assert (preview["thumbnail_key"], preview["refusal"]) == ("", "private_address")
    page = await client.get(f"/t/{t.slug}/content/{item}")
    assert REFUSED_FI in page.text and "/embed/thumbnail?" not in page.text


async def test_a_redirect_to_a_private_address_is_refused(client, make_tenant, host, enable, fake):
    fake.thumbnail_url = f"{fake.url}/redirect?to=http://169.254.169.254/latest/meta-data/"
    t = await _tenant(make_tenant, enable, fake.url)
    with fake_oembed.private_fetch_allowed(fake):
        await _create(client, t.slug, [YOUTUBE])
    assert any(r.startswith("/redirect") for r in fake.requests)
    preview = await _preview(t.slug)
    assert (preview["thumbnail_key"], preview["refusal"]) == ("", "private_address")


async def test_the_player_iframe_is_sandboxed(client, make_tenant, host, enable, fake):
    t = await _tenant(make_tenant, enable, fake.url)
    with fake_oembed.private_fetch_allowed(fake):
        item = await _create(client, t.slug, [YOUTUBE])
    r = await client.get(f"/t/{t.slug}/content/{item}/embed", params={"url": YOUTUBE}, headers=HX)
    assert (
        '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in r.text
        and 'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"' in r.text
        and 'allow="encrypted-media; picture-in-picture; fullscreen"' in r.text
    )
    assert "allow-top-navigation" not in r.text and "allow-forms" not in r.text
