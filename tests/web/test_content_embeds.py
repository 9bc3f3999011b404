"""Social embeds on a content item's page (plugins/social_embeds, core.embeds): before the
click the page makes the browser load nothing from a third party, the placeholder names the
company and the transfer outside the EU/EEA (fi/sv/en), the click answers an iframe from the
privacy-friendly host, oEmbed previews are fetched from a local fake server once and cached
(thumbnail kept in our bucket), unknown URLs stay plain links.

Which attributes count: every attribute the browser loads by itself (src, srcset, poster,
data, background, href of <link>, action/formaction, hx-* requests, data-*) must point at our
own host. `<a href>` to a third party is allowed only as the plain-link fallback of a URL no
plugin embeds (the visitor follows it by choice); a pasted URL also appears as the value of
a hidden form field, which the browser never requests.
"""

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

import plugins.social_embeds
from core.attachments import object_store
from core.db import DB
from core.embeds import thumbnail_key
from tenants.scope import tenant_scope
from tests.support import fake_oembed

HX = {"HX-Request": "true"}
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"
UNKNOWN = "https://example.org/artikkeli"
LOADED_ATTRIBUTES = {"src", "srcset", "poster", "data", "background", "action", "formaction"}
OURS = {None, "", "testserver", "testserver.local"}  # None: a path on our host


@pytest.fixture
def host(host):
    """The shared fresh plugin host (tests/support/plugin_fixtures.py) with the embeds plugin."""
    host.register(plugins.social_embeds, "social_embeds")
    return host


@pytest.fixture(scope="module")
def fake():
    fake, server = fake_oembed.start()
    yield fake
    server.shutdown()


@pytest.fixture(autouse=True)
def fake_allowed(fake):
    """The fake listens on 127.0.0.1: only this narrow allowance lets our server fetch from it
    (tests/web/test_content_embeds_guard.py shows it refused without)."""
    with fake_oembed.private_fetch_allowed(fake):
        yield


@pytest.fixture
async def tenant(make_tenant, host, enable, fake):
    t = await make_tenant(name="Upotukset Oy")
    await enable(t.slug, "social_embeds", options={"oembed_base": fake.url})
    return t


class Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.found.append((tag, name, value or ""))


def third_party_loads(html: str, allowed_links: set[str]) -> list[tuple[str, str, str]]:
    """Attributes that would make the browser contact a host other than ours."""
    parser = Attributes()
    parser.feed(html)
    bad = []
    for tag, name, value in parser.found:
        loads = (
            name in LOADED_ATTRIBUTES
            or name.startswith(("hx-get", "hx-post", "data-"))
            or (name == "href" and tag != "a")
        )
        if tag == "a" and name == "href":
            if urlsplit(value).hostname not in OURS and value not in allowed_links:
                bad.append((tag, name, value))
            continue
        if not loads:
            continue
        for candidate in re.split(r"[\s,]+", value) if name == "srcset" else [value]:
            if "://" in candidate or candidate.startswith("//"):
                if urlsplit(candidate).hostname not in OURS:
                    bad.append((tag, name, value))
    return bad


async def _create(client, slug: str, urls: list[str]) -> uuid.UUID:
    form = {"kind": "event", "title": "Syysseminaari", "status": "open"}
    form["embed_urls"] = "\n".join(urls)
    r = await client.post(f"/t/{slug}/content/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return uuid.UUID(r.headers["location"].rsplit("/", 1)[1])


async def test_page_before_the_click_loads_nothing_from_a_third_party(client, tenant, fake):
    item = await _create(client, tenant.slug, [YOUTUBE, VIMEO, UNKNOWN])
    page = await client.get(f"/t/{tenant.slug}/content/{item}")
    assert page.status_code == 200
    assert third_party_loads(page.text, allowed_links={UNKNOWN}) == []
    # Plain link only for the unknown URL; the known ones are placeholders with a real button.
    assert f'<a href="{UNKNOWN}"' in page.text
    assert 'href="https://www.youtube' not in page.text and 'href="https://vimeo' not in page.text
    assert page.text.count('data-testid="embed"') == 3
    assert page.text.count('<button type="submit" aria-describedby="embed-') == 2
    assert "Lataa sisältö palvelusta YouTube" in page.text
    # Who receives the visitor's data, and that it leaves the EU/EEA, from the processor rows.
    assert "Google LLC (YouTube)" in page.text and "Vimeo.com, Inc." in page.text
    assert "Tiedot siirtyvät EU:n ja ETA:n ulkopuolelle (Yhdysvallat)" in page.text
    assert "tietosuojakehys" in page.text  # the DPF safeguard in words
    # The preview fetched server-side: title, author, and a picture from our own route.
    assert fake.title in page.text and fake.author in page.text
    assert f'src="/t/{tenant.slug}/content/{item}/embed/thumbnail?url=' in page.text
    assert f'alt="Esikatselukuva: {fake.title}"' in page.text


async def test_the_placeholder_speaks_swedish_and_english(client, tenant):
    item = await _create(client, tenant.slug, [YOUTUBE])
    for code, words in (
        ("sv", "lämnar EU och EES"),
        ("en", "leaves the EU/EEA (United States)"),
    ):
        await client.switch_language(tenant.slug, code)
        page = await client.get(f"/t/{tenant.slug}/content/{item}")
        assert words in page.text, code
    await client.switch_language(tenant.slug, "fi")


async def test_the_click_loads_the_player_from_the_privacy_friendly_host(client, tenant):
    item = await _create(client, tenant.slug, [YOUTUBE, VIMEO])
    base = f"/t/{tenant.slug}/content/{item}/embed"
    youtube = await client.get(base, params={"url": YOUTUBE}, headers=HX)
    assert youtube.status_code == 200
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in youtube.text
    assert "<html" not in youtube.text  # a fragment for the swap
    vimeo = await client.get(base, params={"url": VIMEO}, headers=HX)
    assert '<iframe src="https://player.vimeo.com/video/76979871?dnt=1"' in vimeo.text
    # Without JavaScript the form leads to a whole page with the same player.
    page = await client.get(base, params={"url": YOUTUBE})
    assert "<html" in page.text and "youtube-nocookie.com/embed/dQw4w9WgXcQ" in page.text
    # Only the item's own URLs: the route frames nothing else.
    other = await client.get(base, params={"url": "https://evil.example/x"}, headers=HX)
    assert other.status_code == 200 and "<iframe" not in other.text
    assert "Tätä upotusta ei enää ole" in other.text


async def test_previews_are_fetched_once_and_the_thumbnail_is_kept_in_our_bucket(
    client, tenant, fake
):
    before = len(fake.requests)
    item = await _create(client, tenant.slug, [YOUTUBE])
    fetched = fake.requests[before:]
    assert len([r for r in fetched if "oembed" in r]) == 1 and "/thumb.png" in fetched
    assert "url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ" in fetched[0]
    count = len(fake.requests)
    for _ in range(2):
        assert (await client.get(f"/t/{tenant.slug}/content/{item}")).status_code == 200
    assert len(fake.requests) == count  # rendered twice from the cache
    async with tenant_scope(tenant.slug):
        row = await DB.current_connection().fetchrow(
            "SELECT provider, title, author, thumbnail_key, failed FROM embed_preview "
            "WHERE url = $1",
            YOUTUBE,
        )
        stored = await object_store().get(thumbnail_key(YOUTUBE))
    assert dict(row) == {
        "provider": "youtube",
        "title": fake.title,
        "author": fake.author,
        "thumbnail_key": thumbnail_key(YOUTUBE),
        "failed": False,
    }
    picture = await client.get(
        f"/t/{tenant.slug}/content/{item}/embed/thumbnail", params={"url": YOUTUBE}
    )
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content == stored == fake_oembed.png_bytes()
    assert len(fake.requests) == count  # served from our bucket


async def test_a_failed_preview_leaves_a_placeholder_with_the_link_text(client, tenant, fake):
    fake.fail = True
    try:
        item = await _create(client, tenant.slug, ["https://youtu.be/aaaaaaaaaaa"])
    finally:
        fake.fail = False
    page = await client.get(f"/t/{tenant.slug}/content/{item}")
    assert "<strong>https://youtu.be/aaaaaaaaaaa</strong>" in page.text
    assert (
        "Lataa sisältö palvelusta YouTube" in page.text
        and "<img" not in page.text.split('id="embeds"')[1].split("</section>")[0]
    )
    assert third_party_loads(page.text, allowed_links=set()) == []


async def test_unknown_urls_and_a_plugin_not_enabled_give_plain_links(
    client, make_tenant, host, fake
):
    t = await make_tenant(name="Ei upotuksia Oy")  # the plugin is installed, not enabled
    before = len(fake.requests)
    item = await _create(client, t.slug, [YOUTUBE, UNKNOWN])
    page = await client.get(f"/t/{t.slug}/content/{item}")
    assert f'<a href="{YOUTUBE}"' in page.text and f'<a href="{UNKNOWN}"' in page.text
    assert '<button type="submit" aria-describedby="embed-' not in page.text
    assert len(fake.requests) == before
    fragment = await client.get(
        f"/t/{t.slug}/content/{item}/embed", params={"url": YOUTUBE}, headers=HX
    )
    assert "<iframe" not in fragment.text and f'<a href="{YOUTUBE}"' in fragment.text


async def test_the_form_refuses_what_is_not_a_web_address(client, tenant):
    form = {"kind": "event", "title": "Seminaari", "status": "open"}
    form["embed_urls"] = "javascript:alert(1)"
    r = await client.post(f"/t/{tenant.slug}/content/new", data=form, follow_redirects=False)
    assert r.status_code == 422
    assert "anna yksi verkko-osoite riviä kohden" in r.text
    assert "javascript:alert(1)" in r.text  # kept in the field to fix
    # The edit form shows the stored addresses one per line.
    item = await _create(client, tenant.slug, [YOUTUBE, UNKNOWN])
    edit = await client.get(f"/t/{tenant.slug}/content/{item}/edit")
    assert f"{YOUTUBE}\n{UNKNOWN}</textarea>" in edit.text
