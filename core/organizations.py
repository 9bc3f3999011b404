"""Organizations of the register (runs inside a tenant scope)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields

import asyncpg

from core.db import DB
from core.text import search_form, sort_key
from core.validation import ValidationFailed, normalise_business_id, vat_number

NAME_MAX = 300
STATUSES = ("active", "inactive")
_POSTAL_FI = re.compile(r"^\d{5}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# OVT: 0037 + the eight digits of a Y-tunnus + up to five more; IBAN-style addresses too.
_EINVOICE = re.compile(r"^[0-9A-Z]{12,35}$")


class OrganizationNotFoundError(LookupError):
    """No such organization in this tenant."""


@dataclass(frozen=True)
class OrganizationInput:
    name: str
    business_id: str | None = None
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FI"
    einvoice_address: str = ""
    einvoice_operator: str = ""
    status: str = "active"


EDITABLE = tuple(f.name for f in fields(OrganizationInput))


def clean(data: OrganizationInput) -> OrganizationInput:
    errors: dict[str, tuple[str, str]] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = ("required", "the organization needs a name")
    elif len(name) > NAME_MAX:
        errors["name"] = ("too_long", f"the name may be at most {NAME_MAX} characters")
    business_id = None
    try:
        business_id = normalise_business_id(data.business_id)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    country = (data.country or "FI").strip().upper()
    if not _COUNTRY.match(country):
        errors["country"] = ("invalid", "use the two-letter country code, e.g. FI or SE")
    postal = (data.postal_code or "").strip()
    if postal and country in ("FI", "AX") and not _POSTAL_FI.match(postal):
        errors["postal_code"] = ("invalid", "a Finnish postal code has five digits, e.g. 00100")
    einvoice = (data.einvoice_address or "").strip().replace(" ", "").upper()
    if einvoice and not _EINVOICE.match(einvoice):
        errors["einvoice_address"] = (
            "invalid",
            "an e-invoice address is 12–35 letters or digits, e.g. 003701120389",
        )
    if data.status not in STATUSES:
        errors["status"] = ("invalid", "status must be active or inactive")
    if errors:
        raise ValidationFailed(errors)
    return OrganizationInput(
        name=name,
        business_id=business_id,
        street_address=(data.street_address or "").strip(),
        postal_code=postal,
        city=(data.city or "").strip(),
        country=country,
        einvoice_address=einvoice,
        einvoice_operator=(data.einvoice_operator or "").strip(),
        status=data.status,
    )


def _values(data: OrganizationInput) -> list:
    return [
        data.name,
        data.business_id,
        vat_number(data.business_id),
        data.street_address,
        data.postal_code,
        data.city,
        data.country,
        data.einvoice_address,
        data.einvoice_operator,
        data.status,
        search_form(data.name),
        sort_key(data.name),
    ]


async def _guarded(statement: str, *args) -> None:
    conn = DB.current_connection()
    try:
        # A savepoint, so a duplicate leaves the caller's transaction usable.
        async with conn.transaction():
            await conn.execute(statement, *args)
    except asyncpg.UniqueViolationError as exc:
        raise ValidationFailed(
            {"business_id": ("duplicate", "another organization has this business ID")}
        ) from exc


async def create_organization(data: OrganizationInput, *, actor: str = "") -> dict:
    data = clean(data)
    row_id = uuid.uuid4()
    await _guarded(
        "INSERT INTO organization (id, name, business_id, vat_number, street_address, "
        "postal_code, city, country, einvoice_address, einvoice_operator, status, search_name, "
        "sort_key, created_at, updated_at, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, "
        "$6, $7, $8, $9, $10, $11, $12, $13, now(), now(), $14, $14)",
        row_id,
        *_values(data),
        actor,
    )
    return {"id": row_id, "name": data.name, "business_id": data.business_id}


async def update_organization(
    org_id: uuid.UUID, data: OrganizationInput, *, actor: str = ""
) -> dict[str, tuple]:
    """Save; returns {field: (old, new)} for what changed."""
    data = clean(data)
    before = await get_organization(org_id)
    await _guarded(
        "UPDATE organization SET name = $2, business_id = $3, vat_number = $4, "
        "street_address = $5, postal_code = $6, city = $7, country = $8, einvoice_address = $9, "
        "einvoice_operator = $10, status = $11, search_name = $12, sort_key = $13, "
        "updated_at = now(), updated_by = $14 WHERE id = $1",
        org_id,
        *_values(data),
        actor,
    )
    return {
        name: (before[name], getattr(data, name))
        for name in EDITABLE
        if before[name] != getattr(data, name)
    }


async def get_organization(org_id: uuid.UUID) -> dict:
    row = await DB.current_connection().fetchrow("SELECT * FROM organization WHERE id = $1", org_id)
    if row is None:
        raise OrganizationNotFoundError(str(org_id))
    return dict(row)


async def organization_people(org_id: uuid.UUID) -> dict[str, list[dict]]:
    """Current and former people of the organization (from employment history)."""
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT ON (p.id) p.id, p.first_name, p.last_name, e.title, e.current, "
        "e.started_on, e.ended_on, p.left_organization_on, p.sort_key FROM employment e "
        "JOIN person p ON p.id = e.person WHERE e.organization = $1 AND p.merged_into IS NULL "
        "ORDER BY p.id, e.current DESC, e.started_on DESC NULLS LAST",
        org_id,
    )
    people = sorted((dict(r) for r in rows), key=lambda r: r["sort_key"])
    return {
        "current": [p for p in people if p["current"]],
        "former": [p for p in people if not p["current"]],
    }


async def list_organizations(limit: int = 100, offset: int = 0) -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT id, name, business_id, city, status FROM organization "
        "ORDER BY sort_key, id LIMIT $1 OFFSET $2",
        limit,
        offset,
    )
    return [dict(r) for r in rows]


async def count_organizations() -> int:
    return await DB.current_connection().fetchval("SELECT count(*) FROM organization")


async def delete_organization(org_id: uuid.UUID) -> bool:
    deleted = await DB.current_connection().fetchval(
        "DELETE FROM organization WHERE id = $1 RETURNING 1", org_id
    )
    return bool(deleted)
