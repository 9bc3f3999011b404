"""Translated labels of the content vocabulary (`core.content_kinds` holds only the codes).

Every kind (singular and plural), role, pipeline stage, status, kind-specific field and choice
code has a Finnish msgid here. `N_` only marks a text for extraction (`make i18n` passes
`-k N_`); the text is translated when a page is rendered, in the language of that request.
tests/web/test_content_labels.py fails for a code without a label, so a new kind cannot ship
untranslated.
"""

from __future__ import annotations

from core.content_kinds import KINDS
from web.i18n import gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the gettext no-op
    return message


# code -> (singular, plural)
KIND_LABELS: dict[str, tuple[str, str]] = {
    "deal": (N_("Kauppa tai tarjous"), N_("Kaupat ja tarjoukset")),
    "contract": (N_("Sopimus"), N_("Sopimukset")),
    "project": (N_("Projekti"), N_("Projektit")),
    "event": (N_("Tapahtuma"), N_("Tapahtumat")),
    "group": (N_("Ryhmä"), N_("Ryhmät")),
    "task": (N_("Tehtävä"), N_("Tehtävät")),
    "meeting": (N_("Kokous"), N_("Kokoukset")),
    "course": (N_("Kurssi"), N_("Kurssit")),
    "lecture": (N_("Luento"), N_("Luennot")),
    "exercise": (N_("Harjoitus"), N_("Harjoitukset")),
    "submission": (N_("Harjoituksen palautus"), N_("Harjoitusten palautukset")),
    "portfolio_work": (N_("Portfoliotyö"), N_("Portfoliotyöt")),
    "idea": (N_("Idea"), N_("Ideat")),
    "application": (N_("Hakemus"), N_("Hakemukset")),
    "job_application": (N_("Työhakemus"), N_("Työhakemukset")),
    "transport": (N_("Kuljetus"), N_("Kuljetukset")),
}

ROLE_LABELS: dict[str, str] = {
    "applicant": N_("Hakija"),
    "assignee": N_("Tehtävän hoitaja"),
    "assistant": N_("Assistentti"),
    "attendee": N_("Ilmoittautunut"),
    "author": N_("Tekijä"),
    "carrier_contact": N_("Kuljetusliikkeen yhteyshenkilö"),
    "chair": N_("Puheenjohtaja"),
    "client_contact": N_("Asiakkaan yhteyshenkilö"),
    "contact": N_("Yhteyshenkilö"),
    "decision_maker": N_("Päättäjä"),
    "driver": N_("Kuljettaja"),
    "evaluator": N_("Arvioija"),
    "handler": N_("Käsittelijä"),
    "influencer": N_("Vaikuttaja"),
    "interviewer": N_("Haastattelija"),
    "leader": N_("Vetäjä"),
    "member": N_("Jäsen"),
    "minutes_checker": N_("Pöytäkirjan tarkastaja"),
    "organiser": N_("Järjestäjä"),
    "owner": N_("Omistaja"),
    "participant": N_("Osallistuja"),
    "preparer": N_("Valmistelija"),
    "project_manager": N_("Projektipäällikkö"),
    "proposer": N_("Ehdottaja"),
    "recipient": N_("Vastaanottaja"),
    "recruiter": N_("Rekrytoija"),
    "referee": N_("Suosittelija"),
    "requester": N_("Pyytäjä"),
    "reviewer": N_("Tarkastaja"),
    "secretary": N_("Sihteeri"),
    "sender": N_("Lähettäjä"),
    "signer": N_("Allekirjoittaja"),
    "speaker": N_("Puhuja"),
    "student": N_("Opiskelija"),
    "submitter": N_("Palauttaja"),
    "teacher": N_("Opettaja"),
}

STAGE_LABELS: dict[str, str] = {
    "lead": N_("Liidi"),
    "qualified": N_("Kvalifioitu"),
    "offer": N_("Tarjous lähetetty"),
    "negotiation": N_("Neuvottelu"),
    "won": N_("Voitettu"),
    "lost": N_("Hävitty"),
    "new": N_("Uusi"),
    "evaluating": N_("Arvioitavana"),
    "approved": N_("Hyväksytty"),
    "in_progress": N_("Työn alla"),
    "implemented": N_("Toteutettu"),
    "rejected": N_("Hylätty"),
}

STATUS_LABELS: dict[str, str] = {
    "open": N_("Avoin"),
    "done": N_("Valmis"),
    "cancelled": N_("Peruttu"),
}

# Kind-specific fields by name: a name means the same thing in every kind that has it.
FIELD_LABELS: dict[str, str] = {
    "value": N_("Arvo (€)"),
    "probability": N_("Todennäköisyys (%)"),
    "offer_valid_until": N_("Tarjous voimassa asti"),
    "contract_number": N_("Sopimusnumero"),
    "notice_period": N_("Irtisanomisaika"),
    "signed_on": N_("Allekirjoitettu"),
    "budget": N_("Budjetti (€)"),
    "place": N_("Paikka"),
    "capacity": N_("Enimmäisosallistujamäärä"),
    "task_type": N_("Tehtävän tyyppi"),
    "due_on": N_("Määräpäivä"),
    "starts_at": N_("Alkamisaika (kellonaika)"),
    "agenda": N_("Esityslista"),
    "minutes": N_("Pöytäkirja"),
    "credits": N_("Opintopisteet"),
    "grade": N_("Arvosana"),
    "url": N_("Linkki"),
    "received_on": N_("Saapunut"),
    "position": N_("Haettava tehtävä"),
    "pickup": N_("Noutopaikka"),
    "delivery": N_("Toimituspaikka"),
    "tracking_code": N_("Seurantakoodi"),
}

CHOICE_LABELS: dict[str, str] = {
    "contact_request": N_("Yhteydenottopyyntö"),
    "follow_up": N_("Jatkotoimenpide"),
    "other": N_("Muu"),
}


def _translated(table: dict[str, str], code: str) -> str:
    # An unknown code (old data after a vocabulary change) shows as itself, never a 500.
    msgid = table.get(code)
    return gettext(msgid) if msgid else code


def kind(code: str) -> str:
    pair = KIND_LABELS.get(code)
    return gettext(pair[0]) if pair else code


def kind_plural(code: str) -> str:
    pair = KIND_LABELS.get(code)
    return gettext(pair[1]) if pair else code


def role(code: str) -> str:
    return _translated(ROLE_LABELS, code)


def stage(code: str) -> str:
    return _translated(STAGE_LABELS, code)


def status(code: str) -> str:
    return _translated(STATUS_LABELS, code)


def field(name: str) -> str:
    return _translated(FIELD_LABELS, name)


def choice(code: str) -> str:
    return _translated(CHOICE_LABELS, code)


def kind_options() -> list[tuple[str, str]]:
    """(code, label) of every kind, in the vocabulary's order."""
    return [(code, kind(code)) for code in KINDS]


def missing_labels() -> list[str]:
    """Codes of the vocabulary that have no label here (the test wants none)."""
    missing = []
    for code, spec in KINDS.items():
        if code not in KIND_LABELS:
            missing.append(f"kind {code}")
        missing += [f"role {r}" for r in spec.roles if r not in ROLE_LABELS]
        missing += [f"stage {s}" for s in spec.stages if s not in STAGE_LABELS]
        missing += [f"status {s}" for s in spec.statuses if s not in STATUS_LABELS]
        for detail in spec.details:
            if detail.name not in FIELD_LABELS:
                missing.append(f"field {detail.name}")
            missing += [f"choice {c}" for c in detail.choices if c not in CHOICE_LABELS]
    return sorted(set(missing))
