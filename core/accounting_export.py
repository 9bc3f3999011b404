"""Accounting export (DESIGN §6, issue 7 item 7): the tenant's organizations, and when the
admin asks their billing contacts, written in a format an enabled accounting plugin offers
(hooks kortisto_accounting_formats / kortisto_accounting_export).

What is personal data here, and so a transfer:
- A **billing contact** is a person on the card of an organization (current, not left) whose
  keywords include one of BILLING_KEYWORDS. Each one included passes core.transfer_gate (one
  transfer row per person, purpose "transfer"); a restricted or objecting card is refused by
  the gate, left out of the file and listed in the result so the page can say so.
- **Organizations alone** are not recorded as transfers: the register keeps companies by
  business ID, whose name and address are public in the trade register (YTJ). A sole trader's
  company is the one case where that is also a person's data; the register has no mark for
  sole traders, so such a transfer is covered by the processor's entry in the register
  description (the notice lists the accounting processor) rather than by a per-person row.
Runs inside the tenant transaction; the caller writes the person.read audit event of the
contacts it hands out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from core import audit
from core.db import DB
from core.plugin_host import plugin_host
from core.processors import find
from core.transfer_gate import TransferRefused, transfer

BILLING_KEYWORDS = ("laskutus", "fakturering", "billing")
CONTACT_CATEGORIES = ("name", "email", "phone", "organization")


class UnknownFormat(Exception):  # noqa: N818 - reads as what happened
    """No enabled plugin offers this format (or its processor is not declared)."""


@dataclass
class ExportResult:
    content: bytes
    format: dict
    included: list[uuid.UUID] = field(default_factory=list)  # contacts in the file
    refused: list[dict] = field(default_factory=list)  # {person_id, name, reason}
    organizations: int = 0


async def formats() -> list[dict]:
    """The formats the tenant's enabled accounting plugins offer (empty when none)."""
    return await plugin_host().accounting_formats()


async def organizations() -> list[dict]:
    """Every organization with billing-relevant fields only."""
    rows = await DB.current_connection().fetch(
        "SELECT id, name, business_id, vat_number, street_address, postal_code, city, "
        "country, einvoice_address, einvoice_operator FROM organization "
        "ORDER BY sort_key, id"
    )
    return [
        {
            "id": str(r["id"]),
            "name": r["name"],
            "business_id": r["business_id"] or "",
            "vat_id": r["vat_number"] or "",
            "address": r["street_address"],
            "postal_code": r["postal_code"],
            "city": r["city"],
            "country": r["country"],
            "e_invoice_address": r["einvoice_address"],
            "e_invoice_operator": r["einvoice_operator"],
        }
        for r in rows
    ]


async def billing_contacts() -> list[dict]:
    """Current persons of an organization marked as its billing contact (keyword)."""
    rows = await DB.current_connection().fetch(
        "SELECT p.id, p.organization, p.first_name, p.last_name, "
        "(SELECT e.email FROM person_email e WHERE e.person = p.id ORDER BY e.position "
        " LIMIT 1) AS email, "
        "(SELECT f.phone_e164 FROM person_phone f WHERE f.person = p.id ORDER BY f.position "
        " LIMIT 1) AS phone "
        "FROM person p WHERE p.organization IS NOT NULL AND p.merged_into IS NULL "
        "AND p.left_organization_on IS NULL "
        "AND EXISTS (SELECT 1 FROM unnest(p.keywords) k WHERE lower(k) = ANY($1::text[])) "
        "ORDER BY p.sort_key, p.id",
        list(BILLING_KEYWORDS),
    )
    return [
        {
            "person_id": str(r["id"]),
            "organization_id": str(r["organization"]),
            "first_name": r["first_name"],
            "last_name": r["last_name"],
            "email": r["email"] or "",
            "phone": r["phone"] or "",
        }
        for r in rows
    ]


async def export(format_key: str, *, with_contacts: bool, actor: audit.Actor) -> ExportResult:
    """Write the export in `format_key`; billing contacts only through the transfer gate."""
    chosen = next((f for f in await formats() if f["key"] == format_key), None)
    if chosen is None:
        raise UnknownFormat(format_key)
    processor = await find(chosen.get("processor_key", ""))
    if processor is None:
        raise UnknownFormat(format_key)
    export_ref = f"accounting-export:{format_key}:{uuid.uuid4()}"
    result = ExportResult(content=b"", format=chosen)
    passed: list[dict] = []
    for contact in await billing_contacts() if with_contacts else []:
        person_id = uuid.UUID(contact["person_id"])
        try:
            outcome = await transfer(
                person_id,
                processor=processor,
                purpose="transfer",
                categories=CONTACT_CATEGORIES,
                send=_reference(export_ref),
                recipient=f"{processor.key}:{format_key}",
                actor=actor,
            )
        except TransferRefused as refused:
            name = f"{contact['first_name']} {contact['last_name']}".strip()
            result.refused.append({"person_id": person_id, "name": name, "reason": refused.reason})
            continue
        if outcome["status"] == "sent":
            passed.append(contact)
            result.included.append(person_id)
    orgs = await organizations()
    content = await plugin_host().accounting_export(_tenant_slug(), format_key, orgs, passed)
    if content is None:
        raise UnknownFormat(format_key)
    result.content, result.organizations = content, len(orgs)
    await audit.record(
        "accounting.export",
        actor=actor,
        object_kind="processor",
        object_id=processor.key,
        detail={
            "format": format_key,
            "organizations": len(orgs),
            "contacts": len(passed),
            "refused": len(result.refused),
            "reference": export_ref,
        },
    )
    return result


def _reference(export_ref: str):
    async def send() -> str:
        # The file itself is handed to the admin after the gate; the reference names it.
        return export_ref

    return send


def _tenant_slug() -> str:
    from core.context import current_tenant

    return current_tenant().slug
