"""SparkPost (Bird) as the tenant's mail service: notification e-mails through the
Transmissions API (POST /api/v1/transmissions).

The endpoint decides where the data goes: api.sparkpost.com is in the United States (outside
the EU/EEA; the admin picks the safeguard: EU–US Data Privacy Framework or the 2021/914
standard contractual clauses), api.eu.sparkpost.com in the EU (Frankfurt). Only the recipient's
address, the subject and the text are sent: no names, no ids, open and click tracking off.
A 429 or 5xx answer (or no answer) is temporary and retried by the worker; another 4xx is
permanent and shown to admins on the outgoing mail page.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from core.hookspecs import hookimpl
from core.mail import PermanentMailError, TemporaryMailError, send_gated
from core.plugin_about import PluginAbout
from core.processors import Processor

# Base URLs of the API regions (tests point them at a local fake).
# What the admin's plugin page shows (core.plugin_about).
ABOUT = PluginAbout(
    name={"fi": "SparkPost-sähköposti", "sv": "E-post via SparkPost", "en": "SparkPost e-mail"},
    description={
        "fi": (
            "Lähettää ilmoitussähköpostit SparkPostin (Bird) kautta; EU:n tai Yhdysvaltojen "
            "palvelin valitaan asetuksista."
        ),
        "sv": (
            "Skickar aviseringsmejl via SparkPost (Bird); servern i EU eller USA väljs i "
            "inställningarna."
        ),
        "en": (
            "Sends notification e-mails through SparkPost (Bird); the EU or US endpoint is chosen "
            "in the settings."
        ),
    },
)

ENDPOINTS = {"us": "https://api.sparkpost.com", "eu": "https://api.eu.sparkpost.com"}
TRANSMISSIONS = "/api/v1/transmissions"
US_SAFEGUARDS = ("dpf", "scc_2021_914")
CATEGORIES = ("email", "content")
TIMEOUT_SECONDS = 30
PLUGIN = "sparkpost"  # the entry-point name
NAME = "SparkPost (Bird)"
SERVICE = "delivery of notification e-mails"
SERVICE_WORDS = (
    "ilmoitussähköpostien välitys",
    "förmedling av e-postmeddelanden",
    "delivery of notification e-mails",
)
DPA = "SparkPost Data Protection Addendum"


def processor(options: dict[str, Any]) -> Processor:
    """The processor the options choose: the US endpoint (default) or the EU one."""
    if options.get("endpoint") == "eu":
        return Processor(
            key="sparkpost-eu",
            name=NAME,
            service=SERVICE,
            service_words=SERVICE_WORDS,
            country="DE",
            outside_eea=False,
            safeguard="",
            categories=CATEGORIES,
            dpa_reference=DPA,
            plugin=PLUGIN,
        )
    safeguard = options.get("safeguard")
    return Processor(
        key="sparkpost-us",
        name=NAME,
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="US",
        outside_eea=True,
        safeguard=safeguard if safeguard in US_SAFEGUARDS else "dpf",
        categories=CATEGORIES,
        dpa_reference=DPA,
        plugin=PLUGIN,
    )


def base_url(options: dict[str, Any]) -> str:
    return ENDPOINTS["eu" if options.get("endpoint") == "eu" else "us"]


def transmission(message: dict[str, Any], sender: str) -> dict[str, Any]:
    """The request body: the address, subject and text, nothing else about the person."""
    return {
        "options": {"open_tracking": False, "click_tracking": False, "transactional": True},
        "recipients": [{"address": {"email": message["to"]}}],
        "content": {"from": sender, "subject": message["subject"], "text": message["body"]},
    }


def _post(url: str, api_key: str, body: dict[str, Any]) -> str:
    """POST a transmission; returns its id. Blocking: run in a thread."""
    request = urllib.request.Request(  # noqa: S310 - the URL is one of ENDPOINTS
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        text = _error_text(error)
        if error.code == 429 or error.code >= 500:
            raise TemporaryMailError(f"SparkPost {error.code}: {text}") from None
        raise PermanentMailError(f"SparkPost {error.code}: {text}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TemporaryMailError(f"SparkPost unreachable: {error}") from None
    reference = str((answer.get("results") or {}).get("id") or "")
    if not reference:
        raise TemporaryMailError("SparkPost answered without a transmission id")
    return reference


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        errors = json.loads(error.read() or b"{}").get("errors") or []
    except ValueError:
        return error.reason or ""
    return "; ".join(
        " – ".join(part for part in (e.get("message", ""), e.get("description", "")) if part)
        for e in errors
    )[:500] or str(error.reason or "")


@hookimpl
def kortisto_processors(options: dict[str, Any]) -> list[Processor]:
    return [processor(options)]


@hookimpl
def kortisto_settings_fields() -> list[dict[str, Any]]:
    return [
        {
            "name": "endpoint",
            "label": {"fi": "Palvelin", "sv": "Server", "en": "Endpoint"},
            "kind": "select",
            "required": True,
            "choices": [
                ("eu", "api.eu.sparkpost.com (EU)"),
                ("us", "api.sparkpost.com (USA)"),
            ],
            "help": {
                "fi": "Yhdysvaltain palvelin siirtää tiedot EU:n ja ETA:n ulkopuolelle.",
                "sv": "Servern i USA överför uppgifterna utanför EU och EES.",
                "en": "The US endpoint transfers the data outside the EU/EEA.",
            },
        },
        {
            "name": "safeguard",
            "label": {
                "fi": "Siirtoperuste (USA)",
                "sv": "Grund för överföring (USA)",
                "en": "Transfer safeguard (US)",
            },
            "kind": "select",
            "choices": [
                ("dpf", "EU–US Data Privacy Framework"),
                ("scc_2021_914", "Standard contractual clauses 2021/914"),
            ],
        },
        {
            "name": "sender",
            "label": {"fi": "Lähettäjän osoite", "sv": "Avsändaradress", "en": "Sender address"},
            "kind": "text",
            "required": True,
        },
        {
            "name": "api_key",
            "label": {"fi": "API-avain", "sv": "API-nyckel", "en": "API key"},
            "kind": "secret",
            "required": True,
        },
    ]


@hookimpl
async def kortisto_send_email(message: dict[str, Any], options: dict[str, Any]) -> dict:
    if not options.get("api_key") or not options.get("sender"):
        raise PermanentMailError("SparkPost: the API key or the sender address is not set")
    chosen = processor(options)
    url = base_url(options) + TRANSMISSIONS
    body = transmission(message, options["sender"])

    async def send() -> str:
        return await asyncio.to_thread(_post, url, options["api_key"], body)

    reference = await send_gated(
        message, processor=chosen, categories=CATEGORIES, send=send, recipient=base_url(options)
    )
    return {"processor_key": chosen.key, "external_ref": reference}
