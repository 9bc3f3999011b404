"""Audit events for writes of business cards and organizations, from the pages and the API.

One event per write, appended in the request's tenant transaction, so it commits or rolls back
with the change (a refused write never reaches here). The actor is the signed-in user. Details
hold ids, counts, codes and the NAMES of the fields written, never their values: the values
are personal data and the audit trail outlives them. `via` says which door the write came
through ("page", "api", "import").

`writer_label` is what the rows themselves keep as `created_by` / `updated_by`.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from litestar import Request

from core import audit, provenance
from core.organizations import OrganizationInput
from core.persons import PersonInput
from web.content_access import actor_of

# created_by / updated_by of a caller that has neither an e-mail nor an id (an API key without
# a named owner, when keys come): at least says the write came through the API.
API_FALLBACK = "api"


def writer_label(request: Request) -> str:
    """The signed-in user's e-mail; a principal without one (a future API key) by its id."""
    user = request.scope.get("user") or {}
    return str(user.get("email") or user.get("id") or API_FALLBACK)


def filled_fields(data: PersonInput | OrganizationInput) -> list[str]:
    """The names of the fields a new record was given a value for (the values stay out)."""
    return sorted(name for name, value in asdict(data).items() if value)


async def record(
    request: Request, action: str, object_id: uuid.UUID, *, via: str, **detail: Any
) -> None:
    """Append `action` ("person.create", "organization.update", …) about `object_id`."""
    await audit.record(
        action,
        actor=actor_of(request),
        object_kind=action.split(".", 1)[0],
        object_id=object_id,
        detail={"via": via, **detail},
    )


async def person_created(
    request: Request, person_id: uuid.UUID, data: PersonInput, *, via: str, **detail: Any
) -> None:
    """A card staff created (the page, the API): audited, and its provenance ('staff', by which
    door, with the fields given) recorded (core.provenance)."""
    fields = filled_fields(data)
    await record(request, "person.create", person_id, via=via, fields=fields, **detail)
    await provenance.record_origin(
        person_id, "staff", detail=via, fields=fields, by=writer_label(request)
    )


async def person_updated(
    request: Request, person_id: uuid.UUID, changes: dict[str, tuple], *, via: str
) -> None:
    """A saved card; nothing is recorded when nothing changed (as for content items)."""
    if changes:
        await record(request, "person.update", person_id, via=via, fields=sorted(changes))


async def organization_created(
    request: Request, org_id: uuid.UUID, data: OrganizationInput, *, via: str, **detail: Any
) -> None:
    await record(
        request, "organization.create", org_id, via=via, fields=filled_fields(data), **detail
    )


async def organization_updated(
    request: Request, org_id: uuid.UUID, changes: dict[str, tuple], *, via: str
) -> None:
    if changes:
        await record(request, "organization.update", org_id, via=via, fields=sorted(changes))
