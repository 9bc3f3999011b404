"""Labels and field errors of the customer-data forms (contact history, feedback, preferences and
restrictions, comments, orders, payments, seller contacts), in the language of the request.

Core says what is wrong as `(code, English explanation)`; here each becomes a sentence that
says what to do. Labels are built per call, so they are translated for the current request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import comments, customer_data, customer_preferences, organization_orders
from core import seller_contacts as sellers
from core.validation import ValidationFailed
from web.i18n import _


def channel_labels() -> dict[str, str]:
    return {
        "phone": _("Puhelu"),
        "email": _("Sähköposti"),
        "meeting": _("Tapaaminen"),
        "visit": _("Käynti"),
        "chat": _("Chat-keskustelu"),
        "letter": _("Kirje"),
        "social": _("Sosiaalinen media"),
        "other": _("Muu"),
    }


def direction_labels() -> dict[str, str]:
    return {"inbound": _("Asiakas otti yhteyttä"), "outbound": _("Otimme yhteyttä")}


def feedback_kind_labels() -> dict[str, str]:
    return {"feedback": _("Palaute"), "satisfaction": _("Tyytyväisyysvastaus")}


def preference_kind_labels() -> dict[str, str]:
    return {"personalisation": _("Personointi"), "restriction": _("Rajoitus")}


def restriction_labels() -> dict[str, str]:
    """What the badge on the card says while the restriction is in force."""
    return {
        "no_phone_calls": _("Ei puheluita"),
        "no_email": _("Ei sähköpostia"),
        "no_post": _("Ei postia"),
        "no_visits": _("Ei käyntejä"),
        "no_marketing": _("Ei markkinointia"),
        "other": _("Muu rajoitus"),
    }


def order_status_labels() -> dict[str, str]:
    return {
        "open": _("Avoin"),
        "delivered": _("Toimitettu"),
        "invoiced": _("Laskutettu"),
        "paid": _("Maksettu"),
        "cancelled": _("Peruttu"),
    }


def payment_method_labels() -> dict[str, str]:
    return {
        "bank_transfer": _("Tilisiirto"),
        "einvoice": _("Verkkolasku"),
        "card": _("Kortti"),
        "cash": _("Käteinen"),
        "other": _("Muu"),
    }


def item_kind_label(code: str) -> str:
    """A content item's kind in the user's language (the timeline shows linked items)."""
    labels = _content_labels()
    return labels.kind(code) if labels else code


def role_labels(codes: str) -> str:
    """'chair,secretary' → 'Puheenjohtaja, Sihteeri'."""
    labels = _content_labels()
    return ", ".join(labels.role(c) if labels else c for c in codes.split(",") if c)


def _content_labels():
    # The content vocabulary's labels are built alongside (issue 5, items 1–2); until they are
    # there the codes show as they are.
    try:
        from web import content_labels
    except ImportError:  # pragma: no cover - only before the content pages exist
        return None
    return content_labels


def labels() -> dict[str, Any]:
    """Every vocabulary at once, for the templates."""
    return {
        "item_kind": item_kind_label,
        "roles": role_labels,
        "channel": channel_labels(),
        "direction": direction_labels(),
        "feedback_kind": feedback_kind_labels(),
        "preference_kind": preference_kind_labels(),
        "restriction": restriction_labels(),
        "order_status": order_status_labels(),
        "payment_method": payment_method_labels(),
    }


_MAX_LENGTHS = {
    "summary": customer_data.SUMMARY_MAX,
    "comment": customer_data.COMMENT_MAX,
    "topic": customer_preferences.TOPIC_MAX,
    "value": customer_preferences.VALUE_MAX,
    "body": comments.BODY_MAX,
    "reference": organization_orders.REFERENCE_MAX,
    "description": organization_orders.DESCRIPTION_MAX,
    "seller_name": sellers.NAME_MAX,
    "seller_organization": sellers.ORGANIZATION_MAX,
    "subject": sellers.SUBJECT_MAX,
    "notes": sellers.NOTES_MAX,
}


def _specific() -> dict[tuple[str, str], str]:
    return {
        ("channel", "required"): _("Valitse kanava, esimerkiksi puhelu tai sähköposti."),
        ("direction", "required"): _("Valitse, kumpi otti yhteyttä."),
        ("summary", "required"): _("Kirjoita lyhyt yhteenveto yhteydenotosta."),
        ("happened_at", "invalid"): _(
            "”%(value)s” ei ole ajankohta. Anna päivä ja kellonaika, esimerkiksi 31.10.2026 14.30."
        ),
        ("score", "required"): _("Tyytyväisyysvastaus tarvitsee arvosanan 0–10."),
        ("score", "invalid"): _("Arvosana on kokonaisluku 0–10; ”%(value)s” ei kelpaa."),
        ("score", "out_of_range"): _("Arvosana on 0–10; ”%(value)s” ei ole sillä välillä."),
        ("score", "not_for_feedback"): _(
            "Arvosana annetaan vain tyytyväisyysvastaukselle. Tyhjennä arvosana tai valitse "
            "tyypiksi tyytyväisyysvastaus."
        ),
        ("comment", "required"): _("Kirjoita, mitä asiakas sanoi."),
        ("kind", "required"): _("Valitse tyyppi."),
        ("topic", "required"): _("Anna aihe, esimerkiksi kieli tai paras yhteydenottoaika."),
        ("value", "required"): _("Kirjoita asiakkaan toive omin sanoin."),
        ("body", "required"): _("Kommentti on tyhjä. Kirjoita kommentti."),
        ("amount", "required"): _("Anna summa, esimerkiksi 1 250,00."),
        ("amount", "invalid"): _("”%(value)s” ei ole summa. Anna summa, esimerkiksi 1 250,00."),
        ("amount", "negative"): _("Summa ei voi olla negatiivinen."),
        ("amount", "too_large"): _("Summa on liian suuri."),
        ("amount", "too_precise"): _("Summassa voi olla enintään kaksi desimaalia."),
        ("currency", "invalid"): _(
            "”%(value)s” ei ole valuuttakoodi. Anna kolmikirjaiminen ISO 4217 -koodi, "
            "esimerkiksi EUR tai SEK."
        ),
        ("order_id", "unknown"): _("Valittua tilausta ei löydy tältä organisaatiolta."),
        ("seller_name", "required"): _("Kirjoita myyjän nimi."),
        ("subject", "required"): _("Kirjoita, mitä asiaa yhteydenotto koski."),
        ("phone", "invalid"): _(
            "Puhelinnumero ”%(value)s” ei kelpaa. Tarkista numerot; ulkomaiseen numeroon "
            "tarvitaan maatunnus (esimerkiksi +46 8 123 456)."
        ),
        ("email", "invalid"): _(
            "Sähköpostiosoite ”%(value)s” ei kelpaa. Tarkista @-merkki ja verkkotunnus "
            "(esimerkiksi nimi@yritys.fi)."
        ),
    }


def _by_code() -> dict[str, str]:
    return {
        "required": _("Tämä tieto puuttuu."),
        "too_long": _("Teksti on liian pitkä: enintään %(max)s merkkiä."),
        "invalid": _("Valitse vaihtoehto luettelosta."),
        "future": _("Päivä ei voi olla tulevaisuudessa."),
    }


_DATE_FIELDS = ("received_on", "given_on", "ordered_on", "paid_on", "contacted_on")


def record_errors(exc: ValidationFailed, values: Mapping[str, str]) -> dict[str, str]:
    """{field: a sentence in the user's language saying what is wrong and what to do}."""
    specific, by_code = _specific(), _by_code()
    out: dict[str, str] = {}
    for field, (code, _english) in exc.errors.items():
        if field in _DATE_FIELDS and code == "invalid":
            template = _("Anna päivämäärä muodossa pp.kk.vvvv, esimerkiksi 31.10.2026.")
        else:
            template = specific.get((field, code)) or by_code.get(code, _("Tarkista tämä kenttä."))
        raw = str(values.get(field, "")).strip()
        out[field] = template % {"value": raw, "max": _MAX_LENGTHS.get(field, "")}
    return out
