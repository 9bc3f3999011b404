"""Retention codes in the reader's language (core.retention_rules keeps the codes only)."""

from __future__ import annotations

from web import request_labels
from web.i18n import _


def triggers() -> dict[str, str]:
    return {
        "relationship_ended": _("Asiakassuhteen päättymisestä"),
        "last_activity": _("Viimeisestä toiminnasta"),
        "created": _("Kortin luomisesta"),
    }


def trigger_hints() -> dict[str, str]:
    return {
        "relationship_ended": _(
            "Kortille merkitty asiakassuhteen päättymispäivä. Kortti, jolla päivää ei ole, ei "
            "vanhene tämän säännön mukaan."
        ),
        "last_activity": _(
            "Viimeisin kortin muutos, liitos sisältöön tai sisällön muutos ja yhteydenotto "
            "henkilöön."
        ),
        "created": _("Päivä, jolloin kortti luotiin rekisteriin."),
    }


def actions() -> dict[str, str]:
    return {
        "delete": _("Poistetaan"),
        "anonymise": _("Anonymisoidaan"),
    }


def hold_reasons() -> dict[str, str]:
    return request_labels.hold_kind_labels()


def all_retention_labels() -> dict[str, dict[str, str]]:
    return {
        "triggers": triggers(),
        "trigger_hints": trigger_hints(),
        "actions": actions(),
        "hold_reasons": hold_reasons(),
    }
