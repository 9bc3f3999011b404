"""The privacy engine's codes in the reader's language: lawful bases as GDPR Art. 6(1) words
them (the official Finnish, Swedish and English texts), data categories, channels, purposes
(of consents, and of every contact or transfer), methods, objections and sources. Core keeps
the codes only (core.processing, core.consents, core.contact_gate, core.objections,
core.provenance)."""

from __future__ import annotations

from web.i18n import _


def lawful_bases() -> dict[str, str]:
    """Short names of the points of Art. 6(1), as the regulation words them."""
    return {
        "a": _("a) rekisteröidyn suostumus"),
        "b": _("b) sopimuksen täytäntöönpano"),
        "c": _("c) rekisterinpitäjän lakisääteisen velvoitteen noudattaminen"),
        "d": _(
            "d) rekisteröidyn tai toisen luonnollisen henkilön elintärkeiden etujen suojaaminen"
        ),
        "e": _("e) yleistä etua koskeva tehtävä tai julkisen vallan käyttäminen"),
        "f": _("f) rekisterinpitäjän tai kolmannen osapuolen oikeutettu etu"),
    }


def lawful_basis_texts() -> dict[str, str]:
    """The points of Art. 6(1) in full (the official text)."""
    return {
        "a": _(
            "rekisteröity on antanut suostumuksensa henkilötietojensa käsittelyyn yhtä tai "
            "useampaa erityistä tarkoitusta varten"
        ),
        "b": _(
            "käsittely on tarpeen sellaisen sopimuksen täytäntöön panemiseksi, jossa rekisteröity "
            "on osapuolena, tai sopimuksen tekemistä edeltävien toimenpiteiden toteuttamiseksi "
            "rekisteröidyn pyynnöstä"
        ),
        "c": _("käsittely on tarpeen rekisterinpitäjän lakisääteisen velvoitteen noudattamiseksi"),
        "d": _(
            "käsittely on tarpeen rekisteröidyn tai toisen luonnollisen henkilön elintärkeiden "
            "etujen suojaamiseksi"
        ),
        "e": _(
            "käsittely on tarpeen yleistä etua koskevan tehtävän suorittamiseksi tai "
            "rekisterinpitäjälle kuuluvan julkisen vallan käyttämiseksi"
        ),
        "f": _(
            "käsittely on tarpeen rekisterinpitäjän tai kolmannen osapuolen oikeutettujen etujen "
            "toteuttamiseksi, paitsi milloin henkilötietojen suojaa edellyttävät rekisteröidyn "
            "edut tai perusoikeudet ja -vapaudet syrjäyttävät tällaiset edut, erityisesti jos "
            "rekisteröity on lapsi"
        ),
    }


def data_categories() -> dict[str, str]:
    return {
        "contact": _("Yhteystiedot (nimi, sähköposti, puhelin, titteli)"),
        "organization": _("Organisaatio ja sen tiedot"),
        "content": _("Liitetyt sisällöt (kaupat, sopimukset, kokoukset…)"),
        "contact_history": _("Yhteydenpitohistoria"),
        "feedback": _("Palaute ja tyytyväisyysvastaukset"),
        "preferences": _("Asiakkaan toiveet ja rajoitukset"),
        "consents": _("Suostumukset ja kiellot"),
        "identity_code": _("Henkilötunnus"),
    }


def channels() -> dict[str, str]:
    return {
        "email": _("Sähköposti"),
        "sms": _("Tekstiviesti"),
        "phone": _("Puhelin"),
        "post": _("Posti"),
    }


def purposes() -> dict[str, str]:
    return {
        "direct_marketing": _("Suoramarkkinointi"),
        "newsletter": _("Uutiskirje"),
        "market_research": _("Markkinatutkimukset ja mielipidekyselyt"),
        "events": _("Tapahtumakutsut"),
    }


def contact_purposes() -> dict[str, str]:
    """Every purpose core.contact_gate knows: the consent purposes above and the ones that need
    no consent. The transfer log holds only these (core.transfer_gate takes no other)."""
    return {
        **purposes(),
        "publication": _("Julkaiseminen luetteloissa ja osoitetarroissa"),
        "profiling": _("Profilointi"),
        "customer_service": _("Asiakaspalvelu"),
        "transfer": _("Käsittely henkilötietojen käsittelijällä"),
        "export": _("Vienti"),
        "rights_request": _("Vastaus rekisteröidyn pyyntöön"),
        "account": _("Käyttäjätili (kutsu tai salasanan vaihto)"),
    }


def purpose_text(code: str | None) -> str:
    """A contact or transfer purpose in the reader's language (the Jinja filter `|purpose`);
    a code this list lacks is shown as it is."""
    return contact_purposes().get(code, code) if code else ""


def methods() -> dict[str, str]:
    return {
        "staff": _("Henkilökunnan kirjaama (puhelimessa tai tapaamisessa)"),
        "form": _("Lomakkeella"),
        "self_service": _("Henkilö itse omilla sivuillaan"),
        "import": _("Tuonnissa"),
        "api": _("Rajapinnan kautta"),
    }


def objection_kinds() -> dict[str, str]:
    return {
        "direct_marketing": _("Suoramarkkinointi"),
        "market_research": _("Markkinatutkimukset ja mielipidekyselyt"),
        "publication": _("Julkaiseminen luetteloissa ja osoitetarroissa"),
        "profiling": _("Profilointi"),
    }


def source_kinds() -> dict[str, str]:
    return {
        "staff": _("Henkilökunnan kirjaama"),
        "self_form": _("Henkilö itse lomakkeella"),
        "self_registration": _("Henkilön oma rekisteröityminen"),
        "import": _("Tiedostotuonti"),
        "purchased_list": _("Ostettu osoiteluettelo"),
        "public_register": _("Julkisen rekisterin päivitys"),
        "partner": _("Yhteistyökumppani"),
    }


def card_fields() -> dict[str, str]:
    return {
        "first_name": _("Etunimi"),
        "last_name": _("Sukunimi"),
        "emails": _("Sähköpostiosoitteet"),
        "phones": _("Puhelinnumerot"),
        "title": _("Titteli tai tehtävä"),
        "organization_id": _("Organisaatio"),
        "keywords": _("Avainsanat"),
        "description": _("Kuvaus"),
    }


def all_labels() -> dict[str, dict[str, str]]:
    return {
        "fields": card_fields(),
        "bases": lawful_bases(),
        "basis_texts": lawful_basis_texts(),
        "categories": data_categories(),
        "channels": channels(),
        "purposes": purposes(),
        "methods": methods(),
        "objections": objection_kinds(),
        "sources": source_kinds(),
    }
