"""Merging two business cards, in three steps under `/t/<slug>/persons/<id>/merge`.

1. `GET  …/merge?q=…` picks the other card: likely duplicates first, then a search box
   (search-as-you-type with HTMX answers only the `candidates` block; without JavaScript the
   form reloads the page).
2. `GET  …/merge/<other>` compares the cards side by side: one radio group per field that
   differs (the default is the survivor's non-empty value), and what will be moved or unioned.
   The card in the URL first is the one that stays; a link swaps the roles.
3. `POST …/merge/<other>` without `confirm=yes` shows the confirmation of the choices (nothing
   is changed); with it the cards are merged and the browser goes to the survivor's page (303).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core.duplicates import find_duplicates
from core.merge import merge_persons
from core.merge_plan import FIELDS, SIDES, MergeError, merge_preview
from core.persons import PersonInput, PersonMergedError, PersonNotFoundError, get_person
from core.search import search
from web import read_audit, register_audit
from web.forms import display_phone, parse_uuid, render, tenant_context, wants_fragment
from web.i18n import _
from web.register_audit import writer_label

PICK_TEMPLATE = "merge/pick.html"
COMPARE_TEMPLATE = "merge/compare.html"
CONFIRM_TEMPLATE = "merge/confirm.html"
REFUSED_TEMPLATE = "merge/refused.html"
CANDIDATES = 20


def _base() -> str:
    return tenant_context()["base"]


def _merge_url(person_id: uuid.UUID, other_id: uuid.UUID | None = None) -> str:
    return f"{_base()}/persons/{person_id}/merge" + (f"/{other_id}" if other_id else "")


def field_labels() -> dict[str, str]:
    return {
        "first_name": _("Etunimi"),
        "last_name": _("Sukunimi"),
        "title": _("Titteli"),
        "organization": _("Organisaatio"),
        "description": _("Kuvaus"),
    }


def _refusal_message(exc: MergeError) -> str:
    return {
        "same_card": _("Korttia ei voi yhdistää itsensä kanssa. Valitse toinen kortti."),
        "already_merged": _(
            "Kortti on jo yhdistetty toiseen korttiin. Avaa kortti uudelleen ja valitse "
            "yhdistettävä kortti sen kautta."
        ),
        "invalid_choice": _("Valitse jokaiselle kentälle arvo jommastakummasta kortista."),
        "conflict": _(
            "Kortteja ei voitu yhdistää, koska niiden liitetiedot ovat ristiriidassa. Mitään ei "
            "muutettu. Ota yhteys tukeen."
        ),
    }.get(exc.code, _("Kortteja ei voitu yhdistää. Mitään ei muutettu."))


def _refused(request: Request, exc: MergeError, person_id: uuid.UUID) -> Response:
    if exc.code == "not_found":
        raise NotFoundException() from exc
    status = 409 if exc.code in ("already_merged", "conflict") else 400
    context = {
        **tenant_context(),
        "current": "persons",
        "message": _refusal_message(exc),
        "person_url": f"{_base()}/persons/{person_id}",
    }
    return render(request, REFUSED_TEMPLATE, context, status_code=status)


async def _candidates(person_id: uuid.UUID, query: str) -> list[dict[str, Any]]:
    """Cards matching the search (departed ones too: an old card is a typical duplicate)."""
    if not query:
        return []
    found = await search(query, include_departed=True, limit=CANDIDATES * 2)
    rows = []
    for item in found.items:
        if item["kind"] != "person" or item["id"] == person_id:
            continue
        rows.append(
            {
                "id": item["id"],
                "label": item["label"],
                "title": item.get("title") or "",
                "organization_name": item.get("organization_name") or "",
                "left_on": item.get("left_organization_on"),
                "email": item.get("email") or "",
                "phone": display_phone(item.get("phone")),
            }
        )
    return rows[:CANDIDATES]


async def _suggestions(card: dict) -> list[dict]:
    """This card's likely duplicates: the usual reason to merge."""
    return await find_duplicates(
        PersonInput(
            first_name=card["first_name"],
            last_name=card["last_name"],
            emails=card["emails"],
            phones=card["phones"],
            organization_id=card["organization_id"],
        ),
        exclude_id=card["id"],
    )


async def _merged_into(person_id: uuid.UUID) -> uuid.UUID | None:
    try:
        await get_person(person_id)
    except PersonMergedError as merged:
        return merged.survivor_id
    except PersonNotFoundError:
        return None
    return None


def _resulting_card(preview: dict, choices: dict[str, str]) -> dict[str, Any]:
    """What the survivor will look like with these choices (for the confirmation)."""
    survivor, merged = preview["survivor"], preview["merged"]
    out: dict[str, Any] = {}
    for name in FIELDS:
        source = merged if choices[name] == "merged" else survivor
        if name == "organization":
            out["organization_name"] = source["organization_name"]
            out["left_organization_on"] = source["left_organization_on"]
        else:
            out[name] = source[name]
    out["emails"] = survivor["emails"] + preview["emails_moved"]
    out["phones"] = [display_phone(p) for p in survivor["phones"] + preview["phones_moved"]]
    out["keywords"] = preview["keywords"]
    return out


def _choices_from(form: Any, preview: dict) -> dict[str, str]:
    """The submitted choice of every field (tampered values are refused by core.merge)."""
    choices = {}
    for item in preview["fields"]:
        raw = str(form.get(item["name"]) or "")
        choices[item["name"]] = raw if raw else item["default"]
    return choices


class MergePagesController(Controller):
    path = "/t/{tenant:str}/persons/{person_id:str}/merge"
    include_in_schema = False

    @get("/")
    async def pick(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        q: FromQuery[str] = "",
    ) -> Response | Redirect:
        pid = parse_uuid(person_id)
        try:
            card = await get_person(pid)
        except PersonNotFoundError as exc:
            raise NotFoundException() from exc
        except PersonMergedError as merged:
            return Redirect(_merge_url(merged.survivor_id), status_code=303)
        query = q.strip()[:200]
        context = {
            **tenant_context(),
            "current": "persons",
            "person": card,
            "query": query,
            "candidates": await _candidates(pid, query),
            "merge_url": _merge_url(pid),
        }
        candidate_ids = [c["id"] for c in context["candidates"]]
        if wants_fragment(request):  # the search results only
            await read_audit.cards_read(request, candidate_ids, via="merge_pick")
            return render(request, PICK_TEMPLATE, context, block="candidates")
        context["suggestions"] = await _suggestions(card)
        shown = [pid, *(d["id"] for d in context["suggestions"]), *candidate_ids]
        await read_audit.cards_read(request, shown, via="merge_pick")
        return render(request, PICK_TEMPLATE, context)

    @get("/{other_id:str}")
    async def compare(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        other_id: FromPath[str],
    ) -> Response:
        pid, oid = parse_uuid(person_id), parse_uuid(other_id)
        try:
            preview = await merge_preview(pid, oid)
        except MergeError as exc:
            return _refused(request, exc, pid)
        # Coming back from the confirmation keeps the choices made (?first_name=merged…).
        choices = {
            f["name"]: value
            if (value := request.query_params.get(f["name"])) in SIDES
            else f["default"]
            for f in preview["fields"]
        }
        await read_audit.cards_read(request, [pid, oid], via="merge_compare")
        return self._compare_page(request, preview, choices, None)

    @post("/{other_id:str}")
    async def merge(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        other_id: FromPath[str],
    ) -> Response:
        pid, oid = parse_uuid(person_id), parse_uuid(other_id)
        try:
            preview = await merge_preview(pid, oid)
        except MergeError as exc:
            if exc.code == "already_merged" and await _merged_into(oid) == pid:
                # The same merge submitted twice (a double click, a reload): it is done.
                return Redirect(f"{_base()}/persons/{pid}", status_code=303)
            return _refused(request, exc, pid)
        form = await request.form()
        choices = _choices_from(form, preview)
        # Both cards are shown again (the comparison or the confirmation); a merge that
        # goes through shows nothing and is audited as the change it is.
        if any(value not in SIDES for value in choices.values()):
            await read_audit.cards_read(request, [pid, oid], via="merge_compare")
            return self._compare_page(
                request,
                preview,
                {f["name"]: f["default"] for f in preview["fields"]},
                _refusal_message(MergeError("invalid_choice", "")),
                status_code=400,
            )
        if str(form.get("confirm") or "") != "yes":
            context = {
                **tenant_context(),
                "current": "persons",
                "preview": preview,
                "choices": choices,
                "result": _resulting_card(preview, choices),
                "labels": field_labels(),
                "action": _merge_url(pid, oid),
            }
            await read_audit.cards_read(request, [pid, oid], via="merge_confirm")
            return render(request, CONFIRM_TEMPLATE, context)
        try:
            done = await merge_persons(pid, oid, choices, actor=writer_label(request))
        except MergeError as exc:
            return _refused(request, exc, pid)
        await register_audit.record(
            request,
            "person.merge",
            pid,
            via="page",
            merged=str(oid),
            merge=str(done["merge_id"]),
            fields=sorted(done["changes"]),
            moved={table: n for table, n in sorted(done["moved"].items()) if n},
        )
        return Redirect(f"{_base()}/persons/{pid}", status_code=303)

    @staticmethod
    def _compare_page(
        request: Request,
        preview: dict,
        choices: dict[str, str],
        error: str | None,
        status_code: int = 200,
    ) -> Response:
        survivor, merged = preview["survivor"], preview["merged"]
        context = {
            **tenant_context(),
            "current": "persons",
            "preview": preview,
            "survivor": survivor,
            "merged": merged,
            "choices": choices,
            "labels": field_labels(),
            "same_labels": [
                field_labels()[f["name"]] for f in preview["fields"] if not f["differs"]
            ],
            "error": error,
            "action": _merge_url(survivor["id"], merged["id"]),
            "swap_url": _merge_url(merged["id"], survivor["id"]),
            "phones": {
                "survivor": [display_phone(p) for p in survivor["phones"]],
                "merged": [display_phone(p) for p in merged["phones"]],
                "moved": [display_phone(p) for p in preview["phones_moved"]],
                "same": [display_phone(p) for p in preview["phones_same"]],
            },
        }
        return render(request, COMPARE_TEMPLATE, context, status_code=status_code)
