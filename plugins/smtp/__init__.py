"""An SMTP server as the tenant's mail service (e.g. the hosting provider's relay in Finland):
the EU alternative to an API mail service. The processor's country comes from the settings
(default FI); a country outside the EU/EEA is flagged so, with the safeguard the admin chose.

Sent with the standard library's smtplib in a thread. A 4xx reply or a lost connection is
temporary (the worker retries); a 5xx reply is permanent and shown to admins.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from core.hookspecs import hookimpl
from core.mail import PermanentMailError, TemporaryMailError, send_gated
from core.plugin_about import PluginAbout
from core.processors import EEA_COUNTRIES, SAFEGUARDS, Processor

# What the admin's plugin page shows (core.plugin_about).
ABOUT = PluginAbout(
    name={"fi": "SMTP-sähköposti", "sv": "E-post via SMTP", "en": "SMTP e-mail"},
    description={
        "fi": (
            "Lähettää ilmoitussähköpostit oman SMTP-palvelimen kautta, esimerkiksi "
            "palveluntarjoajan välityspalvelimen Suomessa."
        ),
        "sv": (
            "Skickar aviseringsmejl via en egen SMTP-server, till exempel tjänsteleverantörens "
            "relä i Finland."
        ),
        "en": (
            "Sends notification e-mails through your own SMTP server, for example your hosting "
            "provider's relay in Finland."
        ),
    },
)

PLUGIN = "smtp"  # the entry-point name
CATEGORIES = ("email", "content")
TIMEOUT_SECONDS = 30
SECURITY = ("starttls", "tls", "none")


def processor(options: dict[str, Any]) -> Processor:
    country = (options.get("country") or "FI").strip().upper()[:2]
    outside = country not in EEA_COUNTRIES
    safeguard = options.get("safeguard", "") if outside else ""
    return Processor(
        key="smtp",
        name=options.get("provider_name") or "SMTP",
        service="delivery of notification e-mails",
        service_words=(
            "ilmoitussähköpostien välitys",
            "förmedling av e-postmeddelanden",
            "delivery of notification e-mails",
        ),
        country=country,
        outside_eea=outside,
        safeguard=safeguard
        if safeguard in SAFEGUARDS and safeguard
        else ("none" if outside else ""),
        categories=CATEGORIES,
        dpa_reference=options.get("dpa_reference", ""),
        plugin=PLUGIN,
    )


def email_message(message: dict[str, Any], sender: str) -> EmailMessage:
    """The address, subject and text; a Message-ID of our own to record as the reference."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message["to"]
    mail["Subject"] = message["subject"]
    mail["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex[:12], domain=_domain(sender))
    mail.set_content(message["body"])
    return mail


def _domain(sender: str) -> str:
    return sender.rpartition("@")[2].strip("> ") or "localhost"


def _send(options: dict[str, Any], mail: EmailMessage) -> str:
    """Deliver over SMTP; returns the Message-ID. Blocking: run in a thread."""
    host, port = options["host"], int(options.get("port") or 587)
    security = options.get("security") or "starttls"
    try:
        if security == "tls":
            client = smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if options.get("username"):
                client.login(options["username"], options.get("password", ""))
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            raise TemporaryMailError(f"SMTP {codes[0]}: recipient deferred") from None
        raise PermanentMailError(f"SMTP {codes[0] if codes else ''}: recipient refused") from None
    except smtplib.SMTPResponseException as error:
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        kind = TemporaryMailError if 400 <= error.smtp_code < 500 else PermanentMailError
        raise kind(f"SMTP {error.smtp_code}: {text}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise TemporaryMailError(f"SMTP server unreachable: {error}") from None
    return mail["Message-ID"]


@hookimpl
def kortisto_processors(options: dict[str, Any]) -> list[Processor]:
    return [processor(options)]


@hookimpl
def kortisto_settings_fields() -> list[dict[str, Any]]:
    return [
        {
            "name": "host",
            "label": {"fi": "Palvelin", "sv": "Server", "en": "Host"},
            "kind": "text",
            "required": True,
        },
        {"name": "port", "label": {"fi": "Portti", "sv": "Port", "en": "Port"}, "kind": "text"},
        {
            "name": "security",
            "label": {"fi": "Salaus", "sv": "Kryptering", "en": "Encryption"},
            "kind": "select",
            "choices": [("starttls", "STARTTLS"), ("tls", "TLS"), ("none", "—")],
        },
        {
            "name": "username",
            "label": {"fi": "Käyttäjätunnus", "sv": "Användarnamn", "en": "User name"},
            "kind": "text",
        },
        {
            "name": "password",
            "label": {"fi": "Salasana", "sv": "Lösenord", "en": "Password"},
            "kind": "secret",
        },
        {
            "name": "sender",
            "label": {"fi": "Lähettäjän osoite", "sv": "Avsändaradress", "en": "Sender address"},
            "kind": "text",
            "required": True,
        },
        {
            "name": "provider_name",
            "label": {"fi": "Palveluntarjoaja", "sv": "Leverantör", "en": "Provider"},
            "kind": "text",
        },
        {
            "name": "country",
            "label": {
                "fi": "Maa (ISO-koodi, esim. FI)",
                "sv": "Land (ISO-kod, t.ex. FI)",
                "en": "Country (ISO code, e.g. FI)",
            },
            "kind": "text",
        },
        {
            "name": "dpa_reference",
            "label": {"fi": "Käsittelysopimus", "sv": "Biträdesavtal", "en": "DPA reference"},
            "kind": "text",
        },
    ]


@hookimpl
async def kortisto_send_email(message: dict[str, Any], options: dict[str, Any]) -> dict:
    if not options.get("host") or not options.get("sender"):
        raise PermanentMailError("SMTP: the server or the sender address is not set")
    chosen = processor(options)
    mail = email_message(message, options["sender"])

    async def send() -> str:
        return await asyncio.to_thread(_send, options, mail)

    reference = await send_gated(
        message, processor=chosen, categories=CATEGORIES, send=send, recipient=options["host"]
    )
    return {"processor_key": chosen.key, "external_ref": reference}
