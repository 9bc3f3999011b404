"""A card's protected parts: the personal identity code (reveal with a reason) and the
restriction of processing (Art. 18: mark with a reason, lift).

Both are audited in the request's transaction: `person.hetu_reveal`, `person.hetu_set`,
`person.hetu_remove`, `person.restrict`, `person.restrict_lift`. Details hold reason codes and
lengths, never the code or the note itself.

Also the helpers the card form and the person page use (`hetu_form_errors`, `save_hetu`,
`page_context`) and the answer to a refused edit of a restricted card (`restricted_response`).
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from core import audit, hetu, restriction
from core.persons import PersonMergedError, PersonNotFoundError, get_person
from core.restriction import ProcessingRestricted
from core.validation import ValidationFailed
from web.content_access import actor_of
from web.forms import checked, parse_uuid, render, tenant_context
from web.i18n import DISPLAY_TIMEZONE, _

HETU_TEMPLATE = "persons/hetu_reveal.html"
RESTRICTION_TEMPLATE = "persons/restriction.html"
REVEAL_REASONS = ("identification", "authority_request", "invoicing", "legal_claim", "other")
REVEAL_NOTE_MIN = 5
REVEAL_NOTE_MAX = 500


def _url(person_id: uuid.UUID, suffix: str = "") -> str:
    return f"{tenant_context()['base']}/persons/{person_id}{suffix}"


async def _card(raw_id: str, suffix: str = "", status: int = 301) -> dict | Redirect:
    """The card, or a redirect to the card it was merged into; 404 for anything else."""
    try:
        return await get_person(parse_uuid(raw_id))
    except PersonNotFoundError as exc:
        raise NotFoundException() from exc
    except PersonMergedError as merged:
        return Redirect(_url(merged.survivor_id, suffix), status_code=status)


def reveal_reason_labels() -> dict[str, str]:
    return {
        "identification": _("Henkilön tunnistaminen asiakaspalvelussa"),
        "authority_request": _("Viranomaisen tietopyyntö"),
        "invoicing": _("Laskutus tai perintä"),
        "legal_claim": _("Oikeudellinen vaatimus"),
        "other": _("Muu syy"),
    }


def restriction_reason_labels() -> dict[str, str]:
    return {
        "accuracy_contested": _("Henkilö kiistää tietojen paikkansapitävyyden"),
        "unlawful_processing": _("Käsittely on lainvastaista, henkilö vastustaa poistamista"),
        "legal_claims": _("Henkilö tarvitsee tietoja oikeudellista vaatimusta varten"),
        "objection_pending": _("Henkilön vastustusta selvitetään"),
        "other": _("Muu peruste"),
    }


def hetu_error_text(exc: ValidationFailed) -> str:
    code = exc.errors.get("hetu", ("", ""))[0]
    return {
        "invalid_format": _(
            "Henkilötunnuksen muoto on väärä. Oikea muoto on syntymäaika PPKKVV, välimerkki "
            "(-, + tai A–F, U–Y), kolme numeroa ja tarkistusmerkki, esimerkiksi 131052-308T."
        ),
        "invalid_date": _(
            "Henkilötunnuksen syntymäaikaa tai välimerkkiä ei ole olemassa. Tarkista "
            "päivä, kuukausi, vuosi ja vuosisadan merkki."
        ),
        "invalid_check": _(
            "Henkilötunnuksen tarkistusmerkki (viimeinen merkki) ei täsmää muihin merkkeihin: "
            "tunnuksessa on kirjoitusvirhe."
        ),
    }.get(code, _("Tarkista henkilötunnus."))


# --- the card form and the person page --------------------------------------------------------


async def form_context(person: dict | None) -> dict:
    """For the card form: whether the field shows, and the stored code masked."""
    on = await hetu.enabled()
    return {
        "hetu_enabled": on,
        "hetu_masked": await hetu.masked(person["id"]) if on and person else None,
    }


async def hetu_form_errors(form) -> dict[str, str]:
    """{"hetu": message} when a typed code is invalid (or codes are off); else {}."""
    raw = str(form.get("hetu") or "").strip()
    if not raw or checked(form, "hetu_remove"):
        return {}
    if not await hetu.enabled():
        return {"hetu": _("Henkilötunnuksia ei ole otettu käyttöön tässä rekisterissä.")}
    try:
        hetu.canonical(raw)
    except ValidationFailed as exc:
        return {"hetu": hetu_error_text(exc)}
    return {}


async def save_hetu(request: Request, form, person_id: uuid.UUID, *, via: str = "page") -> None:
    """After the card was saved: store, replace or remove its code, audited (never the code)."""
    if not await hetu.enabled():
        return
    raw = str(form.get("hetu") or "").strip()
    if checked(form, "hetu_remove"):
        if await hetu.set_code(person_id, None):
            await _audit(request, "person.hetu_remove", person_id, via=via)
    elif raw and await hetu.set_code(person_id, raw):
        await _audit(request, "person.hetu_set", person_id, via=via)


async def page_context(person_id: uuid.UUID) -> dict:
    """For the person page: the masked code and the restriction (since, reason)."""
    since = await restriction.restricted_since(person_id)
    reason = ""
    if since is not None:
        events = await audit.events(action_prefix="person.restrict", object_id=person_id, limit=1)
        if events and events[0]["action"] == "person.restrict":
            reason = restriction_reason_labels().get(events[0]["detail"].get("reason", ""), "")
    return {
        "hetu_masked": await hetu.masked(person_id),
        "restricted_at": since,
        "restriction_reason": reason,
    }


def restricted_response(request: Request, exc: Exception) -> Response:
    """A refused write of a restricted card: 409 with the reason (JSON for the API)."""
    assert isinstance(exc, ProcessingRestricted)
    message = _(
        "Henkilön tietojen käsittelyä on rajoitettu %(date)s alkaen (EU:n tietosuoja-asetuksen "
        "18 artikla). Käyntikorttia ei voi muuttaa eikä käyttää muuhun kuin säilyttämiseen, "
        "ennen kuin rajoitus poistetaan."
    ) % {"date": exc.since.astimezone(DISPLAY_TIMEZONE).strftime("%d.%m.%Y")}
    if "/api/" in request.url.path or "application/json" in request.headers.get("accept", ""):
        return Response(
            {
                "status": 409,
                "error": "processing_restricted",
                "detail": message,
                "purpose": exc.purpose,
                "restricted_since": exc.since.isoformat(),
            },
            status_code=409,
        )
    context = {
        **tenant_context(),
        "current": "persons",
        "person": {"id": exc.person_id},
        "mode": "refused",
        "message": message,
        "errors": {},
    }
    return render(request, RESTRICTION_TEMPLATE, context, status_code=409)


async def _audit(request: Request, action: str, person_id: uuid.UUID, **detail) -> None:
    await audit.record(
        action,
        actor=actor_of(request),
        object_kind="person",
        object_id=person_id,
        person_id=person_id,
        purpose="customer_service",  # staff at the register's pages; the reason is in detail
        detail=detail,
    )


# --- pages ------------------------------------------------------------------------------------


class PersonPrivacyController(Controller):
    path = "/t/{tenant:str}/persons/{person_id:str}"
    include_in_schema = False

    # The identity code: a reason first, then the code once.

    @get("/hetu")
    async def reveal_form(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, "/hetu")
        if isinstance(card, Redirect):
            return card
        if not await self._has_code(card["id"]):
            return self._reveal_page(request, card, {}, {}, none=True)
        return self._reveal_page(request, card, {}, {})

    @post("/hetu")
    async def reveal(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        if not await self._has_code(card["id"]):
            return self._reveal_page(request, card, {}, {}, none=True)
        form = await request.form()
        values = {"reason": str(form.get("reason") or ""), "note": str(form.get("note") or "")}
        errors = {}
        if values["reason"] not in REVEAL_REASONS:
            errors["reason"] = _("Valitse, miksi henkilötunnus näytetään.")
        note = values["note"].strip()
        if len(note) < REVEAL_NOTE_MIN:
            errors["note"] = _(
                "Kirjoita lyhyt perustelu (vähintään %(min)s merkkiä): mihin tunnusta tarvitaan."
            ) % {"min": REVEAL_NOTE_MIN}
        elif len(note) > REVEAL_NOTE_MAX:
            errors["note"] = _("Perustelu on liian pitkä: enintään %(max)s merkkiä.") % {
                "max": REVEAL_NOTE_MAX
            }
        if errors:
            return self._reveal_page(request, card, values, errors, status=422)
        code = await hetu.reveal(card["id"])
        await _audit(
            request,
            "person.hetu_reveal",
            card["id"],
            via="page",
            reason=values["reason"],
            note_length=len(note),
        )
        response = self._reveal_page(request, card, values, {}, revealed=code)
        response.headers["Cache-Control"] = "no-store"
        return response

    @staticmethod
    async def _has_code(person_id: uuid.UUID) -> bool:
        return await hetu.masked(person_id) is not None  # False: codes off, or none stored

    @staticmethod
    def _reveal_page(
        request: Request,
        card: dict,
        values: dict,
        errors: dict,
        *,
        revealed: str | None = None,
        none: bool = False,
        status: int = 200,
    ) -> Response:
        context = {
            **tenant_context(),
            "current": "persons",
            "person": card,
            "values": values,
            "errors": errors,
            "reasons": list(reveal_reason_labels().items()),
            "revealed": revealed,
            "none": none,
        }
        return render(request, HETU_TEMPLATE, context, status_code=status)

    # Restriction of processing.

    @get("/restriction")
    async def restriction_form(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, "/restriction")
        if isinstance(card, Redirect):
            return card
        return await self._restriction_page(request, card, {}, {})

    @post("/restriction")
    async def restrict(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        form = await request.form()
        values = {"reason": str(form.get("reason") or ""), "note": str(form.get("note") or "")}
        try:
            code, note = restriction.check_reason(values["reason"], values["note"])
        except ValidationFailed as exc:
            errors = {}
            for name, (kind, _english) in exc.errors.items():
                errors[name] = (
                    _("Valitse rajoituksen peruste.")
                    if name == "reason"
                    else _("Kuvaa peruste.")
                    if kind == "required"
                    else _("Kuvaus on liian pitkä: enintään %(max)s merkkiä.")
                    % {"max": restriction.NOTE_MAX}
                )
            return await self._restriction_page(request, card, values, errors, status=422)
        if await restriction.restrict(card["id"]):
            await _audit(
                request,
                "person.restrict",
                card["id"],
                via="page",
                reason=code,
                note_length=len(note),
            )
        return Redirect(_url(card["id"]), status_code=303)

    @post("/restriction/lift")
    async def lift(
        self, request: Request, tenant: FromPath[str], person_id: FromPath[str]
    ) -> Response | Redirect:
        card = await _card(person_id, status=303)
        if isinstance(card, Redirect):
            return card
        if await restriction.lift(card["id"]):
            await _audit(request, "person.restrict_lift", card["id"], via="page")
        return Redirect(_url(card["id"]), status_code=303)

    @staticmethod
    async def _restriction_page(
        request: Request, card: dict, values: dict, errors: dict, *, status: int = 200
    ) -> Response:
        context = {
            **tenant_context(),
            "current": "persons",
            "person": card,
            "mode": "lift" if await restriction.restricted_since(card["id"]) else "restrict",
            "values": values,
            "errors": errors,
            "reasons": [("", _("— valitse —")), *restriction_reason_labels().items()],
        }
        return render(request, RESTRICTION_TEMPLATE, context, status_code=status)
