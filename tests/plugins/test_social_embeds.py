"""The social embeds plugin on its own: which URLs it recognises and the privacy-friendly
player each gets, the oEmbed endpoint (Meta's only with a token), and the recipients it
declares (all outside the EU/EEA with a safeguard) reaching the tenant's processor list once
the tenant enabled it. No network: only URLs are read."""

import pytest

import plugins.social_embeds
from core.processors import tenant_processors
from plugins.social_embeds import kortisto_embed
from tenants.scope import tenant_scope

CASES = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://player.vimeo.com/video/76979871", "vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://x.com/jack/status/20", "x", "https://platform.twitter.com/embed/Tweet.html?id=20&dnt=true"),
    ("https://twitter.com/Yle/status/1790000000000000000", "x", "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true"),
    ("https://www.instagram.com/p/C8abcDEF12/", "instagram", "https://www.instagram.com/p/C8abcDEF12/embed/"),
    ("https://www.instagram.com/reel/C8abcDEF12", "instagram", "https://www.instagram.com/reel/C8abcDEF12/embed/"),
    ("https://www.facebook.com/yleuutiset/posts/123456789", "facebook", "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fyleuutiset%2Fposts%2F123456789"),
    ("https://www.facebook.com/yleuutiset/videos/987654321/", "facebook", "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fyleuutiset%2Fvideos%2F987654321%2F"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "provider", "player"), CASES)
def test_known_urls_get_the_privacy_friendly_player(url, provider, player):
    found = kortisto_embed(url, {})
    assert (found["provider"], found["embed_url"]) == (provider, player)
    assert found["processor_key"] in {p.key for p in plugins.social_embeds.PROCESSORS}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/video",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/@kanava",
        "https://vimeo.com/about",
        "https://x.com/jack",
        "https://www.facebook.com/yleuutiset",
        "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    ],
)
def test_other_urls_are_not_embedded(url):
    assert kortisto_embed(url, {}) is None


def test_oembed_endpoints_and_test_overrides():
    youtube = kortisto_embed("https://youtu.be/dQw4w9WgXcQ", {})
    assert youtube["oembed_endpoint"].startswith("https://www.youtube.com/oembed?format=json&url=")
    # Meta's oEmbed needs an app token: without one nothing is fetched (link text shown).
    assert kortisto_embed("https://www.instagram.com/p/C8abcDEF12/", {})["oembed_endpoint"] == ""
    with_token = kortisto_embed(
        "https://www.instagram.com/p/C8abcDEF12/", {"meta_access_token": "app|token"}
    )
    assert with_token["oembed_endpoint"].startswith(
        "https://graph.facebook.com/v19.0/instagram_oembed?"
    )
    local = kortisto_embed(
        "https://youtu.be/dQw4w9WgXcQ",
        {"oembed_base": "http://127.0.0.1:9", "player_base": "http://127.0.0.1:8/player"},
    )
    assert local["oembed_endpoint"].startswith("http://127.0.0.1:9/oembed?format=json")
    assert local["embed_url"] == "http://127.0.0.1:8/player/embed/dQw4w9WgXcQ"


def test_every_recipient_is_outside_the_eea_with_a_safeguard():
    for processor in plugins.social_embeds.PROCESSORS:
        assert processor.outside_eea and processor.country == "US"
        assert processor.safeguard in ("dpf", "scc_2021_914")
        assert processor.categories == ("usage",) and processor.role == "recipient"


async def test_enabled_plugin_adds_its_recipients_to_the_tenants_processors(host, tenant, enable):
    host.register(plugins.social_embeds, "social_embeds")
    async with tenant_scope(tenant.slug):
        assert await tenant_processors() == []
    await enable(tenant.slug, "social_embeds")
    async with tenant_scope(tenant.slug):
        declared = await tenant_processors()
    assert {p.key for p in declared} == {"google-youtube", "vimeo", "x", "meta"}
    assert {p.plugin for p in declared} == {"social_embeds"}
