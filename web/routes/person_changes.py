"""A card's field-level change history (old → new, who, when), one click from the person page.

Everyone who may see the card may see its history (all staff see every business card); the
page is a read of the person's data, audited as one person.read event (via "changes").
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core.change_history import list_changes
from core.db import DB
from core.persons import PersonMergedError, PersonNotFoundError, get_person
from web import read_audit
from web.forms import parse_uuid, render, tenant_context
from web.i18n import _
from web.privacy_labels import card_fields

TEMPLATE = "persons/changes.html"


def field_names() -> dict[str, str]:
    return {**card_fields(), "left_organization_on": _("Lähtöpäivä organisaatiosta")}


async def _organization_names(changes: list[dict]) -> dict[str, str]:
    """Organizations are stored by id: show their names (a deleted one keeps its id)."""
    ids = set()
    for change in changes:
        if change["field"] == "organization_id":
            for value in (change["old_value"], change["new_value"]):
                try:
                    ids.add(uuid.UUID(value))
                except ValueError:
                    pass
    if not ids:
        return {}
    rows = await DB.current_connection().fetch(
        "SELECT id, name FROM organization WHERE id = ANY($1::uuid[])", list(ids)
    )
    return {str(r["id"]): r["name"] for r in rows}


class PersonChangesController(Controller):
    path = "/t/{tenant:str}/persons/{person_id:str}/changes"
    include_in_schema = False

    @get("/")
    async def changes(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response:
        try:
            person = await get_person(parse_uuid(person_id))
        except PersonNotFoundError as exc:
            raise NotFoundException() from exc
        except PersonMergedError as merged:
            return Redirect(
                f"{tenant_context()['base']}/persons/{merged.survivor_id}/changes",
                status_code=301,
            )
        rows = await list_changes(person["id"])
        await read_audit.cards_read(request, [person["id"]], via="changes")
        context = {
            **tenant_context(),
            "current": "persons",
            "person": person,
            "rows": rows,
            "fields": field_names(),
            "organizations": await _organization_names(rows),
        }
        return render(request, TEMPLATE, context)
