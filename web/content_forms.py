"""The content item form: reading it (as typed, so a failed form shows everything again),
turning it into a `ContentInput`, field errors in the user's language, and showing the
kind-specific fields (money, dates, numbers, choices) in the locale's format.

Kind-specific fields are named `detail_<name>` in the form; core reports their errors as
`details.<name>`, which `error_messages` maps back to the form field.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency

from core.content import ContentInput
from core.content_kinds import EMBED_URLS, DetailField, Kind
from core.validation import ValidationFailed
from web import content_labels as labels
from web.i18n import _, current_locale, format_date, format_decimal

COMMON_FIELDS = (
    "title",
    "status",
    "stage",
    "starts_on",
    "ends_on",
    "organization_id",
    "area_id",
    "parent_id",
    "description",
)
DETAIL_PREFIX = "detail_"
_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def detail_field_name(detail: DetailField) -> str:
    return DETAIL_PREFIX + detail.name


def form_fields(kind: Kind) -> tuple[str, ...]:
    """Every field of the kind's form, in the order they appear."""
    return (
        *COMMON_FIELDS,
        "private",
        *(detail_field_name(d) for d in kind.details),
        EMBED_URLS,
    )


def read_form(form: Mapping[str, Any], kind: Kind) -> dict[str, str]:
    values = {name: str(form.get(name) or "") for name in form_fields(kind)}
    values["private"] = "1" if values["private"] in ("1", "on", "true") else ""
    return values


def item_values(item: dict, kind: Kind) -> dict[str, str]:
    """The stored item as form values (for the edit form)."""
    values = {
        "title": item["title"],
        "status": item["status"],
        "stage": item["stage"] or "",
        "starts_on": item["starts_on"].isoformat() if item["starts_on"] else "",
        "ends_on": item["ends_on"].isoformat() if item["ends_on"] else "",
        "organization_id": str(item["organization"] or ""),
        "area_id": str(item["area"] or ""),
        "parent_id": str(item["parent"] or ""),
        "description": item["description"] or "",
        "private": "1" if item["private"] else "",
    }
    details = item.get("details") or {}
    for detail in kind.details:
        raw = details.get(detail.name)
        values[detail_field_name(detail)] = "" if raw is None else str(raw)
    values[EMBED_URLS] = "\n".join(details.get(EMBED_URLS) or [])
    return values


def _date(raw: str, field: str, errors: dict) -> dt.date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(_iso(text))
    except ValueError:
        errors[field] = ("invalid", "not a date")
        return None


def _iso(text: str) -> str:
    """`31.10.2026` (typed in Finnish) as `2026-10-31`; anything else unchanged."""
    match = _FINNISH_DATE.match(text.strip())
    if not match:
        return text.strip()
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _uuid(raw: str, field: str, errors: dict) -> uuid.UUID | None:
    if not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        errors[field] = ("unknown", "not an id")
        return None


def content_input(kind: Kind, values: Mapping[str, str]) -> ContentInput:
    """A ContentInput from form values; what the form itself can tell is wrong (a date that
    is no date) is raised together with nothing else, core checks the rest."""
    errors: dict[str, tuple[str, str]] = {}
    details = {}
    for detail in kind.details:
        raw = values.get(detail_field_name(detail), "")
        details[detail.name] = _iso(raw) if detail.type == "date" else raw
    details[EMBED_URLS] = values.get(EMBED_URLS, "")
    data = ContentInput(
        kind=kind.code,
        title=values.get("title", ""),
        description=values.get("description", ""),
        status=values.get("status") or "open",
        stage=values.get("stage", ""),
        starts_on=_date(values.get("starts_on", ""), "starts_on", errors),
        ends_on=_date(values.get("ends_on", ""), "ends_on", errors),
        organization_id=_uuid(values.get("organization_id", ""), "organization_id", errors),
        area_id=_uuid(values.get("area_id", ""), "area_id", errors),
        private=values.get("private") == "1",
        parent_id=_uuid(values.get("parent_id", ""), "parent_id", errors),
        details=details,
    )
    if errors:
        raise ValidationFailed(errors)
    return data


# --- errors --------------------------------------------------------------------------------


def _messages() -> dict[tuple[str, str], str]:
    # Built per call: translated into the language of the current request.
    date_hint = _("Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 31.10.2026.")
    return {
        ("title", "required"): _("Otsikko puuttuu. Kirjoita sisällölle otsikko."),
        ("title", "too_long"): _("Otsikko on liian pitkä: enintään 300 merkkiä."),
        ("description", "too_long"): _("Kuvaus on liian pitkä: enintään 20 000 merkkiä."),
        ("status", "unknown"): _("Valitse tila luettelosta."),
        ("stage", "unknown"): _("Valitse vaihe luettelosta."),
        ("stage", "no_pipeline"): _("Tällä sisältölajilla ei ole vaiheita."),
        ("starts_on", "invalid"): date_hint,
        ("ends_on", "invalid"): date_hint,
        ("ends_on", "before_start"): _("Päättymispäivä on ennen alkamispäivää."),
        ("organization_id", "unknown"): _(
            "Valittua organisaatiota ei löydy. Valitse organisaatio luettelosta uudelleen."
        ),
        ("area_id", "unknown"): _("Valittua liiketoiminta-aluetta ei löydy."),
        ("area_id", "archived"): _("Liiketoiminta-alue on arkistoitu. Valitse toinen alue."),
        ("area_id", "not_member"): _(
            "Et kuulu tähän liiketoiminta-alueeseen, joten et näkisi sisältöä itse. Valitse "
            "oma alueesi tai jätä alue tyhjäksi."
        ),
        ("parent_id", "required"): _("Valitse, mihin sisältöön tämä kuuluu."),
        ("parent_id", "unknown"): _("Valittua sisältöä ei löydy."),
        ("parent_id", "wrong_kind"): _("Tämä sisältö ei voi kuulua valitun lajiseen sisältöön."),
        ("parent_id", "self"): _("Sisältö ei voi kuulua itseensä."),
    }


def _detail_message(detail: DetailField, code: str) -> str:
    if code == "unknown":
        return _("Tällä sisältölajilla ei ole tätä kenttää.")
    if detail.type == "money":
        return _("Anna summa euroina, esimerkiksi 1500 tai 1500,50 (enintään kaksi desimaalia).")
    if detail.type == "int":
        return _("Anna kokonaisluku, esimerkiksi 12.")
    if detail.type == "date":
        return _("Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 31.10.2026.")
    if detail.type == "choice":
        return _("Valitse vaihtoehto luettelosta.")
    return _("Teksti on liian pitkä: enintään 5000 merkkiä.")


def error_messages(exc: ValidationFailed, kind: Kind) -> dict[str, str]:
    """{form field: a sentence in the user's language}; the field's label comes first."""
    messages = _messages()
    details = {d.name: d for d in kind.details}
    out: dict[str, str] = {}
    for key, (code, _english) in exc.errors.items():
        if key == f"details.{EMBED_URLS}":
            out[EMBED_URLS] = _(
                "Upotettavat osoitteet: anna yksi verkko-osoite riviä kohden (alkaa https://), "
                "enintään 10."
            )
            continue
        if key.startswith("details."):
            detail = details.get(key.removeprefix("details."))
            if detail is not None:
                field = detail_field_name(detail)
                out[field] = f"{labels.field(detail.name)}: {_detail_message(detail, code)}"
            continue
        out[key] = messages.get((key, code)) or _("Tarkista tämä kenttä.")
    return out


# --- showing kind-specific values ----------------------------------------------------------


def format_money(value: Any, locale: str | None = None) -> str:
    """An amount in euros in the locale's style (`1 500,00 €`, `€1,500.00`)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_currency(amount, "EUR", locale=locale or current_locale())


def display_value(detail: DetailField, value: Any) -> str:
    if value is None or value == "":
        return ""
    if detail.type == "money":
        return format_money(value)
    if detail.type == "int":
        return format_decimal(int(value))
    if detail.type == "date":
        try:
            return format_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if detail.type == "choice":
        return labels.choice(str(value))
    return str(value)


def detail_rows(kind: Kind, details: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field name, label, shown value) of the kind's fields that have a value."""
    rows = []
    for detail in kind.details:
        shown = display_value(detail, details.get(detail.name))
        if shown:
            rows.append((detail.name, labels.field(detail.name), shown))
    return rows
