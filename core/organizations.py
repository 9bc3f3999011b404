"""Organizations of the register (runs inside a tenant scope)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from core.db import DB
from core.tables import Organization
from core.validation import ValidationFailed, normalise_business_id

NAME_MAX = 300


@dataclass(frozen=True)
class OrganizationInput:
    name: str
    business_id: str | None = None


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
    if errors:
        raise ValidationFailed(errors)
    return OrganizationInput(name=name, business_id=business_id)


async def create_organization(data: OrganizationInput) -> dict:
    data = clean(data)
    row_id = uuid.uuid4()
    conn = DB.current_connection()
    try:
        # A savepoint, so a duplicate leaves the caller's transaction usable.
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO organization (id, name, business_id, created_at, updated_at) "
                "VALUES ($1, $2, $3, now(), now())",
                row_id,
                data.name,
                data.business_id,
            )
    except asyncpg.UniqueViolationError as exc:
        raise ValidationFailed(
            {"business_id": ("duplicate", f"an organization with {data.business_id} exists")}
        ) from exc
    return {"id": row_id, "name": data.name, "business_id": data.business_id}


async def list_organizations(limit: int = 100, offset: int = 0) -> list[dict]:
    return await (
        Organization.select(Organization.id, Organization.name, Organization.business_id)
        .order_by(Organization.name)
        .limit(limit)
        .offset(offset)
    )


async def delete_organization(org_id: uuid.UUID) -> bool:
    deleted = await DB.current_connection().fetchval(
        "DELETE FROM organization WHERE id = $1 RETURNING 1", org_id
    )
    return bool(deleted)
