"""Accounting export plugin: organizations and, when asked, their billing contacts written for
Netvisor, Procountor or Fennoa, or as a generic CSV (formats: plugins/accounting_export/
formats.py). The tenant's admin chooses the accounting service in the plugin's settings; the
export page offers that service's format and the generic CSV. Every service is Finnish, so the
data stays inside the EU/EEA. Core (core.accounting_export) records the transfer of each
billing contact through the transfer gate before the file is written.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl
from core.plugin_about import PluginAbout
from core.processors import Processor
from plugins.accounting_export import formats

# What the admin's plugin page shows (core.plugin_about).
ABOUT = PluginAbout(
    name={"fi": "Kirjanpitovienti", "sv": "Export till bokföringen", "en": "Accounting export"},
    description={
        "fi": (
            "Vie organisaatiot ja pyydettäessä niiden laskutusyhteyshenkilöt kirjanpito-ohjelmaan "
            "(Netvisor, Procountor, Fennoa tai CSV)."
        ),
        "sv": (
            "Exporterar organisationer och vid behov deras faktureringskontakter till "
            "bokföringsprogrammet (Netvisor, Procountor, Fennoa eller CSV)."
        ),
        "en": (
            "Exports organizations and, when asked, their billing contacts to the accounting "
            "software (Netvisor, Procountor, Fennoa or CSV)."
        ),
    },
)

CATEGORIES = ("organization", "business_id", "address", "billing", "name", "email", "phone")
SERVICE = "accounting: customer register and invoicing"
SERVICE_WORDS = (
    "kirjanpito: asiakasrekisteri ja laskutus",
    "bokföring: kundregister och fakturering",
    "accounting: customer register and invoicing",
)
PROCESSORS = {
    "netvisor": Processor(
        key="netvisor",
        name="Visma Netvisor (Visma Solutions Oy)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="FI",
        outside_eea=False,
        safeguard="",
        categories=CATEGORIES,
    ),
    "procountor": Processor(
        key="procountor",
        name="Procountor",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="FI",
        outside_eea=False,
        safeguard="",
        categories=CATEGORIES,
    ),
    "fennoa": Processor(
        key="fennoa",
        name="Fennoa Oy",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country="FI",
        outside_eea=False,
        safeguard="",
        categories=CATEGORIES,
    ),
}
FORMATS = {
    "netvisor": {"label": "Netvisor (XML)", "media_type": "application/xml", "extension": "xml"},
    "procountor": {"label": "Procountor (CSV)", "media_type": "text/csv", "extension": "csv"},
    "fennoa": {"label": "Fennoa (CSV)", "media_type": "text/csv", "extension": "csv"},
    "csv": {"label": "CSV", "media_type": "text/csv", "extension": "csv"},
}
SERVICES = ("netvisor", "procountor", "fennoa", "csv")


def _service(options: dict[str, Any]) -> str:
    service = str(options.get("service") or "csv")
    return service if service in SERVICES else "csv"


def processor_of(options: dict[str, Any]) -> Processor:
    """Where the file goes: the chosen service, or the bookkeeper named in the settings."""
    service = _service(options)
    if service in PROCESSORS:
        return PROCESSORS[service]
    bookkeeper = str(options.get("bookkeeper") or "").strip()
    return Processor(
        key="accounting-csv",
        name=bookkeeper or "Kirjanpito (CSV)",
        service=SERVICE,
        service_words=SERVICE_WORDS,
        country=str(options.get("bookkeeper_country") or "FI").upper()[:2],
        outside_eea=False,
        safeguard="",
        categories=CATEGORIES,
    )


@hookimpl
def kortisto_processors(options):
    return [processor_of(options)]


@hookimpl
def kortisto_settings_fields():
    return [
        {
            "name": "service",
            "label": {
                "fi": "Taloushallinto-ohjelma",
                "sv": "Ekonomiprogram",
                "en": "Accounting software",
            },  # fmt: skip
            "kind": "select",
            "required": True,
            "choices": [
                ("netvisor", "Netvisor"),
                ("procountor", "Procountor"),
                ("fennoa", "Fennoa"),
                ("csv", "CSV"),
            ],
        },
        {
            "name": "bookkeeper",
            "label": {
                "fi": "Tilitoimisto (CSV-viennin vastaanottaja)",
                "sv": "Bokföringsbyrå (mottagare av CSV-exporten)",
                "en": "Bookkeeping firm (receives the CSV export)",
            },  # fmt: skip
            "kind": "text",
        },
    ]


@hookimpl
def kortisto_accounting_formats(options):
    service = _service(options)
    keys = [service] if service == "csv" else [service, "csv"]
    processor = processor_of(options)
    return [dict(FORMATS[key], key=key, processor_key=processor.key) for key in keys]


@hookimpl
def kortisto_accounting_export(format_key, organizations, contacts, options):
    offered = {f["key"] for f in kortisto_accounting_formats(options)}
    if format_key not in offered:
        return None
    return formats.WRITERS[format_key](organizations, contacts)
