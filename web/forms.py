"""What the register's HTML pages share: reading forms, field errors in the user's language,
paging, and answering a whole page or just one of its blocks (the HTMX fragment).

Core validation says what is wrong as `(code, English explanation)`; the pages show a sentence
in the user's language that names the value and says what to do.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import phonenumbers
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException

from core.context import current_tenant
from core.organizations import NAME_MAX as ORGANIZATION_NAME_MAX
from core.organizations import OrganizationInput
from core.persons import KEYWORD_MAX, NAME_MAX, TITLE_MAX, PersonInput, clean_person, split_list
from core.validation import ValidationFailed, normalise_email, normalise_phone
from web.i18n import _

PAGE_SIZE = 20
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "emails",
    "phones",
    "title",
    "organization_id",
    "keywords",
    "description",
)
ORGANIZATION_FIELDS = (
    "name",
    "business_id",
    "street_address",
    "postal_code",
    "city",
    "country",
    "einvoice_address",
    "einvoice_operator",
    "status",
)


# --- requests and responses ----------------------------------------------------------------


def parse_uuid(value: str) -> uuid.UUID:
    """The id from a URL; anything that is not a UUID is a page that does not exist (404)."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError) as exc:
        raise NotFoundException() from exc


def wants_fragment(request: Request) -> bool:
    """An HTMX request swaps a block; its history restore (a cache miss) needs the whole page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


def tenant_context() -> dict[str, Any]:
    """The tenant and the URL prefix every link of the register's pages starts with."""
    tenant = current_tenant()
    return {"tenant": tenant, "base": f"/t/{tenant.slug}"}


def render(
    request: Request,
    template_name: str,
    context: Mapping[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """The whole page, or only `block` of it: one template serves a page and its fragments."""
    template = request.app.template_engine.get_template(template_name)  # type: ignore[union-attr]
    full = {**context, "request": request}
    if block is None:
        body = template.render(full)
    else:
        render_block = template.blocks[block]
        body = "".join(render_block(template.new_context(full)))
    return Response(body, media_type=MediaType.HTML, status_code=status_code)


# --- paging --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pager:
    number: int
    pages: int
    total: int
    size: int
    path: str
    params: tuple[tuple[str, str], ...]

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_item(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        return min(self.offset + self.size, self.total)

    def url(self, number: int) -> str:
        query = [(k, v) for k, v in self.params if v] + (
            [("page", str(number))] if number > 1 else []
        )
        return f"{self.path}?{urlencode(query)}" if query else self.path

    @property
    def prev_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.pages else None


def page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 10_000))
    except ValueError:
        return 1


def pager(path: str, params: Mapping[str, str], number: int, total: int, size: int) -> Pager:
    pages = max(1, math.ceil(total / size))
    return Pager(min(number, pages), pages, total, size, path, tuple(params.items()))


# --- display -------------------------------------------------------------------------------


def display_phone(e164: str | None) -> str:
    """+358401234567 → +358 40 1234567 (stored numbers are E.164 and always parse)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- reading forms -------------------------------------------------------------------------


def form_values(form: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The submitted text of each field, kept as typed so a failed form shows it again."""
    return {name: str(form.get(name) or "") for name in names}


def checked(form: Mapping[str, Any], name: str) -> bool:
    return str(form.get(name) or "") in ("1", "on", "true", "yes")


def _organization_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw.strip() else None
    except ValueError:
        return None


def person_input(values: Mapping[str, str]) -> PersonInput:
    """The card as typed (not validated); an organization id that is no UUID counts as none."""
    return PersonInput(
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        emails=split_list(values.get("emails", "")),
        phones=split_list(values.get("phones", "")),
        title=values.get("title", ""),
        organization_id=_organization_id(values.get("organization_id", "")),
        keywords=split_list(values.get("keywords", "")),
        description=values.get("description", ""),
    )


def check_person(values: Mapping[str, str]) -> PersonInput:
    """Validate every field at once (the core's rules); raises ValidationFailed."""
    data = person_input(values)
    errors: dict[str, tuple[str, str]] = {}
    raw_org = values.get("organization_id", "").strip()
    if raw_org and data.organization_id is None:
        errors["organization_id"] = ("unknown", "no such organization")
    try:
        clean_person(data)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise ValidationFailed(errors)
    return data


def organization_input(values: Mapping[str, str]) -> OrganizationInput:
    return OrganizationInput(
        name=values.get("name", ""),
        business_id=values.get("business_id") or None,
        street_address=values.get("street_address", ""),
        postal_code=values.get("postal_code", ""),
        city=values.get("city", ""),
        country=values.get("country") or "FI",
        einvoice_address=values.get("einvoice_address", ""),
        einvoice_operator=values.get("einvoice_operator", ""),
        status=values.get("status") or "active",
    )


def parse_date(raw: str) -> date:
    """A date as `2026-10-31` (date inputs) or `31.10.2026` (typed in Finnish)."""
    text = (raw or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationFailed({"left_on": ("invalid", f"{text!r} is not a date")})


# --- field errors in the user's language ---------------------------------------------------


def _first_invalid(raw: str, normalise: Callable[[str], Any]) -> str:
    for item in split_list(raw):
        try:
            normalise(item)
        except ValidationFailed:
            return item
    return raw.strip()


def _messages() -> dict[tuple[str, str], str]:
    # Built per call: the texts are translated into the language of the current request.
    return {
        ("first_name", "required"): _("Etunimi puuttuu. Kirjoita henkilön etunimi."),
        ("last_name", "required"): _("Sukunimi puuttuu. Kirjoita henkilön sukunimi."),
        ("first_name", "too_long"): _("Etunimi on liian pitkä: enintään %(max)s merkkiä."),
        ("last_name", "too_long"): _("Sukunimi on liian pitkä: enintään %(max)s merkkiä."),
        ("title", "too_long"): _("Titteli on liian pitkä: enintään %(max)s merkkiä."),
        ("keywords", "too_long"): _("Avainsana on liian pitkä: enintään %(max)s merkkiä."),
        ("emails", "invalid"): _(
            "Sähköpostiosoite ”%(value)s” ei kelpaa. Tarkista @-merkki ja verkkotunnus "
            "(esimerkiksi nimi@yritys.fi)."
        ),
        ("emails", "suppressed"): _(
            "Sähköpostiosoite kuuluu henkilölle, jonka tiedot on poistettu hänen pyynnöstään, "
            "joten korttia ei tallennettu. Poista osoite lomakkeelta. Jos henkilö on itse "
            "antanut sen uudelleen, pääkäyttäjä voi tallentaa kortin perustelun kanssa."
        ),
        ("phones", "suppressed"): _(
            "Puhelinnumero kuuluu henkilölle, jonka tiedot on poistettu hänen pyynnöstään, "
            "joten korttia ei tallennettu. Poista numero lomakkeelta. Jos henkilö on itse "
            "antanut sen uudelleen, pääkäyttäjä voi tallentaa kortin perustelun kanssa."
        ),
        ("phones", "invalid"): _(
            "Puhelinnumero ”%(value)s” ei kelpaa. Tarkista numerot; ulkomaiseen numeroon "
            "tarvitaan maatunnus (esimerkiksi +46 8 123 456)."
        ),
        ("organization_id", "unknown"): _(
            "Valittua organisaatiota ei löydy. Valitse organisaatio luettelosta uudelleen."
        ),
        ("name", "required"): _("Organisaation nimi puuttuu."),
        ("name", "too_long"): _("Nimi on liian pitkä: enintään %(max)s merkkiä."),
        ("business_id", "invalid_check_digit"): _(
            "Y-tunnuksen ”%(value)s” tarkistusnumero ei täsmää: viimeinen numero lasketaan "
            "seitsemästä ensimmäisestä, joten jokin numero on väärin. Tarkista tunnus "
            "esimerkiksi YTJ:stä."
        ),
        ("business_id", "invalid_format"): _(
            "”%(value)s” ei ole Y-tunnus. Y-tunnus on seitsemän numeroa, väliviiva ja "
            "tarkistusnumero, esimerkiksi 1234567-1."
        ),
        ("business_id", "duplicate"): _(
            "Rekisterissä on jo organisaatio tällä Y-tunnuksella. Etsi se haulla."
        ),
        ("postal_code", "invalid"): _(
            "Suomalainen postinumero on viisi numeroa, esimerkiksi 00100."
        ),
        ("country", "invalid"): _(
            "Anna maa kaksikirjaimisena maatunnuksena, esimerkiksi FI tai SE."
        ),
        ("einvoice_address", "invalid"): _(
            "Verkkolaskuosoite on 12–35 kirjainta tai numeroa, esimerkiksi 003701120389."
        ),
        ("status", "invalid"): _("Valitse tila: aktiivinen tai ei aktiivinen."),
        ("left_on", "invalid"): _("Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 31.10.2026."),
    }


_MAX_LENGTHS = {
    "first_name": NAME_MAX,
    "last_name": NAME_MAX,
    "title": TITLE_MAX,
    "keywords": KEYWORD_MAX,
    "name": ORGANIZATION_NAME_MAX,
}


def error_messages(exc: ValidationFailed, values: Mapping[str, str]) -> dict[str, str]:
    """{field: a sentence in the user's language saying what is wrong and what to do}."""
    messages = _messages()
    out: dict[str, str] = {}
    for field, (code, _english) in exc.errors.items():
        raw = values.get(field, "")
        if field == "emails":
            raw = _first_invalid(raw, normalise_email)
        elif field == "phones":
            raw = _first_invalid(raw, normalise_phone)
        template = messages.get((field, code))
        if template is None:
            out[field] = _("Tarkista tämä kenttä.")
            continue
        out[field] = template % {"value": raw.strip(), "max": _MAX_LENGTHS.get(field, "")}
    return out


def ordered_errors(errors: Mapping[str, str], order: tuple[str, ...]) -> list[tuple[str, str]]:
    """Errors in the order the fields appear on the form (for the summary and the focus)."""
    rank = {name: i for i, name in enumerate(order)}
    return sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank)))
