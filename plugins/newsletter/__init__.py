"""Newsletter plugin: keeps the tenant's newsletter list at one service (an EU-hosted one,
Brevo, or a US-hosted one, Mailchimp: plugins/newsletter/providers.py) in step with the
register. Core's newsletter sync (core.newsletter_sync) decides who goes on the list (e-mail
newsletter consent and no objection, through core.transfer_gate) and who comes off
(withdrawal, objection, restriction, erasure); this plugin only talks to the service.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl
from core.plugin_about import PluginAbout
from core.processors import Processor
from plugins.newsletter.providers import PROVIDERS

# What the admin's plugin page shows (core.plugin_about).
ABOUT = PluginAbout(
    name={
        "fi": "Uutiskirje (Brevo tai Mailchimp)",
        "sv": "Nyhetsbrev (Brevo eller Mailchimp)",
        "en": "Newsletter (Brevo or Mailchimp)",
    },
    description={
        "fi": (
            "Pitää uutiskirjeen tilaajalistan ajan tasalla: mukana vain henkilöt, jotka ovat "
            "antaneet sähköpostisuostumuksen eivätkä ole kieltäneet suoramarkkinointia."
        ),
        "sv": (
            "Håller nyhetsbrevets prenumerantlista aktuell: bara personer som gett samtycke till "
            "e-post och inte motsatt sig direktmarknadsföring."
        ),
        "en": (
            "Keeps the newsletter's subscriber list up to date: only people who gave e-mail "
            "consent and have not objected to direct marketing."
        ),
    },
)

PLUGIN_NAME = "newsletter"  # the entry-point name (pyproject.toml)
SERVICE = "newsletter: e-mail marketing list"
SERVICE_WORDS = (
    "uutiskirje: sähköpostimarkkinoinnin lista",
    "nyhetsbrev: e-postmarknadsföringslista",
    "newsletter: e-mail marketing list",
)
PROCESSORS = {
    "brevo": Processor(
        key="brevo-eu",
        name="Brevo (Sendinblue SAS)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="FR",
        outside_eea=False,
        safeguard="",
        categories=("name", "email"),
    ),
    "mailchimp": Processor(
        key="mailchimp-us",
        name="Mailchimp (The Rocket Science Group LLC)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="US",
        outside_eea=True,
        safeguard="dpf",
        categories=("name", "email"),
    ),
}


def _provider_key(options: dict[str, Any]) -> str:
    key = str(options.get("provider") or "brevo")
    return key if key in PROVIDERS else "brevo"


@hookimpl
def kortisto_processors(options):
    return [PROCESSORS[_provider_key(options)]]


@hookimpl
def kortisto_settings_fields():
    return [
        {
            "name": "provider",
            "label": {
                "fi": "Uutiskirjepalvelu",
                "sv": "Nyhetsbrevstjänst",
                "en": "Newsletter service",
            },  # fmt: skip
            "kind": "select",
            "required": True,
            "choices": [("brevo", "Brevo (EU)"), ("mailchimp", "Mailchimp (USA)")],
        },
        {
            "name": "list_id",
            "label": {"fi": "Listan tunnus", "sv": "Listans id", "en": "List id"},
            "kind": "text",
            "required": True,
        },
        {
            "name": "base_url",
            "label": {"fi": "Rajapinnan osoite", "sv": "API-adress", "en": "API address"},
            "kind": "text",
            "help": {
                "fi": "Tyhjä = palvelun oletusosoite.",
                "sv": "Tom = tjänstens standardadress.",
                "en": "Empty = the service's default address.",
            },  # fmt: skip
        },
        {
            "name": "api_key",
            "label": {"fi": "API-avain", "sv": "API-nyckel", "en": "API key"},
            "kind": "secret",
            "required": True,
        },
    ]


@hookimpl
async def kortisto_newsletter_subscribe(contact, options):
    key = _provider_key(options)
    external_id = await PROVIDERS[key](options).subscribe(contact)
    return {
        "external_id": external_id,
        "processor_key": PROCESSORS[key].key,
        "list_id": str(options.get("list_id") or ""),
    }


@hookimpl
async def kortisto_newsletter_unsubscribe(subscription, options):
    if subscription.get("plugin") not in (PLUGIN_NAME, ""):
        return None
    # The list the person was put on, even if the settings name another one now.
    list_id = subscription.get("list_id") or options.get("list_id")
    provider = PROVIDERS[_provider_key(options)]({**options, "list_id": list_id})
    erase = subscription.get("reason") == "erasure"
    await provider.unsubscribe(str(subscription["external_id"]), erase=erase)
    return True


@hookimpl
async def kortisto_notify_recipient(tenant, notification, options):
    """Art. 19 for the newsletter service: an erasure deletes the person's contact there for
    good (each transfer's external reference is the service's contact id; a contact already
    gone counts as deleted). A rectification is not ours to send (the next sync carries a
    corrected address), so it stays a task for the admins."""
    key = _provider_key(options)
    if notification.get("processor") != PROCESSORS[key].name:
        return None
    if notification.get("kind") != "erasure":
        return None
    refs = [str(ref) for ref in notification.get("external_refs") or [] if ref]
    provider = PROVIDERS[key](options)
    for ref in refs:
        await provider.unsubscribe(ref, erase=True)
    return {"plugin": PLUGIN_NAME, "reference": ", ".join(refs)[:200]}
