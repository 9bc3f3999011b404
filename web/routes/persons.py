"""Business cards as pages: the list, the person page (henkilösivu), create/edit forms with the
duplicate warning, and marking that a person left their organization.

Every handler runs inside the tenant's transaction (web.middleware), so core services are
called directly. Ids come from the URL and are checked here: anything that is not a card of
this tenant is a 404, a merged-away card answers a redirect to the card it was merged into.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit, transfer_log
from core.attachments import Owner
from core.duplicates import find_duplicates
from core.organizations import OrganizationNotFoundError, get_organization, list_organizations
from core.persons import (
    PersonMergedError,
    PersonNotFoundError,
    create_person,
    get_person,
    list_persons,
    mark_left,
    update_person,
)
from core.restriction import ensure_not_restricted
from core.self_service import list_rectifications, self_account
from core.validation import ValidationFailed
from web import read_audit, register_audit
from web.auth import current_user
from web.content_access import actor_of, person_content
from web.forms import (
    PERSON_FIELDS,
    check_person,
    checked,
    display_phone,
    error_messages,
    form_values,
    ordered_errors,
    parse_date,
    parse_uuid,
    person_input,
    render,
    tenant_context,
    wants_fragment,
)
from web.i18n import DISPLAY_TIMEZONE, _
from web.privacy_sections import PRIVACY_SECTIONS, privacy_context, privacy_section
from web.record_pages import page_sections
from web.record_sections import Owner as RecordOwner
from web.register_audit import writer_label
from web.routes import person_privacy
from web.routes.attachments import attachment_section
from web.routes.search import results_page
from web.routes.self_service import field_labels
from web.routes.subject_requests import person_requests_context

FORM_TEMPLATE = "persons/form.html"
PAGE_TEMPLATE = "persons/detail.html"
LEAVE_TEMPLATE = "persons/leave.html"
# The person page's sections that later features fill; each is a block of the page template.
# (Contact history and the other customer data: web.routes.customer_records.)
SECTIONS = ("content", "consents", "requests", "transfers")
ORGANIZATION_CHOICES = 2000


def _url(person_id: uuid.UUID, suffix: str = "") -> str:
    return f"{tenant_context()['base']}/persons/{person_id}{suffix}"


async def _card(raw_id: str, suffix: str = "", status: int = 301) -> dict | Redirect:
    """The card, or a redirect to the card it was merged into; 404 for anything else."""
    person_id = parse_uuid(raw_id)
    try:
        return await get_person(person_id)
    except PersonNotFoundError as exc:
        raise NotFoundException() from exc
    except PersonMergedError as merged:
        return Redirect(_url(merged.survivor_id, suffix), status_code=status)


async def _organization_options(selected: str) -> list[tuple[str, str]]:
    """The organizations to choose from; the card's own is always among them."""
    rows = await list_organizations(limit=ORGANIZATION_CHOICES)
    options = [("", _("— ei organisaatiota —"))] + [(str(r["id"]), r["name"]) for r in rows]
    if selected and selected not in {value for value, _label in options}:
        try:
            org = await get_organization(uuid.UUID(selected))
            options.append((str(org["id"]), org["name"]))
        except (ValueError, OrganizationNotFoundError):
            pass
    return options


def _card_values(card: dict) -> dict[str, str]:
    return {
        "first_name": card["first_name"],
        "last_name": card["last_name"],
        "emails": "\n".join(card["emails"]),
        "phones": "\n".join(display_phone(p) for p in card["phones"]),
        "title": card["title"],
        "organization_id": str(card["organization_id"] or ""),
        "keywords": ", ".join(card["keywords"]),
        "description": card["description"],
    }


async def _form_page(
    request: Request,
    *,
    values: dict[str, str],
    person: dict | None = None,
    errors: dict[str, str] | None = None,
    duplicates: list[dict] | None = None,
    suppressed: bool = False,
) -> Response:
    error_list = ordered_errors(errors or {}, PERSON_FIELDS)
    tenant = tenant_context()
    persons_url = f"{tenant['base']}/persons"
    context = {
        **tenant,
        "current": "persons",
        "person": person,
        "values": values,
        "errors": errors or {},
        "error_list": error_list,
        "first_error": error_list[0][0] if error_list else None,
        "organizations": await _organization_options(values.get("organization_id", "")),
        "duplicates": duplicates or [],
        # An erased person's address: an admin may create the card with a written reason.
        "suppressed": suppressed and current_user(request)["role"] == "admin",
        "action": f"{persons_url}/{person['id']}/edit" if person else f"{persons_url}/new",
        # The card being edited is not a duplicate of itself.
        "duplicates_url": f"{persons_url}/duplicates"
        + (f"?exclude={person['id']}" if person else ""),
        **await person_privacy.form_context(person),  # the identity code field, when on
    }
    # The card being edited (its stored name is in the heading) and every likely duplicate
    # shown are read; one event for the form, none for an empty new-card form.
    shown = ([person["id"]] if person else []) + [d["id"] for d in duplicates or []]
    await read_audit.cards_read(request, shown, via="edit_form" if person else "duplicates")
    return render(request, FORM_TEMPLATE, context)


async def _save(request: Request, person: dict | None) -> Response:
    """Validate, warn about strong duplicates once, then save and go to the person page."""
    form = await request.form()
    values = form_values(form, PERSON_FIELDS)
    exclude = person["id"] if person else None
    duplicates = await find_duplicates(person_input(values), exclude_id=exclude)
    hetu_errors = await person_privacy.hetu_form_errors(form)
    override = ""
    if current_user(request)["role"] == "admin":
        override = str(form.get("suppression_reason") or "").strip()
    try:
        data = check_person(values)
        if hetu_errors:
            raise ValidationFailed({})
        strong = [d for d in duplicates if d["strength"] == "strong"]
        if strong and not checked(form, "save_anyway"):
            return await _form_page(request, values=values, person=person, duplicates=duplicates)
        if person:
            changes = await update_person(
                person["id"],
                data,
                actor=writer_label(request),
                suppression_override=bool(override),
            )
            person_id = person["id"]
        else:
            person_id = await create_person(
                data, actor=writer_label(request), suppression_override=bool(override)
            )
    except ValidationFailed as exc:
        errors = {**error_messages(exc, values), **hetu_errors}
        suppressed = any(code == "suppressed" for code, _english in exc.errors.values())
        return await _form_page(
            request,
            values=values,
            person=person,
            errors=errors,
            duplicates=duplicates,
            suppressed=suppressed,
        )
    if override:
        await audit.record(
            "person.suppression_override",
            actor=actor_of(request),
            object_kind="person",
            object_id=person_id,
            person_id=person_id,
            purpose="customer_service",
            detail={"reason_length": len(override)},
        )
    if person:
        await register_audit.person_updated(request, person_id, changes, via="page")
    else:
        await register_audit.person_created(request, person_id, data, via="page")
    await person_privacy.save_hetu(request, form, person_id)
    return Redirect(_url(person_id), status_code=303)


class PersonPagesController(Controller):
    path = "/t/{tenant:str}/persons"
    include_in_schema = False

    @get("/")
    async def list_page(
        self,
        request: Request,
        tenant: FromPath[str],
        q: FromQuery[str] = "",
        include_departed: FromQuery[str] = "",
        page: FromQuery[str] = "",
    ) -> Response:
        return await results_page(
            request,
            query=q,
            include_departed=include_departed in ("1", "on", "true"),
            page=page,
            current="persons",
        )

    @get("/summary")
    async def summary(self, request: Request, tenant: FromPath[str]) -> Response:
        """How many current cards there are (a fragment for the tenant's front page)."""
        _rows, total = await list_persons(limit=1)
        return render(request, "tenant_home.html", {"person_count": total}, block="person_count")

    @get("/new")
    async def new_form(
        self, request: Request, tenant: FromPath[str], organization_id: FromQuery[str] = ""
    ) -> Response:
        values = dict.fromkeys(PERSON_FIELDS, "")
        values["organization_id"] = organization_id  # "new card in this organization"
        return await _form_page(request, values=values)

    @post("/new")
    async def create(self, request: Request, tenant: FromPath[str]) -> Response:
        return await _save(request, None)

    @post("/duplicates")
    async def duplicates(
        self, request: Request, tenant: FromPath[str], exclude: FromQuery[str] = ""
    ) -> Response:
        """Likely duplicates of the card being typed: the form's `duplicates` block."""
        form = await request.form()
        values = form_values(form, PERSON_FIELDS)
        try:
            exclude_id = uuid.UUID(exclude) if exclude else None
        except ValueError:
            exclude_id = None
        found = await find_duplicates(person_input(values), exclude_id=exclude_id)
        await read_audit.cards_read(request, [d["id"] for d in found], via="duplicates")
        context = {**tenant_context(), "duplicates": found}
        return render(request, FORM_TEMPLATE, context, block="duplicates")

    @get("/{person_id:str}")
    async def person_page(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id)
        if isinstance(card, Redirect):
            return card
        card["phone_rows"] = [(p, display_phone(p)) for p in card["phones"]]
        is_admin = current_user(request)["role"] == "admin"
        context = {
            **tenant_context(),
            "current": "persons",
            "person": card,
            "rectifications": await list_rectifications(card["id"]),
            "field_labels": field_labels(),
            # Only admins invite; they see whether the person already has an account.
            "is_admin": is_admin,
            "self_account": await self_account(card["id"]) if is_admin else None,
            **await person_content(request, card["id"]),
            "attachment_section": await attachment_section(request, Owner("person", card["id"])),
            **await person_privacy.page_context(card["id"]),  # identity code, restriction
            **await person_requests_context(request, card["id"]),  # data-subject requests
            "person_transfers": await transfer_log.for_person(card["id"]),
        }
        context.update(await privacy_context(card["id"]))  # bases, consents, objections, sources
        owner = RecordOwner("person", card["id"], _url(card["id"]))
        context.update(await page_sections(owner, request))  # contact history, timeline, …
        await read_audit.cards_read(request, [card["id"]], via="page")
        return render(request, PAGE_TEMPLATE, context)

    @get("/{person_id:str}/section/{name:str}")
    async def section(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str], name: FromPath[str]
    ) -> Response | Redirect:
        """One section of the person page as a fragment (without HTMX: the page at it)."""
        if name not in SECTIONS and name not in PRIVACY_SECTIONS:
            raise NotFoundException()
        card = await _card(person_id, f"/section/{name}")
        if isinstance(card, Redirect):
            return card
        if not wants_fragment(request):
            return Redirect(_url(card["id"], f"#section-{name}"), status_code=303)
        context = {**tenant_context(), "person": card, **await person_content(request, card["id"])}
        if name == "requests":
            context.update(await person_requests_context(request, card["id"]))
        if name == "transfers":
            context["person_transfers"] = await transfer_log.for_person(card["id"])
        await read_audit.cards_read(request, [card["id"]], via=f"section:{name}")
        if name in PRIVACY_SECTIONS:  # web.privacy_sections draws these
            return await privacy_section(request, card, name)
        return render(request, PAGE_TEMPLATE, context, block=f"section_{name}")

    @get("/{person_id:str}/edit")
    async def edit_form(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, "/edit")
        if isinstance(card, Redirect):
            return card
        await ensure_not_restricted(card["id"], "edit")
        return await _form_page(request, values=_card_values(card), person=card)

    @post("/{person_id:str}/edit")
    async def save_edit(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        return await _save(request, card)

    @get("/{person_id:str}/leave")
    async def leave_confirm(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        """The confirmation step before marking the person as having left."""
        card = await _card(person_id, "/leave")
        if isinstance(card, Redirect):
            return card
        await ensure_not_restricted(card["id"], "edit")
        on = card["left_organization_on"] or datetime.now(DISPLAY_TIMEZONE).date()
        return self._leave_page(request, card, on.isoformat(), None)

    @post("/{person_id:str}/leave")
    async def leave(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        raw = str((await request.form()).get("left_on") or "")
        try:
            on = parse_date(raw)
        except ValidationFailed as exc:
            return self._leave_page(request, card, raw, error_messages(exc, {"left_on": raw}))
        await mark_left(card["id"], on, actor=writer_label(request))
        await register_audit.record(
            request,
            "person.leave",
            card["id"],
            via="page",
            organization=str(card["organization_id"] or ""),
            fields=["left_organization_on"],
        )
        return Redirect(_url(card["id"]), status_code=303)

    @staticmethod
    def _leave_page(
        request: Request, card: dict, value: str, errors: dict[str, str] | None
    ) -> Response:
        context = {
            **tenant_context(),
            "current": "persons",
            "person": card,
            "value": value,
            "errors": errors or {},
        }
        return render(request, LEAVE_TEMPLATE, context)
