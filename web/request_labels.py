"""Translated names of data-subject request kinds, states and history steps (`core.requests`
holds only the codes). Functions, so each text is translated in the language of the request
that renders it."""

from __future__ import annotations

from core.audit import SELF_SERVICE_LABEL
from web.i18n import _


def kind_labels() -> dict[str, str]:
    return {
        "access": _("Tietojen tarkastus (pääsy tietoihin)"),
        "rectification": _("Tietojen oikaisu"),
        "erasure": _("Tietojen poisto"),
        "restriction": _("Käsittelyn rajoittaminen"),
        "portability": _("Tietojen siirto järjestelmästä toiseen"),
        "objection": _("Käsittelyn vastustaminen"),
        "withdrawal": _("Suostumuksen peruutus"),
    }


def status_labels() -> dict[str, str]:
    return {
        "received": _("Vastaanotettu"),
        "awaiting_code": _("Odottaa vahvistuskoodia"),
        "verified": _("Henkilöllisyys vahvistettu"),
        "in_progress": _("Käsittelyssä"),
        "completed": _("Valmis"),
        "refused": _("Hylätty"),
    }


def actor_text(label: str | None) -> str:
    """An actor label as shown: an end customer's own action in words (core.audit.Actor.user)."""
    if label == SELF_SERVICE_LABEL:
        return _("Asiakas itse (oma asiointi)")
    return label or ""


def hold_kind_labels() -> dict[str, str]:
    """Grounds of a legal hold (core.legal_holds), as the hold, erasure and retention pages say."""
    return {
        "open_invoice": _("Avoin lasku"),
        "debt_collection": _("Perintä"),
        "misuse_investigation": _("Väärinkäytöksen selvitys"),
        "bookkeeping": _("Kirjanpidon säilytysvelvollisuus"),
        "litigation": _("Oikeudenkäynti"),
    }


def erasure_outcome_labels() -> dict[str, str]:
    """How an erasure request ended (core.erasure_requests), also the note of its last step."""
    return {
        "erased": _("Kortti poistettiin"),
        "held": _("Kortti säilytettiin rajoitettuna säilytysvelvoitteen vuoksi"),
    }


def channel_labels() -> dict[str, str]:
    return {"staff": _("Henkilökunta kirjasi"), "self_service": _("Asiointisivu")}


def event_labels() -> dict[str, str]:
    return {
        "received": _("Pyyntö vastaanotettu"),
        "code_sent": _("Vahvistuskoodi lähetetty"),
        "code_wrong": _("Väärä vahvistuskoodi"),
        "verified": _("Henkilöllisyys vahvistettu"),
        "started": _("Käsittely aloitettu"),
        "completed": _("Pyyntö käsitelty"),
        "refused": _("Pyyntö hylätty"),
        "extended": _("Määräaikaa jatkettu"),
        "reminder_7": _("Muistutus: 7 päivää määräaikaan"),
        "reminder_2": _("Muistutus: 2 päivää määräaikaan"),
        "bundle_requested": _("Kopio tiedoista pyydetty"),
        "bundle_ready": _("Kopio tiedoista valmis"),
        "bundle_deleted": _("Kopio tiedoista poistettu (vanhentunut)"),
    }


def error_messages() -> dict[str, str]:
    """What a refused step tells the admin (core.requests.RequestError reasons)."""
    return {
        "not_allowed": _("Tätä vaihetta ei voi tehdä pyynnön nykyisessä tilassa."),
        "reason_required": _("Kirjoita perustelu."),
        "too_late": _(
            "Alkuperäinen määräaika on jo kulunut: jatkosta olisi pitänyt ilmoittaa ennen sitä."
        ),
        "bad_months": _(
            "Määräaikaa voi jatkaa enintään kaksi kuukautta alkuperäisestä määräajasta."
        ),
        "no_address": _("Pyynnöllä ei ole sähköpostiosoitetta, johon viestin voisi lähettää."),
        "bad_kind": _("Valitse pyynnön laji."),
        "wrong_code": _("Koodi ei ole oikein. Tarkista koodi ja yritä uudelleen."),
        "too_many_attempts": _(
            "Koodi on syötetty väärin liian monta kertaa. Uusi koodi on lähetettävä."
        ),
        "no_code": _("Voimassa olevaa koodia ei ole. Lähetä uusi koodi."),
    }
