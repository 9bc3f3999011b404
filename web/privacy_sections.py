"""The person page's privacy sections (issue 6, items 1–2): current lawful bases, consents per
channel and purpose, objections in force and provenance, each with an add form for staff and
the full append-only history one click away (web.routes.person_consents). And the end
customer's own view of their consents and objections (/me/).

`privacy_context` gives the person page what it draws; `privacy_section` answers one section as a
fragment (the person page's `/section/<name>` route delegates here for these names).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response

from core.consents import CHANNELS, STAFF_METHODS, current_consents
from core.lawful_bases import list_bases
from core.objections import active_objections
from core.processing import ensure_default_activities, list_activities
from core.provenance import STAFF_KINDS, list_provenance
from core.validation import ValidationFailed
from web.forms import ordered_errors, render, tenant_context
from web.i18n import _
from web.privacy_labels import all_labels

TEMPLATE = "privacy/_sections.html"
PRIVACY_SECTIONS = ("bases", "consents", "objections", "provenance")
# The form fields of each section, in the order they appear (errors are listed in this order).
FORM_FIELDS = {
    "bases": ("activity_id", "basis", "since", "source"),
    "consents": ("channel", "purpose", "given", "method", "notice_version", "evidence"),
    "objections": ("kind", "objection_channel", "active", "note"),
    "provenance": ("source_kind", "source_detail", "field"),
}
# How many rows of provenance the page shows (the history has them all).
PROVENANCE_SHOWN = 10


def error_texts(exc: ValidationFailed, section: str) -> dict[str, str]:
    """Core's field errors as sentences, under the names the form uses."""
    specific = {
        ("activity_id", "required"): _("Valitse käsittelytoimi."),
        ("activity_id", "inactive"): _("Käsittelytoimi ei ole enää käytössä. Valitse toinen."),
        ("basis", "invalid"): _("Valitse oikeusperuste a–f."),
        ("since", "invalid"): _("Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 31.10.2026."),
        ("since", "future"): _("Päivämäärä ei voi olla tulevaisuudessa."),
        ("source", "required"): _(
            "Kerro, mihin peruste perustuu, esimerkiksi sopimuksen numero tai lomake."
        ),
        ("source_detail", "required"): _("Anna ostetun luettelon myyjän tai kumppanin nimi."),
    }
    names = {"channel": "objection_channel"} if section == "objections" else {}
    out: dict[str, str] = {}
    for field, (code, _english) in exc.errors.items():
        if code == "too_long":
            text = _("Teksti on liian pitkä.")
        elif code in ("required", "invalid"):
            text = specific.get((field, code)) or _("Valitse vaihtoehto luettelosta.")
        else:
            text = specific.get((field, code)) or _("Tarkista tämä kenttä.")
        out[names.get(field, field)] = text
    return out


def _form_state(
    person_url: str, section: str, values: dict | None, errors: dict | None, notice: str
) -> dict:
    error_list = ordered_errors(errors or {}, FORM_FIELDS[section])
    return {
        "url": f"{person_url}/privacy/{section}",
        "history_url": f"{person_url}/privacy/{section}/history",
        "anchor": section,
        "values": values or {},
        "errors": errors or {},
        "error_list": error_list,
        "first_error": error_list[0][0] if error_list else None,
        "notice": notice,
    }


async def privacy_context(
    person_id: uuid.UUID,
    *,
    section: str = "",
    values: dict | None = None,
    errors: dict | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Everything the four sections draw; `section` names the one whose form was sent."""
    await ensure_default_activities()
    person_url = f"{tenant_context()['base']}/persons/{person_id}"
    forms = {
        name: _form_state(
            person_url,
            name,
            values if name == section else None,
            errors if name == section else None,
            notice if name == section else "",
        )
        for name in PRIVACY_SECTIONS
    }
    provenance = await list_provenance(person_id)
    labels = all_labels()
    activities = await list_activities(active_only=True)
    return {
        "privacy": {
            "forms": forms,
            "bases": await list_bases(person_id, current_only=True),
            "activity_options": [(str(a["id"]), a["name"]) for a in activities],
            "consents": await current_consents(person_id),
            "objections": await active_objections(person_id),
            "provenance": provenance[:PROVENANCE_SHOWN],
            "provenance_total": len(provenance),
            "labels": labels,
            "method_options": [(m, labels["methods"][m]) for m in STAFF_METHODS],
            "source_options": [(k, labels["sources"][k]) for k in STAFF_KINDS],
        }
    }


async def privacy_section(
    request: Request, person: dict, name: str, *, status: int = 200, **state: Any
) -> Response:
    """One section as a fragment (also the answer to an HTMX form post)."""
    context = {**tenant_context(), "person": person, **await privacy_context(person["id"], **state)}
    return render(request, TEMPLATE, context, block=f"section_{name}", status_code=status)


async def self_context(person_id: uuid.UUID) -> dict[str, Any]:
    """The end customer's own consents and objections (their page /me/)."""
    return {
        "privacy": {
            "consents": await current_consents(person_id),
            "objections": await active_objections(person_id),
            "labels": all_labels(),
            "channels": CHANNELS,
        }
    }
