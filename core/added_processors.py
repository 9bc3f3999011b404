"""Processors and recipients an admin adds by hand (tenant_processor): a hosting provider, a
bookkeeping firm, a partner the register discloses data to. Plugins declare their own
(core.processors); these join them in `tenant_processors()`, the privacy notice and Art. 30.

Runs inside a tenant scope. Rows are never deleted, only deactivated: the transfer log and
published notices name them. Whether the data leaves the EU/EEA follows from the country, so
the two can never disagree; a transfer outside needs its Art. 44–49 ground (a safeguard).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from babel import Locale

from core import audit
from core import record_fields as check
from core.db import DB
from core.processors import CATEGORIES, EEA_COUNTRIES, ROLES, SAFEGUARDS
from core.validation import ValidationFailed

NAME_MAX = 200
SERVICE_MAX = 300
DPA_MAX = 300
# Codes CLDR lists as territories that ISO 3166-1 does not assign to a country.
_NOT_COUNTRIES = frozenset("AC CP CQ DG EA EU EZ IC QO TA UN XA XB ZZ".split())
COUNTRIES = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
OUTSIDE_SAFEGUARDS = tuple(s for s in SAFEGUARDS if s)
_COLUMNS = (
    "id, name, service, country, outside_eea, safeguard, categories, dpa_reference, role, "
    "active, created_at, updated_at"
)


class ProcessorNotFoundError(LookupError):
    """No such admin-added processor in this tenant."""


@dataclass
class ProcessorInput:
    name: str
    country: str
    categories: list[str] = field(default_factory=list)
    service: str = ""
    safeguard: str = ""
    dpa_reference: str = ""
    role: str = "processor"


def clean_processor(data: ProcessorInput) -> ProcessorInput:
    """Every mistake at once (ValidationFailed); the clean values otherwise. Inside the EU/EEA
    the safeguard is dropped (none is needed)."""
    errors: check.Errors = {}
    name = check.text(errors, "name", data.name, max_len=NAME_MAX, required=True)
    service = check.text(errors, "service", data.service, max_len=SERVICE_MAX)
    dpa_reference = check.text(errors, "dpa_reference", data.dpa_reference, max_len=DPA_MAX)
    role = check.choice(errors, "role", data.role, ROLES)
    country = str(data.country or "").strip().upper()
    if not country:
        errors["country"] = ("required", "give the country as a 2-letter ISO 3166 code")
    elif country not in COUNTRIES:
        errors["country"] = ("invalid", f"{data.country!r} is not a 2-letter ISO 3166 code")
    safeguard = str(data.safeguard or "").strip()
    if country in EEA_COUNTRIES:
        safeguard = ""
    elif "country" not in errors:
        if not safeguard:
            errors["safeguard"] = ("required", "outside the EU/EEA a transfer needs a safeguard")
        elif safeguard not in OUTSIDE_SAFEGUARDS:
            errors["safeguard"] = ("invalid", f"choose one of {', '.join(OUTSIDE_SAFEGUARDS)}")
        elif safeguard == "dpf" and country != "US":
            errors["safeguard"] = ("dpf_not_us", "the Data Privacy Framework covers the US only")
    categories = list(dict.fromkeys(str(c).strip() for c in data.categories if str(c).strip()))
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        errors["categories"] = ("invalid", f"unknown data categories: {', '.join(unknown)}")
    elif not categories:
        errors["categories"] = ("required", "choose the data categories sent to it")
    if errors:
        raise ValidationFailed(errors)
    return ProcessorInput(name, country, categories, service, safeguard, dpa_reference, role)


def _detail(clean: ProcessorInput) -> dict:
    return {
        "name": clean.name,
        "country": clean.country,
        "outside_eea": clean.country not in EEA_COUNTRIES,
        "safeguard": clean.safeguard,
        "categories": clean.categories,
        "role": clean.role,
    }


async def get_processor(processor_id: uuid.UUID) -> dict:
    row = await DB.current_connection().fetchrow(
        f"SELECT {_COLUMNS} FROM tenant_processor WHERE id = $1", processor_id
    )
    if row is None:
        raise ProcessorNotFoundError(processor_id)
    return dict(row)


async def create_processor(data: ProcessorInput, *, actor: audit.Actor) -> uuid.UUID:
    clean = clean_processor(data)
    processor_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO tenant_processor (id, name, service, country, outside_eea, safeguard, "
        "categories, dpa_reference, role, active, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, now(), now())",
        processor_id,
        clean.name,
        clean.service,
        clean.country,
        clean.country not in EEA_COUNTRIES,
        clean.safeguard,
        clean.categories,
        clean.dpa_reference,
        clean.role,
    )
    await audit.record(
        "tenant_processor.create",
        actor=actor,
        object_kind="tenant_processor",
        object_id=processor_id,
        detail=_detail(clean),
    )
    return processor_id


async def update_processor(
    processor_id: uuid.UUID, data: ProcessorInput, *, actor: audit.Actor
) -> None:
    before = await get_processor(processor_id)
    clean = clean_processor(data)
    await DB.current_connection().execute(
        "UPDATE tenant_processor SET name = $2, service = $3, country = $4, outside_eea = $5, "
        "safeguard = $6, categories = $7, dpa_reference = $8, role = $9, updated_at = now() "
        "WHERE id = $1",
        processor_id,
        clean.name,
        clean.service,
        clean.country,
        clean.country not in EEA_COUNTRIES,
        clean.safeguard,
        clean.categories,
        clean.dpa_reference,
        clean.role,
    )
    changed = {
        key: {"old": before[key], "new": value}
        for key, value in _detail(clean).items()
        if (list(before[key] or ()) if key == "categories" else before[key]) != value
    }
    await audit.record(
        "tenant_processor.update",
        actor=actor,
        object_kind="tenant_processor",
        object_id=processor_id,
        detail={"name": clean.name, "changed": changed},
    )


async def set_processor_active(
    processor_id: uuid.UUID, active: bool, *, actor: audit.Actor
) -> None:
    """Deactivate (or bring back); a no-op when it already is so (nothing audited)."""
    before = await get_processor(processor_id)
    if before["active"] == active:
        return
    await DB.current_connection().execute(
        "UPDATE tenant_processor SET active = $2, updated_at = now() WHERE id = $1",
        processor_id,
        active,
    )
    await audit.record(
        "tenant_processor.activate" if active else "tenant_processor.deactivate",
        actor=actor,
        object_kind="tenant_processor",
        object_id=processor_id,
        detail={"name": before["name"]},
    )
