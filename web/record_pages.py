"""Answering the customer-data sections (`web.record_sections`): the section as an HTMX fragment,
adding with inline field errors, deleting after a confirmation, ending a restriction; and the
data the person and organization pages need to draw them in the first place.

Without JavaScript every step still works: forms post normally, a change answers a redirect back
to the section on its page, a form with errors and a confirmation come as a page of their own.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from litestar import Request, Response
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from core import audit
from core.customer_data import RecordNotFoundError, Subject, SubjectNotFoundError, check_subject
from core.customer_preferences import active_restrictions
from core.person_timeline import person_timeline
from core.persons import get_person
from core.validation import ValidationFailed
from core.visibility import can_see_item
from web.auth import current_user
from web.content_access import viewer_of
from web.forms import (
    form_values,
    ordered_errors,
    page_number,
    parse_uuid,
    render,
    tenant_context,
    wants_fragment,
)
from web.i18n import _
from web.record_forms import labels, record_errors
from web.record_sections import SECTIONS, Acting, Owner, Section

FRAGMENT = "records/fragment.html"
PAGE = "records/page.html"
TIMELINE_PAGE = "records/timeline_page.html"
TIMELINE_FRAGMENT = "records/timeline_fragment.html"


async def acting(request: Request) -> Acting:
    return Acting(viewer=await viewer_of(request), actor=audit.Actor.user(current_user(request)))


async def owner_of(kind: str, raw_id: str, base: str, request: Request) -> Owner:
    """The card, organization or content item of the URL; 404 for anything else: a merged-away
    card, or an item the viewer may not see (answered like a missing one)."""
    owner_id = parse_uuid(raw_id)
    if kind == "item":
        if not await can_see_item((await acting(request)).viewer, owner_id):
            raise NotFoundException()
        return Owner(kind, owner_id, f"{base}/content/{owner_id}")
    try:
        await check_subject(Subject(kind, owner_id))
    except SubjectNotFoundError as exc:
        raise NotFoundException() from exc
    plural = "persons" if kind == "person" else "organizations"
    return Owner(kind, owner_id, f"{base}/{plural}/{owner_id}")


def section_of(owner: Owner, name: str) -> Section:
    section = SECTIONS[owner.kind].get(name)
    if section is None:
        raise NotFoundException()
    return section


async def section_context(
    owner: Owner,
    section: Section,
    who: Acting,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    confirm: uuid.UUID | None = None,
) -> dict[str, Any]:
    """What `records/section.html` draws: the rows, the form (as typed), errors, a notice."""
    error_list = ordered_errors(errors or {}, section.fields)
    return {
        **await section.load(owner, who),
        "name": section.name,
        "anchor": section.anchor,
        "owner_kind": owner.kind,
        "url": owner.section_url(section.name),
        "page_url": owner.page_url,
        "values": values or section.blank(),
        "errors": errors or {},
        "error_list": error_list,
        "first_error": error_list[0][0] if error_list else None,
        "notice": notice,
        "confirm": confirm,
        "can_end": section.end is not None,
    }


async def page_sections(owner: Owner, request: Request) -> dict[str, Any]:
    """Everything the person or organization page needs for its customer-data sections."""
    who = await acting(request)
    records = [
        await section_context(owner, section, who) for section in SECTIONS[owner.kind].values()
    ]
    context: dict[str, Any] = {"records": records, "record_labels": labels()}
    if owner.kind == "person":
        context["restrictions"] = await active_restrictions(owner.id)
        context["timeline"] = await timeline_context(owner, who, 1)
    return context


def _page_context(rec: dict[str, Any]) -> dict[str, Any]:
    return {**tenant_context(), "rec": rec, "record_labels": labels()}


def _answer(
    request: Request,
    owner: Owner,
    section: Section,
    rec: dict[str, Any],
    *,
    status: int = 200,
    changed: bool = False,
    restrictions: list[dict] | None = None,
) -> Response:
    context = {"rec": rec, "record_labels": labels(), "restrictions": restrictions}
    response = render(request, FRAGMENT, context, status_code=status)
    if changed:
        events = {f"kortisto:refresh-{name}": True for name in section.refreshes}
        response.headers["HX-Trigger"] = json.dumps(events)
    return response


async def _after_change(
    request: Request, owner: Owner, section: Section, who: Acting, notice: str
) -> Response:
    if not wants_fragment(request):
        return Redirect(f"{owner.page_url}#section-{section.anchor}", status_code=303)
    rec = await section_context(owner, section, who, notice=notice)
    # The badges on the card follow the restrictions (an out-of-band swap).
    restrictions = await active_restrictions(owner.id) if section.name == "preferences" else None
    return _answer(request, owner, section, rec, changed=True, restrictions=restrictions)


async def show_section(request: Request, owner: Owner, name: str) -> Response:
    section = section_of(owner, name)
    if not wants_fragment(request) and owner.kind != "item":
        return Redirect(f"{owner.page_url}#section-{section.anchor}", status_code=303)
    rec = await section_context(owner, section, await acting(request))
    if not wants_fragment(request):  # an item's page fetches its comments; this is the no-JS way
        return render(request, PAGE, _page_context(rec))
    return _answer(request, owner, section, rec)


async def add_record(request: Request, owner: Owner, name: str) -> Response:
    section = section_of(owner, name)
    who = await acting(request)
    values = form_values(await request.form(), section.fields)
    try:
        await section.add(owner, who, values)
    except ValidationFailed as exc:
        errors = record_errors(exc, values)
        rec = await section_context(owner, section, who, values=values, errors=errors)
        if wants_fragment(request):
            return _answer(request, owner, section, rec, status=422)
        return render(request, PAGE, _page_context(rec), status_code=422)
    except SubjectNotFoundError as exc:
        raise NotFoundException() from exc
    return await _after_change(request, owner, section, who, _("Tallennettu."))


async def confirm_delete(request: Request, owner: Owner, name: str, raw_id: str) -> Response:
    """The row in question with a confirm button (in place, or as a page without HTMX)."""
    section = section_of(owner, name)
    record_id = parse_uuid(raw_id)
    rec = await section_context(owner, section, await acting(request), confirm=record_id)
    if not any(row["id"] == record_id for row in rec["rows"]):
        raise NotFoundException()
    if wants_fragment(request):
        return _answer(request, owner, section, rec)
    return render(request, PAGE, _page_context(rec))


async def delete_record(request: Request, owner: Owner, name: str, raw_id: str) -> Response:
    section = section_of(owner, name)
    who = await acting(request)
    try:
        await section.delete(owner, who, parse_uuid(raw_id))
    except (RecordNotFoundError, SubjectNotFoundError) as exc:
        raise NotFoundException() from exc
    return await _after_change(request, owner, section, who, _("Poistettu."))


async def end_record(request: Request, owner: Owner, name: str, raw_id: str) -> Response:
    section = section_of(owner, name)
    if section.end is None:
        raise NotFoundException()
    who = await acting(request)
    try:
        await section.end(owner, who, parse_uuid(raw_id))
    except RecordNotFoundError as exc:
        raise NotFoundException() from exc
    return await _after_change(request, owner, section, who, _("Päättyi tänään."))


# --- the timeline --------------------------------------------------------------------------


async def timeline_context(owner: Owner, who: Acting, page: int) -> dict[str, Any]:
    entries, more = await person_timeline(who.viewer, owner.id, page=page)
    url = f"{owner.page_url}/timeline"
    return {
        "entries": entries,
        "page": page,
        "url": url,
        "next_url": f"{url}?page={page + 1}" if more else None,
        "content_url": f"{tenant_context()['base']}/content",
    }


async def show_timeline(request: Request, owner: Owner, page: str, part: str) -> Response:
    """HTMX: the next page's entries (`part=entries`) or the whole section after a change;
    without HTMX, a page of its own with previous and next links."""
    number = page_number(page)
    context = {
        **tenant_context(),
        "timeline": await timeline_context(owner, await acting(request), number),
        "record_labels": labels(),
        "page_url": owner.page_url,
    }
    if wants_fragment(request):
        block = "entries" if part == "entries" else "section"
        return render(request, TIMELINE_FRAGMENT, context, block=block)
    context["person"] = await get_person(owner.id)
    return render(request, TIMELINE_PAGE, context)
