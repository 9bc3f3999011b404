"""What a click-to-load placeholder tells the visitor, in their language: which company
receives their data when they load the embed, its country, whether the data leaves the EU/EEA
and on what safeguard (from the plugin's processor declaration)."""

from __future__ import annotations

from babel import Locale

from core import privacy_notice_labels
from core.processors import Processor
from web.i18n import _, current_locale


def country_name(code: str) -> str:
    return Locale.parse(current_locale()).territories.get(code.upper(), code)


def provider_name(provider: str) -> str:
    return {
        "youtube": "YouTube",
        "vimeo": "Vimeo",
        "x": "X (Twitter)",
        "instagram": "Instagram",
        "facebook": "Facebook",
    }.get(provider, provider)


def placeholder_notice(processor: Processor) -> str:
    company, country = processor.name, country_name(processor.country)
    if not processor.outside_eea:
        return _(
            "Kun lataat sisällön, selaimesi ottaa yhteyden palveluun ja %(company)s "
            "(%(country)s) saa tietoja laitteestasi ja selaamisestasi, kuten IP-osoitteesi."
        ) % {"company": company, "country": country}
    lang = current_locale() if current_locale() in privacy_notice_labels.LANGUAGES else "fi"
    safeguard = privacy_notice_labels.word(
        privacy_notice_labels.SAFEGUARDS, processor.safeguard, lang
    )
    text = _(
        "Kun lataat sisällön, selaimesi ottaa yhteyden palveluun ja %(company)s saa tietoja "
        "laitteestasi ja selaamisestasi, kuten IP-osoitteesi. Tiedot siirtyvät EU:n ja ETA:n "
        "ulkopuolelle (%(country)s)."
    ) % {"company": company, "country": country}
    if safeguard:
        text += " " + _("Siirron suojatoimi: %(safeguard)s.") % {"safeguard": safeguard}
    return text
