"""Content items as pages: the list (every kind or one, with filters, HTMX-updated), the
pipeline board of deals and ideas with stage moves, create/edit forms and deletion with a
confirmation. The item page with its links and participants is in `content_detail`.

Every handler builds the viewer from the signed-in user (`web.content_access.viewer_of`); what
that viewer may see is decided by the core queries, so a hidden item is a 404 like a missing one.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core import audit
from core.content import (
    ContentNotFoundError,
    ContentPermissionError,
    create_item,
    delete_item,
    move_stage,
    update_item,
)
from core.content_kinds import KINDS, STATUSES, Kind, get_kind
from core.content_queries import PAGE_SIZE, ItemFilter, list_items, pipeline
from core.db import DB
from core.validation import ValidationFailed
from core.visibility import Viewer
from web import content_labels as labels
from web.content_access import (
    actor_label,
    actor_of,
    area_options,
    item_or_404,
    may_write,
    organization_options,
    viewer_of,
)
from web.content_forms import content_input, error_messages, form_fields, item_values, read_form
from web.embed_fetch import prefetch_previews
from web.forms import ordered_errors, page_number, pager, render, tenant_context, wants_fragment
from web.i18n import _

LIST_TEMPLATE = "content/list.html"
BOARD_TEMPLATE = "content/board.html"
FORM_TEMPLATE = "content/form.html"
DELETE_TEMPLATE = "content/delete.html"
PIPELINE_KINDS = tuple(code for code, kind in KINDS.items() if kind.has_pipeline)
ALL_STAGES = tuple(dict.fromkeys(s for kind in KINDS.values() for s in kind.stages))
PARENT_CHOICES = 200


def _base() -> str:
    return f"{tenant_context()['base']}/content"


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def _filters(
    kind: str, status: str, stage: str, area: str, organization: str, mine: str, q: str, person: str
):
    """The filters as given (for the form) and as an ItemFilter; unknown values are ignored."""
    values = {
        "kind": kind if kind in KINDS else "",
        "status": status if status in STATUSES else "",
        "stage": stage if stage in ALL_STAGES else "",
        "area": area if _uuid_or_none(area) else "",
        "organization": organization if _uuid_or_none(organization) else "",
        "mine": "1" if mine in ("1", "on", "true") else "",
        "q": q.strip()[:200],
        # From a person page's "show all" link: only the items linked to that card.
        "person": person if _uuid_or_none(person) else "",
    }
    item_filter = ItemFilter(
        kind=values["kind"] or None,
        status=values["status"] or None,
        stage=values["stage"] or None,
        area_id=_uuid_or_none(values["area"]),
        organization_id=_uuid_or_none(values["organization"]),
        query=values["q"],
        mine=bool(values["mine"]),
        person_id=_uuid_or_none(values["person"]),
    )
    return values, item_filter


async def _person_name(person_id: uuid.UUID | None) -> str:
    """The card the list is narrowed to, by name (every staff member sees every card)."""
    if person_id is None:
        return ""
    row = await DB.current_connection().fetchrow(
        "SELECT first_name, last_name FROM person WHERE id = $1", person_id
    )
    return f"{row['first_name']} {row['last_name']}" if row else ""


async def _filter_options(viewer: Viewer) -> dict:
    return {
        "kind_options": labels.kind_options(),
        "status_options": [(s, labels.status(s)) for s in STATUSES],
        "stage_options": [(s, labels.stage(s)) for s in ALL_STAGES],
        "area_options": await area_options(viewer, for_filter=True),
        "organization_options": await organization_options(),
    }


async def _board_context(request: Request, viewer: Viewer, kind: Kind, message: str = "") -> dict:
    return {
        **tenant_context(),
        "current": "content",
        "labels": labels,
        "kind": kind,
        "pipeline_kinds": PIPELINE_KINDS,
        "board": await pipeline(viewer, kind.code),
        "can_write": may_write(request),
        "message": message,
    }


async def _form_page(
    request: Request,
    viewer: Viewer,
    kind: Kind,
    *,
    values: dict[str, str],
    item: dict | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    error_list = ordered_errors(errors or {}, form_fields(kind))
    parents: list[dict] = []
    for parent_kind in kind.parent_kinds:
        rows, _total = await list_items(viewer, ItemFilter(kind=parent_kind), limit=PARENT_CHOICES)
        parents += rows
    context = {
        **tenant_context(),
        "current": "content",
        "labels": labels,
        "kind": kind,
        "item": item,
        "values": values,
        "errors": errors or {},
        "error_list": error_list,
        "first_error": error_list[0][0] if error_list else None,
        "organization_options": await organization_options(),
        "area_options": await area_options(viewer),
        "parent_options": [(str(p["id"]), p["title"]) for p in parents],
        "status_options": [(s, labels.status(s)) for s in kind.statuses],
        "stage_options": [(s, labels.stage(s)) for s in kind.stages],
        "choice_options": {
            d.name: [(c, labels.choice(c)) for c in d.choices] for d in kind.details if d.choices
        },
        "action": f"{_base()}/{item['id']}/edit" if item else f"{_base()}/new",
    }
    # A form sent back with errors is not a success: 422 tells scripts and tests so.
    return render(request, FORM_TEMPLATE, context, status_code=422 if errors else 200)


def _kind_picker(request: Request, status_code: int = 200) -> Response:
    """The first step of a new item: its kind (the form's fields depend on it)."""
    context = {
        **tenant_context(),
        "current": "content",
        "labels": labels,
        "kind": None,
        "kind_options": labels.kind_options(),
    }
    return render(request, FORM_TEMPLATE, context, status_code=status_code)


class ContentPagesController(Controller):
    path = "/t/{tenant:str}/content"
    include_in_schema = False

    @get("/")
    async def list_page(
        self,
        request: Request,
        tenant: FromPath[str],
        kind: FromQuery[str] = "",
        status: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        area: FromQuery[str] = "",
        organization: FromQuery[str] = "",
        mine: FromQuery[str] = "",
        q: FromQuery[str] = "",
        page: FromQuery[str] = "",
        person: FromQuery[str] = "",
    ) -> Response:
        viewer = await viewer_of(request)
        values, item_filter = _filters(kind, status, stage, area, organization, mine, q, person)
        offset = (page_number(page) - 1) * PAGE_SIZE
        rows, total = await list_items(viewer, item_filter, limit=PAGE_SIZE, offset=offset)
        paging = pager(request.url.path, values, page_number(page), total, PAGE_SIZE)
        if paging.offset != offset:  # past the last page: show the last one
            rows, total = await list_items(
                viewer, item_filter, limit=PAGE_SIZE, offset=paging.offset
            )
        context = {
            **tenant_context(),
            "current": "content",
            "labels": labels,
            "filters": values,
            "rows": rows,
            "total": total,
            "pager": paging,
            "pipeline_kinds": PIPELINE_KINDS,
            "can_write": may_write(request),
            "filter_person": await _person_name(item_filter.person_id),
            **await _filter_options(viewer),
        }
        block = "results" if wants_fragment(request) else None
        return render(request, LIST_TEMPLATE, context, block=block)

    @get("/board")
    async def board(
        self, request: Request, tenant: FromPath[str], kind: FromQuery[str] = "deal"
    ) -> Response:
        spec = KINDS[kind] if kind in PIPELINE_KINDS else KINDS[PIPELINE_KINDS[0]]
        context = await _board_context(request, await viewer_of(request), spec)
        block = "board" if wants_fragment(request) else None
        return render(request, BOARD_TEMPLATE, context, block=block)

    @post("/{item_id:str}/stage")
    async def move(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        """Move a deal or idea to another stage (buttons on the board; HTMX swaps the board)."""
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        kind = get_kind(item["kind"])
        stage = str((await request.form()).get("stage") or "")
        if not kind.has_pipeline or stage not in kind.stages:
            context = await _board_context(
                request,
                viewer,
                kind if kind.has_pipeline else KINDS[PIPELINE_KINDS[0]],
                _("Vaihetta ei vaihdettu: valitse vaihe luettelosta."),
            )
            return render(request, BOARD_TEMPLATE, context, block="board", status_code=422)
        previous = await move_stage(viewer, item["id"], stage, actor=actor_label(request))
        await audit.record(
            "content.stage",
            actor=actor_of(request),
            object_kind="content_item",
            object_id=item["id"],
            detail={"kind": kind.code, "from": previous, "to": stage},
        )
        if not wants_fragment(request):
            return Redirect(f"{_base()}/board?kind={kind.code}", status_code=303)
        message = _("”%(title)s” siirrettiin vaiheeseen %(stage)s.") % {
            "title": item["title"],
            "stage": labels.stage(stage),
        }
        context = await _board_context(request, viewer, kind, message)
        return render(request, BOARD_TEMPLATE, context, block="board")

    @get("/new")
    async def new_form(
        self,
        request: Request,
        tenant: FromPath[str],
        kind: FromQuery[str] = "",
        parent: FromQuery[str] = "",
    ) -> Response:
        if kind not in KINDS:
            return _kind_picker(request)
        spec = KINDS[kind]
        values = dict.fromkeys(form_fields(spec), "")
        values.update(status="open", stage=spec.stages[0] if spec.stages else "", parent_id=parent)
        return await _form_page(request, await viewer_of(request), spec, values=values)

    @post("/new")
    async def create(self, request: Request, tenant: FromPath[str]) -> Response:
        form = await request.form()
        code = str(form.get("kind") or "")
        if code not in KINDS:
            return _kind_picker(request, status_code=422)
        spec, viewer = KINDS[code], await viewer_of(request)
        values = read_form(form, spec)
        try:
            item_id = await create_item(
                viewer, content_input(spec, values), actor=actor_label(request)
            )
        except ValidationFailed as exc:
            return await _form_page(
                request, viewer, spec, values=values, errors=error_messages(exc, spec)
            )
        await audit.record(
            "content.create",
            actor=actor_of(request),
            object_kind="content_item",
            object_id=item_id,
            detail={"kind": code, "private": values["private"] == "1"},
        )
        await prefetch_previews(request, item_id)
        return Redirect(f"{_base()}/{item_id}", status_code=303)

    @get("/{item_id:str}/edit")
    async def edit_form(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        spec = get_kind(item["kind"])
        values = item_values(item, spec)
        return await _form_page(request, viewer, spec, values=values, item=item)

    @post("/{item_id:str}/edit")
    async def save_edit(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await item_or_404(viewer, item_id)
        spec = get_kind(item["kind"])
        values = read_form(await request.form(), spec)
        try:
            changes = await update_item(
                viewer, item["id"], content_input(spec, values), actor=actor_label(request)
            )
        except ValidationFailed as exc:
            return await _form_page(
                request, viewer, spec, values=values, item=item, errors=error_messages(exc, spec)
            )
        except ContentNotFoundError as exc:
            raise NotFoundException() from exc
        if changes:
            await audit.record(
                "content.update",
                actor=actor_of(request),
                object_kind="content_item",
                object_id=item["id"],
                detail={"kind": spec.code, "fields": sorted(changes)},
            )
        await prefetch_previews(request, item["id"])
        return Redirect(f"{_base()}/{item['id']}", status_code=303)

    @get("/{item_id:str}/delete")
    async def delete_confirm(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await self._deletable(request, viewer, item_id)
        return self._delete_page(request, item)

    @post("/{item_id:str}/delete")
    async def delete(
        self, request: Request, tenant: FromPath[str], item_id: FromPath[str]
    ) -> Response:
        viewer = await viewer_of(request)
        item = await self._deletable(request, viewer, item_id)
        if str((await request.form()).get("confirm") or "") != "yes":
            # Only the confirmation page's own button deletes.
            return self._delete_page(request, item)
        try:
            removed = await delete_item(viewer, item["id"])
        except ContentPermissionError as exc:
            raise PermissionDeniedException() from exc
        await audit.record(
            "content.delete",
            actor=actor_of(request),
            object_kind="content_item",
            object_id=item["id"],
            detail={"kind": removed["kind"], "links": len(item["links"])},
        )
        return Redirect(f"{_base()}/?kind={removed['kind']}", status_code=303)

    @staticmethod
    async def _deletable(request: Request, viewer: Viewer, raw_id: str) -> dict:
        """The item if this viewer may delete it: admins, or the item's owner."""
        item = await item_or_404(viewer, raw_id)
        if viewer.role != "admin" and item["owner"] != viewer.user_id:
            raise PermissionDeniedException("only the owner or an admin deletes an item")
        return item

    @staticmethod
    def _delete_page(request: Request, item: dict) -> Response:
        context = {**tenant_context(), "current": "content", "labels": labels, "item": item}
        return render(request, DELETE_TEMPLATE, context)
