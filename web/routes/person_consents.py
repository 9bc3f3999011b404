"""Staff record a person's lawful bases, consents, objections and data sources on the person
page, and read each one's full history (append-only for consents and objections); the end
customer withdraws a consent or objects on their own page (/me/). Every write is audited by the
core service (consent.give / consent.withdraw / objection.make / objection.lift / basis.add /
basis.end / provenance.add, codes only).

With HTMX a form answers its section (errors inline, or the new state with a notice); without
JavaScript a saved form redirects back to the section on the person page, and a form with
mistakes comes back on the section's own page (the history page) with the errors.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core import audit
from core.consents import (
    ConsentInput,
    consent_history,
    consent_state,
    record_consent,
)
from core.customer_data import SubjectNotFoundError
from core.lawful_bases import BasisInput, BasisNotFoundError, add_basis, end_basis, list_bases
from core.objections import ObjectionInput, objection_history, record_objection
from core.persons import PersonMergedError, PersonNotFoundError, get_person
from core.provenance import ProvenanceInput, add_provenance, list_provenance
from core.self_service import own_card
from core.validation import ValidationFailed
from web import read_audit
from web.auth import SELF_ONLY, current_user
from web.forms import parse_uuid, render, tenant_context, wants_fragment
from web.i18n import _
from web.privacy_sections import (
    FORM_FIELDS,
    PRIVACY_SECTIONS,
    error_texts,
    privacy_context,
)
from web.privacy_sections import (
    privacy_section as section_fragment,
)

HISTORY_TEMPLATE = "privacy/history.html"
STAFF_CONSENT_METHODS = ("staff", "form")


def _notices() -> dict[str, str]:
    return {
        "bases": _("Oikeusperuste kirjattiin."),
        "bases_end": _("Oikeusperuste päättyi. Se näkyy historiassa."),
        "consents": _("Suostumusmerkintä kirjattiin. Se on voimassa heti."),
        "objections": _("Kieltomerkintä kirjattiin. Se on voimassa heti."),
        "provenance": _("Tietojen lähde kirjattiin."),
    }


async def _person(raw_id: str) -> dict:
    """The card of the URL; a merged-away or missing one is a 404 (the forms post to cards)."""
    try:
        return await get_person(parse_uuid(raw_id))
    except (PersonNotFoundError, PersonMergedError) as exc:
        raise NotFoundException() from exc


def _section(name: str) -> str:
    if name not in PRIVACY_SECTIONS:
        raise NotFoundException()
    return name


async def _save(section: str, person_id, values: dict, actor: audit.Actor) -> None:
    if section == "bases":
        await add_basis(
            person_id,
            BasisInput(
                activity_id=values["activity_id"],
                basis=values["basis"],
                since=values["since"],
                source=values["source"],
            ),
            actor=actor,
        )
    elif section == "consents":
        if values["given"] not in ("0", "1"):
            raise ValidationFailed({"given": ("required", "given or withdrawn")})
        data = ConsentInput(
            channel=values["channel"],
            purpose=values["purpose"],
            given=values["given"] == "1",
            method=values["method"] or "staff",
            notice_version=values["notice_version"],
            evidence=values["evidence"],
        )
        await record_consent(person_id, data, actor=actor, methods=STAFF_CONSENT_METHODS)
    elif section == "objections":
        data = ObjectionInput(
            kind=values["kind"],
            channel=values["objection_channel"],
            active=values["active"] != "0",
            method="staff",
            note=values["note"],
        )
        await record_objection(person_id, data, actor=actor)
    else:
        await add_provenance(
            person_id,
            ProvenanceInput(values["source_kind"], values["source_detail"], values["field"]),
            actor=actor,
        )


async def _history(section: str, person_id) -> list[dict]:
    if section == "bases":
        return await list_bases(person_id)
    if section == "consents":
        return await consent_history(person_id)
    if section == "objections":
        return await objection_history(person_id)
    return await list_provenance(person_id)


class PersonConsentsController(Controller):
    path = "/t/{tenant:str}/persons/{person_id:str}/privacy"
    include_in_schema = False

    async def _history_page(
        self, request: Request, person: dict, section: str, status: int = 200, **state
    ) -> Response:
        context = {
            **tenant_context(),
            "current": "persons",
            "person": person,
            "section": section,
            "rows": await _history(section, person["id"]),
            **await privacy_context(person["id"], section=section, **state),
        }
        return render(request, HISTORY_TEMPLATE, context, status_code=status)

    @get("/{privacy_section:str}/history")
    async def history(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        privacy_section: FromPath[str],
    ) -> Response:
        """The whole history of one section, newest first (append-only ones: every event)."""
        name = _section(privacy_section)
        person = await _person(person_id)
        await read_audit.cards_read(request, [person["id"]], via=f"history:{name}")
        return await self._history_page(request, person, name)

    @post("/{privacy_section:str}")
    async def add(
        self,
        request: Request,
        tenant: FromPath[str],
        person_id: FromPath[str],
        privacy_section: FromPath[str],
    ) -> Response:
        name = _section(privacy_section)
        person = await _person(person_id)
        form = await request.form()
        values = {f: str(form.get(f) or "").strip() for f in FORM_FIELDS[name]}
        try:
            await _save(name, person["id"], values, audit.Actor.user(current_user(request)))
        except ValidationFailed as exc:
            errors = error_texts(exc, name)
            if wants_fragment(request):
                return await section_fragment(
                    request, person, name, status=400, section=name, values=values, errors=errors
                )
            return await self._history_page(
                request, person, name, status=400, values=values, errors=errors
            )
        return await self._done(request, person, name, name)

    @post("/basis-end")
    async def end(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response:
        """End a current basis of this card (the form names it: `basis_id`); kept as history."""
        person = await _person(person_id)
        raw = str((await request.form()).get("basis_id") or "")
        try:
            basis_id = uuid.UUID(raw)
            await end_basis(person["id"], basis_id, actor=audit.Actor.user(current_user(request)))
        except (ValueError, BasisNotFoundError):
            return Response(
                _("Oikeusperustetta ei löytynyt tai se on jo päättynyt."), status_code=400
            )
        return await self._done(request, person, "bases", "bases_end")

    @staticmethod
    async def _done(request: Request, person: dict, name: str, what: str) -> Response:
        if wants_fragment(request):
            return await section_fragment(
                request, person, name, section=name, notice=_notices()[what]
            )
        base = tenant_context()["base"]
        return Redirect(f"{base}/persons/{person['id']}#section-{name}", status_code=303)


class SelfConsentsController(Controller):
    """The end customer's own consents and objections: withdraw a consent, object to direct
    marketing (one channel or all) or to the other uses, on their own card only."""

    path = "/t/{tenant:str}/me/privacy"
    opt = {"roles": SELF_ONLY}
    include_in_schema = False

    @staticmethod
    async def _card(request: Request) -> dict:
        person_id = current_user(request)["person"]
        if person_id is None:
            raise NotFoundException()
        try:
            return await own_card(person_id)
        except PersonNotFoundError as exc:
            raise NotFoundException() from exc

    @post("/withdraw")
    async def withdraw(self, request: Request, tenant: FromPath[str]) -> Response:
        """Withdraw a consent that is in force (nothing to withdraw: back to the page)."""
        card = await self._card(request)
        form = await request.form()
        channel, purpose = str(form.get("channel") or ""), str(form.get("purpose") or "")
        try:
            if await consent_state(card["id"], channel, purpose) is True:
                await record_consent(
                    card["id"],
                    ConsentInput(channel, purpose, given=False, method="self_service"),
                    actor=audit.Actor.user(current_user(request)),
                )
        except (ValidationFailed, SubjectNotFoundError):
            return Redirect(f"/t/{tenant}/me/?privacy=invalid#section-consents", status_code=303)
        return Redirect(f"/t/{tenant}/me/?privacy=withdrawn#section-consents", status_code=303)

    @post("/object")
    async def object(self, request: Request, tenant: FromPath[str]) -> Response:
        card = await self._card(request)
        form = await request.form()
        kind, channel = str(form.get("kind") or ""), str(form.get("channel") or "")
        try:
            await record_objection(
                card["id"],
                ObjectionInput(kind=kind, channel=channel, method="self_service"),
                actor=audit.Actor.user(current_user(request)),
            )
        except (ValidationFailed, SubjectNotFoundError):
            return Redirect(f"/t/{tenant}/me/?privacy=invalid#section-consents", status_code=303)
        return Redirect(f"/t/{tenant}/me/?privacy=objected#section-consents", status_code=303)
