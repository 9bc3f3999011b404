"""Words of the access copy's readable page in the person's language (fi, sv, en).

The page is made by a worker for a person who may have no account, so it cannot use the web
layer's catalogs; its fixed vocabulary lives here, each entry as (fi, sv, en).
"""

from __future__ import annotations

LANGUAGES = ("fi", "sv", "en")

TEXTS: dict[str, tuple[str, str, str]] = {
    "title": (
        "Kopio henkilötiedoistasi",
        "Kopia av dina personuppgifter",
        "Copy of your personal data",
    ),
    "intro": (
        "Tämä on kopio kaikista tiedoista, joita rekisterinpitäjä {controller} käsittelee "
        "sinusta (EU:n yleinen tietosuoja-asetus, 15 ja 20 artikla). Samat tiedot ovat "
        "koneluettavina tiedostoissa data.json ja csv/.",
        "Detta är en kopia av alla uppgifter som den personuppgiftsansvarige {controller} "
        "behandlar om dig (EU:s allmänna dataskyddsförordning, artiklarna 15 och 20). Samma "
        "uppgifter finns maskinläsbart i filerna data.json och csv/.",
        "This is a copy of all data the controller {controller} processes about you (EU "
        "General Data Protection Regulation, Articles 15 and 20). The same data is in "
        "machine-readable form in data.json and csv/.",
    ),
    "made": ("Koottu", "Sammanställd", "Compiled"),
    "contents": ("Sisältö", "Innehåll", "Contents"),
    "none": ("Ei tietoja.", "Inga uppgifter.", "None."),
    "yes": ("kyllä", "ja", "yes"),
    "no": ("ei", "nej", "no"),
    "hetu_note": (
        "Henkilötunnuksesta näytetään vain syntymäaikaosa. Koko tunnuksen saat "
        "rekisterinpitäjältä pyynnöstä.",
        "Av personbeteckningen visas bara födelsedatumdelen. Hela beteckningen får du av den "
        "personuppgiftsansvarige på begäran.",
        "Only the date part of the personal identity code is shown. The controller gives "
        "you the full code on request.",
    ),
    "files_note": (
        "Liitetiedostot ovat kansiossa attachments/.",
        "Bifogade filer finns i mappen attachments/.",
        "The attached files are in the folder attachments/.",
    ),
}

CATEGORY_TITLES: dict[str, tuple[str, str, str]] = {
    "card": ("Käyntikortti", "Visitkort", "Business card"),
    "employment": (
        "Organisaatiot ja työsuhteet",
        "Organisationer och anställningar",
        "Organizations and employment",
    ),
    "content_items": (
        "Sisällöt, joihin sinut on liitetty",
        "Innehåll du är kopplad till",
        "Items you are linked to",
    ),
    "contact_history": ("Yhteydenottohistoria", "Kontakthistorik", "Contact history"),
    "feedback": ("Palaute ja tyytyväisyys", "Respons och nöjdhet", "Feedback and satisfaction"),
    "preferences": (
        "Toiveet ja rajoitukset",
        "Önskemål och begränsningar",
        "Preferences and restrictions",
    ),
    "comments": ("Kommentit", "Kommentarer", "Comments"),
    "consents": (
        "Suostumukset ja niiden historia",
        "Samtycken och deras historik",
        "Consents and their history",
    ),
    "objections": ("Vastustukset ja kiellot", "Invändningar och förbud", "Objections"),
    "lawful_bases": ("Käsittelyperusteet", "Rättslig grund för behandlingen", "Lawful bases"),
    "provenance": ("Tietojen alkuperä", "Uppgifternas ursprung", "Where the data came from"),
    "field_changes": ("Tietojen muutoshistoria", "Ändringshistorik", "Change history"),
    "requests": (
        "Tietosuojapyyntösi",
        "Dina dataskyddsbegäranden",
        "Your data protection requests",
    ),
    "reads": (
        "Milloin ja miksi tietojasi on käsitelty",
        "När och varför dina uppgifter har lästs",
        "When and why your data was read",
    ),
    "recipients": (
        "Vastaanottajat, joille tietojasi on luovutettu",
        "Mottagare som har fått dina uppgifter",
        "Recipients your data was disclosed to",
    ),
    "attachments": ("Liitteet", "Bilagor", "Attachments"),
}

COLUMNS: dict[str, tuple[str, str, str]] = {
    "first_name": ("Etunimi", "Förnamn", "First name"),
    "last_name": ("Sukunimi", "Efternamn", "Last name"),
    "emails": ("Sähköpostit", "E-post", "E-mail addresses"),
    "phones": ("Puhelinnumerot", "Telefonnummer", "Phone numbers"),
    "title": ("Nimike / otsikko", "Titel", "Title"),
    "keywords": ("Avainsanat", "Nyckelord", "Keywords"),
    "description": ("Kuvaus", "Beskrivning", "Description"),
    "organization": ("Organisaatio", "Organisation", "Organization"),
    "organization_business_id": ("Y-tunnus", "FO-nummer", "Business ID"),
    "business_id": ("Y-tunnus", "FO-nummer", "Business ID"),
    "personal_identity_code": ("Henkilötunnus", "Personbeteckning", "Personal identity code"),
    "left_organization_on": (
        "Lähtenyt organisaatiosta",
        "Lämnat organisationen",
        "Left the organization",
    ),
    "restricted_at": ("Käsittely rajoitettu", "Behandlingen begränsad", "Processing restricted"),
    "relationship_ended_on": (
        "Asiakassuhde päättynyt",
        "Kundrelationen upphörde",
        "Customer relationship ended",
    ),
    "created_at": ("Luotu", "Skapad", "Created"),
    "updated_at": ("Muutettu", "Ändrad", "Updated"),
    "id": ("Tunniste", "Id", "Id"),
    "started_on": ("Alkoi", "Började", "Started"),
    "ended_on": ("Päättyi", "Slutade", "Ended"),
    "current": ("Voimassa", "Gällande", "Current"),
    "kind": ("Laji", "Typ", "Kind"),
    "status": ("Tila", "Status", "Status"),
    "stage": ("Vaihe", "Skede", "Stage"),
    "starts_on": ("Alkaa", "Börjar", "Starts"),
    "ends_on": ("Päättyy", "Slutar", "Ends"),
    "role": ("Roolisi", "Din roll", "Your role"),
    "linked_at": ("Liitetty", "Kopplad", "Linked"),
    "happened_at": ("Aika", "Tid", "Time"),
    "channel": ("Kanava", "Kanal", "Channel"),
    "direction": ("Suunta", "Riktning", "Direction"),
    "summary": ("Yhteenveto", "Sammanfattning", "Summary"),
    "received_on": ("Saapunut", "Mottagen", "Received"),
    "score": ("Arvosana", "Betyg", "Score"),
    "comment": ("Kommentti", "Kommentar", "Comment"),
    "topic": ("Aihe", "Ämne", "Topic"),
    "value": ("Arvo", "Värde", "Value"),
    "given_on": ("Annettu", "Given", "Given on"),
    "body": ("Teksti", "Text", "Text"),
    "at": ("Aika", "Tid", "Time"),
    "purpose": ("Tarkoitus", "Ändamål", "Purpose"),
    "given": ("Annettu", "Givet", "Given"),
    "method": ("Tapa", "Sätt", "How"),
    "notice_version": (
        "Tietosuojaselosteen versio",
        "Version av dataskyddsbeskrivningen",
        "Privacy notice version",
    ),
    "active": ("Voimassa", "Gällande", "In force"),
    "note": ("Huomautus", "Anmärkning", "Note"),
    "activity": ("Käsittelytoimi", "Behandling", "Processing activity"),
    "basis": ("Peruste (6 art. 1 kohta)", "Grund (art. 6.1)", "Basis (Art. 6(1))"),
    "since": ("Alkaen", "Från", "Since"),
    "source": ("Lähde", "Källa", "Source"),
    "recorded_at": ("Kirjattu", "Registrerad", "Recorded"),
    "source_kind": ("Lähteen laji", "Typ av källa", "Kind of source"),
    "source_detail": ("Lähde tarkemmin", "Källa i detalj", "Source in detail"),
    "field": ("Tieto", "Uppgift", "Field"),
    "old_value": ("Vanha arvo", "Gammalt värde", "Old value"),
    "new_value": ("Uusi arvo", "Nytt värde", "New value"),
    "received_at": ("Saapunut", "Mottagen", "Received"),
    "due_on": ("Määräaika", "Tidsfrist", "Due"),
    "extended_until": ("Jatkettu asti", "Förlängd till", "Extended until"),
    "extension_reason": ("Jatkon syy", "Skäl för förlängning", "Reason for extension"),
    "verified_at": ("Vahvistettu", "Verifierad", "Verified"),
    "completed_at": ("Käsitelty", "Behandlad", "Completed"),
    "refusal_reason": ("Hylkäyksen perustelu", "Skäl för avslag", "Reason for refusal"),
    "action": ("Toimenpide", "Åtgärd", "Action"),
    "actor_kind": ("Käsittelijän laji", "Typ av behandlare", "Kind of actor"),
    "actor_role": ("Käsittelijän rooli", "Behandlarens roll", "Actor's role"),
    "via": ("Mistä", "Var", "Where"),
    "processor": ("Vastaanottaja", "Mottagare", "Recipient"),
    "recipient": ("Osoite / tili", "Adress / konto", "Address / account"),
    "country": ("Maa", "Land", "Country"),
    "outside_eea": ("EU/ETA:n ulkopuolelle", "Utanför EU/EES", "Outside the EU/EEA"),
    "safeguard": ("Suojatoimi", "Skyddsåtgärd", "Safeguard"),
    "categories": ("Tietoryhmät", "Uppgiftskategorier", "Data categories"),
    "filename": ("Tiedosto", "Fil", "File"),
    "content_type": ("Tyyppi", "Typ", "Type"),
    "size_bytes": ("Koko (tavua)", "Storlek (byte)", "Size (bytes)"),
    "sha256": ("SHA-256", "SHA-256", "SHA-256"),
    "uploaded_at": ("Lisätty", "Tillagd", "Uploaded"),
    "path": ("Polku kopiossa", "Sökväg i kopian", "Path in this copy"),
}


def pick(table: dict[str, tuple[str, str, str]], key: str, language: str) -> str:
    """The entry in `language` (fi when unknown); the key itself when the table lacks it."""
    entry = table.get(key)
    if entry is None:
        return key
    return entry[LANGUAGES.index(language) if language in LANGUAGES else 0]


# Codes shown in words on the readable page (the JSON and CSV files keep the codes).
CODE_COLUMNS = frozenset(
    ("channel", "direction", "purpose", "actor_kind", "actor_role", "kind", "status", "method")
    + ("source_kind", "action", "basis")
)
VALUES: dict[str, tuple[str, str, str]] = {
    "email": ("sähköposti", "e-post", "e-mail"),
    "sms": ("tekstiviesti", "sms", "text message"),
    "phone": ("puhelin", "telefon", "phone"),
    "post": ("posti", "post", "post"),
    "meeting": ("tapaaminen", "möte", "meeting"),
    "inbound": ("saapuva", "inkommande", "inbound"),
    "outbound": ("lähtevä", "utgående", "outbound"),
    "customer_service": ("asiakaspalvelu", "kundtjänst", "customer service"),
    "export": ("vienti", "export", "export"),
    "api": ("rajapinta", "gränssnitt", "API"),
    "self_service": ("oma asiointi", "egen e-tjänst", "self-service"),
    "break_glass": (
        "palveluntarjoajan hätäpääsy",
        "leverantörens nödåtkomst",
        "provider's emergency access",
    ),
    "access_request": (
        "tarkastus- tai siirtopyyntö",
        "begäran om tillgång eller överföring",
        "access or portability request",
    ),
    "user": ("rekisterin käyttäjä", "registrets användare", "user of the register"),
    "system": ("järjestelmä", "systemet", "the system"),
    "operator": ("palveluntarjoaja", "tjänsteleverantören", "service provider"),
    "admin": ("pääkäyttäjä", "huvudanvändare", "administrator"),
    "staff": ("henkilökunta", "personal", "staff"),
    "self": ("sinä itse", "du själv", "you"),
    "person.read": ("tietojen katselu", "visning av uppgifter", "data viewed"),
    "access": ("tietojen tarkastus", "tillgång till uppgifter", "access"),
    "rectification": ("oikaisu", "rättelse", "rectification"),
    "erasure": ("poisto", "radering", "erasure"),
    "restriction": ("käsittelyn rajoittaminen", "begränsning av behandling", "restriction"),
    "portability": ("siirto järjestelmästä toiseen", "dataportabilitet", "portability"),
    "objection": ("vastustaminen", "invändning", "objection"),
    "withdrawal": ("suostumuksen peruutus", "återkallelse av samtycke", "consent withdrawal"),
    "received": ("vastaanotettu", "mottagen", "received"),
    "awaiting_code": ("odottaa vahvistusta", "väntar på bekräftelse", "awaiting confirmation"),
    "verified": ("vahvistettu", "bekräftad", "verified"),
    "in_progress": ("käsittelyssä", "under behandling", "in progress"),
    "completed": ("valmis", "klar", "completed"),
    "refused": ("hylätty", "avslagen", "refused"),
    "direct_marketing": ("suoramarkkinointi", "direktmarknadsföring", "direct marketing"),
    # The other purposes of consents and transfers (core.contact_gate.PURPOSES).
    "newsletter": ("uutiskirje", "nyhetsbrev", "newsletter"),
    "events": ("tapahtumakutsut", "inbjudningar till evenemang", "event invitations"),
    "transfer": (
        "käsittely henkilötietojen käsittelijällä",
        "behandling hos ett personuppgiftsbiträde",
        "processing by a processor",
    ),
    "rights_request": ("vastaus pyyntöösi", "svar på din begäran", "reply to your request"),
    "account": (
        "käyttäjätilisi (kutsu tai salasanan vaihto)",
        "ditt användarkonto (inbjudan eller byte av lösenord)",
        "your user account (invitation or password reset)",
    ),
    "market_research": (
        "markkina- ja mielipidetutkimukset",
        "marknads- och opinionsundersökningar",
        "market research and opinion polls",
    ),
    "publication": (
        "julkaiseminen luetteloissa",
        "publicering i förteckningar",
        "publication in lists",
    ),
    "profiling": ("profilointi", "profilering", "profiling"),
    "form": ("lomake", "formulär", "form"),
    "import": ("tuonti", "import", "import"),
    "self_form": ("oma lomake", "eget formulär", "your own form"),
    "self_registration": ("oma rekisteröityminen", "egen registrering", "your own registration"),
    "purchased_list": ("ostettu osoiteluettelo", "köpt adresslista", "purchased list"),
    "public_register": ("julkinen rekisteri", "offentligt register", "public register"),
    "partner": ("yhteistyökumppani", "samarbetspartner", "partner"),
    "feedback": ("palaute", "respons", "feedback"),
    "satisfaction": ("tyytyväisyys", "nöjdhet", "satisfaction"),
    "personalisation": ("toive", "önskemål", "preference"),
    "a": ("a) suostumus", "a) samtycke", "(a) consent"),
    "b": ("b) sopimus", "b) avtal", "(b) contract"),
    "c": ("c) lakisääteinen velvoite", "c) rättslig förpliktelse", "(c) legal obligation"),
    "d": ("d) elintärkeä etu", "d) grundläggande intresse", "(d) vital interests"),
    "e": ("e) yleinen etu", "e) allmänt intresse", "(e) public interest"),
    "f": ("f) oikeutettu etu", "f) berättigat intresse", "(f) legitimate interests"),
}


def value_label(column: str, value: str, language: str) -> str:
    """A code in words on the readable page, for the columns that hold codes."""
    if column in CODE_COLUMNS and value in VALUES:
        return pick(VALUES, value, language)
    return value
