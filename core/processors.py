"""Processors and recipients a tenant sends personal data to (DESIGN §6).

A plugin declares its own (hook `kortisto_processors`); an admin adds the others by hand
(`tenant_processor`: hosting provider, bookkeeping firm…). `tenant_processors()` is the one
list the processors page, the privacy notice and Art. 30 records read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.db import DB

# Art. 44–49 grounds for a transfer outside the EU/EEA ("" = the data stays inside).
SAFEGUARDS = ("", "adequacy", "dpf", "scc_2021_914", "none")
CATEGORIES = (
    "name",
    "email",
    "phone",
    "organization",
    "address",
    "business_id",
    "billing",
    "content",
    "usage",
)
ROLES = ("processor", "recipient")
# EU member states + Iceland, Liechtenstein, Norway (ISO 3166-1 alpha-2).
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO".split()
)
TENANT_KEY_PREFIX = "tenant:"


@dataclass(frozen=True)
class Processor:
    key: str  # stable id, e.g. "sparkpost-us", "netvisor", or "tenant:<uuid>"
    name: str  # "SparkPost (Bird)"
    service: str  # what it does for the tenant, in English words for the record
    country: str  # ISO 3166-1 alpha-2
    outside_eea: bool
    safeguard: str  # one of SAFEGUARDS
    categories: tuple[str, ...]  # of CATEGORIES
    dpa_reference: str = ""
    plugin: str = ""  # the plugin that declares it; "" = added by an admin
    role: str = "processor"  # processor | recipient
    # The service in the privacy notice's languages (fi, sv, en); empty = `service` as written.
    service_words: tuple[str, ...] = ()


def from_row(row) -> Processor:
    """A tenant_processor row as a Processor (key "tenant:<uuid>")."""
    return Processor(
        key=f"{TENANT_KEY_PREFIX}{row['id']}",
        name=row["name"],
        service=row["service"],
        country=row["country"],
        outside_eea=row["outside_eea"],
        safeguard=row["safeguard"],
        categories=tuple(row["categories"] or ()),
        dpa_reference=row["dpa_reference"],
        plugin="",
        role=row["role"],
    )


async def admin_added(*, include_inactive: bool = False) -> list[dict]:
    """The tenant_processor rows (active ones unless asked), by name."""
    rows = await DB.current_connection().fetch(
        "SELECT id, name, service, country, outside_eea, safeguard, categories, dpa_reference, "
        "role, active, created_at, updated_at FROM tenant_processor "
        "WHERE active OR $1 ORDER BY active DESC, lower(name), id",
        include_inactive,
    )
    return [dict(r) for r in rows]


async def tenant_processors() -> list[Processor]:
    """In a tenant scope: the processors of the plugins this tenant has enabled, then the
    admin-added active ones."""
    from core.plugin_host import plugin_host  # the host imports this module's dataclass

    declared = await plugin_host().processors()
    added = [from_row(r) for r in await admin_added()]
    return declared + added


async def find(key: str) -> Processor | None:
    """One of `tenant_processors()` by key."""
    for processor in await tenant_processors():
        if processor.key == key:
            return processor
    return None


def tenant_processor_id(key: str) -> uuid.UUID | None:
    if not key.startswith(TENANT_KEY_PREFIX):
        return None
    try:
        return uuid.UUID(key[len(TENANT_KEY_PREFIX) :])
    except ValueError:
        return None
