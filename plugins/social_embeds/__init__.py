"""Social embeds: YouTube, Vimeo, X, Instagram and Facebook posts shown click-to-load.

A content author pastes a URL; core asks `kortisto_embed` what it is, fetches the oEmbed
preview server-side (core.embeds) and the page shows a placeholder that says who receives the
visitor's data. Only after the visitor's click does the browser load the player below, from
the privacy-friendly host. The processors are the services the *visitor's* data (IP address,
device and viewing data: category "usage") reaches once they click.

Options (plugin_setting): `meta_access_token` (credential, optional): Meta's app token for
Instagram and Facebook previews. Not on the settings form, for tests and development only:
`oembed_base` and `player_base` replace the scheme and host of the oEmbed endpoint and of the
player URL (a local fake server).
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl
from core.plugin_about import PluginAbout
from core.processors import Processor
from plugins.social_embeds.providers import rebase, recognise

# What the admin's plugin page shows (core.plugin_about).
ABOUT = PluginAbout(
    name={
        "fi": "Sosiaalisen median upotukset",
        "sv": "Inbäddningar från sociala medier",
        "en": "Social media embeds",
    },
    description={
        "fi": (
            "Näyttää YouTube-, Vimeo-, X-, Instagram- ja Facebook-sisältöjä sisältösivuilla; "
            "palvelusta ei ladata mitään ennen kuin kävijä napsauttaa."
        ),
        "sv": (
            "Visar innehåll från YouTube, Vimeo, X, Instagram och Facebook på innehållssidor; "
            "inget laddas från tjänsten förrän besökaren klickar."
        ),
        "en": (
            "Shows YouTube, Vimeo, X, Instagram and Facebook posts on content pages; nothing loads"
            " from the service until the visitor clicks."
        ),
    },
)

VISITOR_DATA = ("usage",)
SERVICE = "video and social media player embedded on content pages, loaded on the visitor's click"
SERVICE_WORDS = (
    "sisältösivuille upotettu video- tai somesoitin, joka latautuu vasta kävijän klikatessa",
    "video- eller sociala medier-spelare inbäddad på innehållssidor, laddas när besökaren klickar",
    "video and social media player embedded on content pages, loaded on the visitor's click",
)

PROCESSORS = (
    Processor(
        key="google-youtube",
        name="Google LLC (YouTube)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="US",
        outside_eea=True,
        safeguard="dpf",
        categories=VISITOR_DATA,
        dpa_reference="Google Ads Data Processing Terms / YouTube Terms of Service",
        role="recipient",
    ),
    Processor(
        key="vimeo",
        name="Vimeo.com, Inc.",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="US",
        outside_eea=True,
        safeguard="dpf",
        categories=VISITOR_DATA,
        dpa_reference="Vimeo Privacy Policy (dnt player)",
        role="recipient",
    ),
    Processor(
        key="x",
        name="X Corp. (Twitter International Unlimited Company)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="US",
        outside_eea=True,
        safeguard="scc_2021_914",
        categories=VISITOR_DATA,
        dpa_reference="X Controller-to-Controller Data Protection Terms",
        role="recipient",
    ),
    Processor(
        key="meta",
        name="Meta Platforms Ireland Ltd / Meta Platforms, Inc. (Instagram, Facebook)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="US",
        outside_eea=True,
        safeguard="dpf",
        categories=VISITOR_DATA,
        dpa_reference="Meta Platform Terms / Controller Addendum",
        role="recipient",
    ),
)


@hookimpl
def kortisto_processors(options: dict[str, Any]) -> list[Processor]:
    return list(PROCESSORS)


@hookimpl
def kortisto_settings_fields() -> list[dict[str, Any]]:
    return [
        {
            "name": "meta_access_token",
            "label": {
                "fi": "Metan sovellustunnus (Instagram- ja Facebook-esikatselut)",
                "sv": "Metas apptoken (förhandsvisningar av Instagram och Facebook)",
                "en": "Meta app access token (Instagram and Facebook previews)",
            },
            "kind": "secret",
            "required": False,
            "help": {
                "fi": "Ilman tunnusta Instagram- ja Facebook-sisällöistä näytetään vain linkin "
                "teksti ennen latausta.",
                "sv": "Utan token visas bara länktexten för Instagram och Facebook före "
                "inläsningen.",
                "en": "Without it, Instagram and Facebook placeholders show only the link text.",
            },
        }
    ]


@hookimpl
def kortisto_embed(url: str, options: dict[str, Any]) -> dict[str, Any] | None:
    found = recognise(url, meta_token=str(options.get("meta_access_token") or ""))
    if found is None:
        return None
    return {
        "provider": found.provider,
        "embed_url": rebase(found.embed_url, str(options.get("player_base") or "")),
        "oembed_endpoint": rebase(found.oembed_endpoint, str(options.get("oembed_base") or "")),
        "processor_key": found.processor_key,
    }
