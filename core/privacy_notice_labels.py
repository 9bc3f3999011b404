"""Words of the privacy notice for its codes, in Finnish, Swedish and English.

The notice is rendered when it is published (and for a public visitor without a session), so it
cannot use the web layer's catalogs; like core.access_bundle_labels, each entry is (fi, sv, en).
The standard paragraphs (rights, security, authority) are in core.privacy_notice_texts.
"""

from __future__ import annotations

LANGUAGES = ("fi", "sv", "en")

Words = tuple[str, str, str]

HEADINGS: dict[str, Words] = {
    "title": ("Tietosuojaseloste", "Dataskyddsbeskrivning", "Privacy notice"),
    "controller": ("Rekisterinpitäjä", "Personuppgiftsansvarig", "Controller"),
    "contact": (
        "Yhteyshenkilö rekisteriä koskevissa asioissa",
        "Kontaktperson i ärenden som gäller registret",
        "Contact person for matters concerning the register",
    ),
    "register_name": ("Rekisterin nimi", "Registrets namn", "Name of the register"),
    "purposes": (
        "Henkilötietojen käsittelyn tarkoitus ja oikeusperuste",
        "Ändamålen med behandlingen och den rättsliga grunden",
        "Purposes of processing and lawful basis",
    ),
    "data_content": ("Rekisterin tietosisältö", "Registrets datainnehåll", "Data we hold"),
    "sources": (
        "Säännönmukaiset tietolähteet",
        "Regelmässiga uppgiftskällor",
        "Regular sources of data",
    ),
    "disclosures": (
        "Tietojen säännönmukaiset luovutukset ja henkilötietojen käsittelijät",
        "Regelmässiga utlämnanden och personuppgiftsbiträden",
        "Regular disclosures, recipients and processors",
    ),
    "transfers": (
        "Tietojen siirto EU:n tai ETA:n ulkopuolelle",
        "Överföring av uppgifter utanför EU eller EES",
        "Transfers outside the EU or EEA",
    ),
    "retention": (
        "Henkilötietojen säilytysaika",
        "Lagringstid för personuppgifter",
        "How long data is kept",
    ),
    "security": (
        "Rekisterin suojauksen periaatteet",
        "Principer för skyddet av registret",
        "How the register is protected",
    ),
    "automated_decisions": (
        "Automaattinen päätöksenteko ja profilointi",
        "Automatiserat beslutsfattande och profilering",
        "Automated decision-making and profiling",
    ),
    "cookies": (
        "Evästeet ja analytiikka verkkosivustoilla",
        "Kakor och analys på webbplatserna",
        "Cookies and analytics on our websites",
    ),
    "rights": (
        "Rekisteröidyn oikeudet ja niiden käyttäminen",
        "Den registrerades rättigheter och hur de används",
        "Your rights and how to use them",
    ),
    "authority": ("Valvontaviranomainen", "Tillsynsmyndighet", "Supervisory authority"),
    "version": ("Selosteen versio", "Beskrivningens version", "Version of this notice"),
}

LAWFUL_BASES: dict[str, Words] = {
    "a": ("rekisteröidyn suostumus", "den registrerades samtycke", "consent"),
    "b": (
        "sopimuksen täytäntöönpano tai sitä edeltävät toimet",
        "fullgörande av ett avtal eller åtgärder före avtal",
        "performance of a contract or steps before one",
    ),
    "c": (
        "rekisterinpitäjän lakisääteinen velvoite",
        "en rättslig förpliktelse för den personuppgiftsansvarige",
        "a legal obligation of the controller",
    ),
    "d": (
        "elintärkeiden etujen suojaaminen",
        "skydd av grundläggande intressen",
        "protection of vital interests",
    ),
    "e": (
        "yleistä etua koskeva tehtävä tai julkisen vallan käyttö",
        "uppgift av allmänt intresse eller myndighetsutövning",
        "a task in the public interest or official authority",
    ),
    "f": (
        "rekisterinpitäjän tai kolmannen osapuolen oikeutettu etu",
        "den personuppgiftsansvariges eller tredje parts berättigade intresse",
        "legitimate interests of the controller or a third party",
    ),
}

DATA_ITEMS: dict[str, Words] = {
    "name": ("etu- ja sukunimi", "för- och efternamn", "first and last name"),
    "email": ("sähköpostiosoite", "e-postadress", "e-mail address"),
    "phone": ("puhelinnumero", "telefonnummer", "phone number"),
    "title": ("titteli tai tehtävä", "titel eller befattning", "title or role"),
    "organization": (
        "organisaatio, jossa henkilö työskentelee",
        "organisationen där personen arbetar",
        "the organization the person works for",
    ),
    "employment_history": (
        "aiemmat työpaikat (henkilö suljetaan hakutuloksista, kun hän lähtee)",
        "tidigare arbetsplatser (personen döljs i sökresultat när hen slutar)",
        "former employers (a person who leaves is hidden from search)",
    ),
    "business_id": ("organisaation Y-tunnus", "organisationens FO-nummer", "business ID"),
    "address": (
        "organisaation katuosoite, postinumero ja postitoimipaikka",
        "organisationens gatuadress, postnummer och postanstalt",
        "the organization's street address, postal code and city",
    ),
    "einvoice": (
        "verkkolaskuosoite",
        "e-fakturaadress",
        "e-invoicing address",
    ),
    "keywords": ("avainsanat", "nyckelord", "keywords"),
    "description": ("kuvaus henkilöstä", "beskrivning av personen", "a description"),
    "identity_code": (
        "henkilötunnus (salattuna, vain perustellusta syystä)",
        "personbeteckning (krypterad, endast av motiverat skäl)",
        "personal identity code (encrypted, only for a stated reason)",
    ),
    "content": (
        "sisällöt, joihin henkilö on liitetty, ja hänen roolinsa niissä",
        "innehåll som personen är kopplad till och hens roll i dem",
        "items the person is linked to and their role in them",
    ),
    "comments": (
        "kommentit ja kuvaukset",
        "kommentarer och beskrivningar",
        "comments and descriptions",
    ),
    "attachments": ("liitetiedostot", "bifogade filer", "attached files"),
    "contact_history": (
        "asiakaspalvelun yhteydenottohistoria",
        "kundtjänstens kontakthistorik",
        "history of contacts with customer service",
    ),
    "feedback": ("asiakaspalaute", "kundrespons", "customer feedback"),
    "satisfaction": (
        "asiakkaan antamat tyytyväisyysvastaukset",
        "kundens svar om nöjdhet",
        "satisfaction answers the customer gave",
    ),
    "personalisation": (
        "asiakkaan itse antamat personoivat tiedot",
        "personaliseringsuppgifter som kunden själv gett",
        "personalisation the customer gave",
    ),
    "restriction": (
        "asiakkaan itse asettamat rajoitteet",
        "begränsningar som kunden själv satt",
        "restrictions the customer set",
    ),
    "orders": (
        "tilaus- ja maksutiedot organisaatiotasolla (ei henkilötasolla)",
        "order- och betalningsuppgifter på organisationsnivå (inte per person)",
        "orders and payments at organization level (not per person)",
    ),
    "seller_contacts": (
        "meihin yhteyttä ottaneiden myyjien nimi, organisaatio, yhteystiedot ja asia",
        "namn, organisation, kontaktuppgifter och ärende för säljare som kontaktat oss",
        "name, organization, contact details and subject of sellers who contacted us",
    ),
    "consents": (
        "suostumukset kanavittain ja niiden historia",
        "samtycken per kanal och deras historik",
        "consents per channel and their history",
    ),
    "objections": (
        "kiellot (esim. suoramarkkinointi) ja niiden historia",
        "förbud (t.ex. direktmarknadsföring) och deras historik",
        "objections (e.g. to direct marketing) and their history",
    ),
    "account": (
        "asiakkaan käyttäjätunnus palveluun",
        "kundens användarkonto i tjänsten",
        "the customer's user account",
    ),
    "requests": (
        "rekisteröidyn pyynnöt ja niiden käsittely",
        "den registrerades begäranden och hur de behandlats",
        "requests you made and how they were handled",
    ),
    "log": (
        "lokitiedot tietojen katselusta ja muutoksista",
        "loggar över visning och ändring av uppgifterna",
        "logs of who viewed and changed the data",
    ),
}

CONTENT_KINDS: dict[str, Words] = {
    "deal": ("kaupat, tarjoukset ja myyntiputki", "affärer, offerter och säljtratt", "deals"),
    "contract": ("sopimukset", "avtal", "contracts"),
    "project": ("projektit", "projekt", "projects"),
    "event": ("tapahtumat", "evenemang", "events"),
    "group": ("ryhmät", "grupper", "groups"),
    "task": ("tehtävät (esim. yhteydenotto)", "uppgifter (t.ex. kontakt)", "tasks"),
    "meeting": (
        "esityslistat ja pöytäkirjat",
        "föredragningslistor och protokoll",
        "agendas and minutes",
    ),
    "course": ("kurssit", "kurser", "courses"),
    "lecture": ("luennot", "föreläsningar", "lectures"),
    "exercise": ("harjoitukset", "övningar", "exercises"),
    "submission": ("harjoitusten palautukset", "inlämningar", "submissions"),
    "portfolio_work": ("portfoliotyöt", "portfolioarbeten", "portfolio works"),
    "idea": ("ideat ja ideaputki", "idéer", "ideas"),
    "application": ("hakemukset", "ansökningar", "applications"),
    "job_application": ("työhakemukset", "arbetsansökningar", "job applications"),
    "transport": ("kuljetukset", "transporter", "transports"),
}

SOURCES: dict[str, Words] = {
    "staff": (
        "henkilö itse asioinnin yhteydessä; henkilökunta kirjaa tiedot",
        "personen själv i samband med kontakter; personalen för in uppgifterna",
        "you, when dealing with us; our staff record it",
    ),
    "self_form": (
        "henkilö itse lomakkeella tai omalla sivullaan",
        "personen själv via formulär eller sin egen sida",
        "you, through a form or your own page",
    ),
    "self_registration": (
        "henkilö itse rekisteröityessään",
        "personen själv vid registrering",
        "you, when registering",
    ),
    "import": (
        "tiedostosiirrot muista järjestelmistämme",
        "filöverföringar från våra andra system",
        "imports from our other systems",
    ),
    "purchased_list": (
        "ostetut yhteystietoluettelot",
        "köpta kontaktlistor",
        "purchased contact lists",
    ),
    "public_register": (
        "julkiset rekisterit (esim. kaupparekisteri)",
        "offentliga register (t.ex. handelsregistret)",
        "public registers (e.g. the Trade Register)",
    ),
    "partner": ("yhteistyökumppanit", "samarbetspartner", "partners"),
}

ACTIVITY_CATEGORIES: dict[str, Words] = {
    "contact": ("yhteystiedot", "kontaktuppgifter", "contact details"),
    "organization": ("organisaatiotiedot", "organisationsuppgifter", "organization"),
    "content": ("liitetyt sisällöt", "kopplat innehåll", "linked items"),
    "contact_history": ("yhteydenpitohistoria", "kontakthistorik", "contact history"),
    "feedback": ("palaute", "respons", "feedback"),
    "preferences": ("toiveet ja rajoitukset", "önskemål och begränsningar", "preferences"),
    "consents": ("suostumukset ja kiellot", "samtycken och förbud", "consents and objections"),
    "identity_code": ("henkilötunnus", "personbeteckning", "identity code"),
}

PROCESSOR_CATEGORIES: dict[str, Words] = {
    "name": ("nimi", "namn", "name"),
    "email": ("sähköpostiosoite", "e-postadress", "e-mail address"),
    "phone": ("puhelinnumero", "telefonnummer", "phone number"),
    "organization": ("organisaatio", "organisation", "organization"),
    "address": ("osoite", "adress", "address"),
    "business_id": ("Y-tunnus", "FO-nummer", "business ID"),
    "billing": ("laskutustiedot", "faktureringsuppgifter", "billing details"),
    "content": ("viestin sisältö", "meddelandets innehåll", "message content"),
    "usage": ("käyttötiedot", "användningsuppgifter", "usage data"),
}

SAFEGUARDS: dict[str, Words] = {
    "adequacy": (
        "Euroopan komission tietosuojan riittävyyttä koskeva päätös",
        "Europeiska kommissionens beslut om adekvat skyddsnivå",
        "an adequacy decision of the European Commission",
    ),
    "dpf": (
        "EU:n ja Yhdysvaltojen välinen tietosuojakehys (Data Privacy Framework, riittävyyspäätös)",
        "dataskyddsramen mellan EU och USA (Data Privacy Framework, beslut om adekvat skyddsnivå)",
        "the EU–US Data Privacy Framework (an adequacy decision)",
    ),
    "scc_2021_914": (
        "Euroopan komission vakiosopimuslausekkeet (2021/914)",
        "Europeiska kommissionens standardavtalsklausuler (2021/914)",
        "the European Commission's standard contractual clauses (2021/914)",
    ),
    "none": (
        "ei suojatoimia (siirto perustuu 49 artiklan poikkeukseen)",
        "inga skyddsåtgärder (överföringen grundar sig på ett undantag i artikel 49)",
        "no safeguards (the transfer relies on a derogation of Article 49)",
    ),
    "": ("", "", ""),
}

ROLES: dict[str, Words] = {
    "processor": ("henkilötietojen käsittelijä", "personuppgiftsbiträde", "processor"),
    "recipient": ("vastaanottaja", "mottagare", "recipient"),
}

TRIGGERS: dict[str, Words] = {
    "relationship_ended": (
        "asiakassuhteen päättymisestä",
        "efter att kundrelationen upphört",
        "after the customer relationship ended",
    ),
    "last_activity": (
        "viimeisestä asioinnista",
        "efter den senaste kontakten",
        "after the last dealings",
    ),
    "created": ("tietojen tallentamisesta", "efter att uppgifterna sparades", "after entry"),
}

ACTIONS: dict[str, Words] = {
    "delete": ("tiedot poistetaan", "uppgifterna raderas", "the data is deleted"),
    "anonymise": (
        "tiedot anonymisoidaan",
        "uppgifterna anonymiseras",
        "the data is anonymised",
    ),
}

HOLDS: dict[str, Words] = {
    "open_invoice": ("avoin lasku", "en obetald faktura", "an unpaid invoice"),
    "debt_collection": ("perintä", "indrivning", "debt collection"),
    "misuse_investigation": (
        "väärinkäytösten selvittäminen",
        "utredning av missbruk",
        "an investigation of misuse",
    ),
    "bookkeeping": (
        "kirjanpitolain mukainen säilytys",
        "bokföringslagens lagringskrav",
        "bookkeeping law",
    ),
    "litigation": ("oikeudenkäynti", "rättegång", "legal proceedings"),
}


def word(table: dict[str, Words], code: str, lang: str) -> str:
    """The code's words in `lang`; the code itself when it has none (never an error)."""
    words = table.get(code)
    return words[LANGUAGES.index(lang)] if words else code
