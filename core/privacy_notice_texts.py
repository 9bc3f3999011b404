"""Standard paragraphs of the privacy notice in Finnish, Swedish and English: what Kortisto
says when the admin has not written their own words (security, automated decisions), the
data subject's rights and how to use them, and the supervisory authority.

Each entry is (fi, sv, en); `{name}` placeholders are filled by core.privacy_notice_render.
"""

from __future__ import annotations

from core.privacy_notice_labels import Words

TEXTS: dict[str, Words] = {
    "draft": ("LUONNOS – ei julkaistu", "UTKAST – inte publicerat", "DRAFT – not published"),
    "business_id": ("Y-tunnus", "FO-nummer", "Business ID"),
    "phone": ("Puhelin", "Telefon", "Phone"),
    "email": ("Sähköposti", "E-post", "E-mail"),
    "website": ("Verkkosivusto", "Webbplats", "Website"),
    "dpo": ("Tietosuojavastaava", "Dataskyddsombud", "Data protection officer"),
    "no_dpo": (
        "Rekisterinpitäjällä ei ole nimettyä tietosuojavastaavaa.",
        "Den personuppgiftsansvarige har inget utsett dataskyddsombud.",
        "The controller has not appointed a data protection officer.",
    ),
    "register_default": (
        "{controller}:n asiakasrekisteri",
        "Kundregister för {controller}",
        "Customer register of {controller}",
    ),
    "purposes_intro": (
        "Käsittelemme henkilötietoja seuraaviin tarkoituksiin. Kunkin tarkoituksen kohdalla "
        "on sen oikeusperuste (EU:n yleisen tietosuoja-asetuksen 6 artiklan 1 kohta).",
        "Vi behandlar personuppgifter för följande ändamål. Vid varje ändamål anges dess "
        "rättsliga grund (artikel 6.1 i EU:s allmänna dataskyddsförordning).",
        "We process personal data for the following purposes. Each shows its lawful basis "
        "(Article 6(1) of the EU General Data Protection Regulation).",
    ),
    "basis": ("Oikeusperuste", "Rättslig grund", "Lawful basis"),
    "categories": ("Tiedot", "Uppgifter", "Data"),
    "no_purposes": (
        "Käsittelytoimia ei ole kirjattu.",
        "Inga behandlingar har registrerats.",
        "No processing activities are recorded.",
    ),
    "data_intro": (
        "Rekisterissä on nyt seuraavia tietoja:",
        "Registret innehåller nu följande uppgifter:",
        "The register currently holds the following data:",
    ),
    "no_data": (
        "Rekisterissä ei vielä ole henkilötietoja.",
        "Registret innehåller ännu inga personuppgifter.",
        "The register holds no personal data yet.",
    ),
    "content_intro": (
        "Henkilön käyntikortti voi olla liitetty näihin sisältöihin:",
        "Personens visitkort kan vara kopplat till följande innehåll:",
        "A person's business card may be linked to these items:",
    ),
    "sources_intro": (
        "Tiedot saadaan pääasiassa seuraavista lähteistä:",
        "Uppgifterna fås huvudsakligen från följande källor:",
        "We get the data mainly from these sources:",
    ),
    "no_sources": (
        "Tiedot saadaan henkilöltä itseltään.",
        "Uppgifterna fås av personen själv.",
        "We get the data from you.",
    ),
    "disclosures_intro": (
        "Tietoja käsittelevät puolestamme tai niitä luovutetaan seuraaville:",
        "Följande behandlar uppgifter för vår räkning eller får uppgifter:",
        "These process data on our behalf or receive it:",
    ),
    "no_processors": (
        "Tietoja ei luovuteta eikä niitä käsittele puolestamme kukaan muu.",
        "Uppgifterna lämnas inte ut och ingen annan behandlar dem för vår räkning.",
        "The data is not disclosed and nobody else processes it on our behalf.",
    ),
    "authorities": (
        "Tietoja voidaan luovuttaa viranomaisille, kun laki niin velvoittaa. Tietoja ei "
        "luovuteta suoramarkkinointiin kolmansille osapuolille.",
        "Uppgifter kan lämnas ut till myndigheter när lagen kräver det. Uppgifter lämnas inte "
        "ut till tredje parter för direktmarknadsföring.",
        "Data may be disclosed to authorities when the law requires it. It is not given to "
        "third parties for their direct marketing.",
    ),
    "activity_recipients": (
        "Käsittelytoimen mukaan",
        "Enligt behandlingen",
        "For this purpose",
    ),
    "sends": ("lähetettävät tiedot", "uppgifter som skickas", "data sent"),
    "no_transfers": (
        "Tietoja ei siirretä EU:n tai Euroopan talousalueen ulkopuolelle.",
        "Uppgifterna överförs inte utanför EU eller Europeiska ekonomiska samarbetsområdet.",
        "The data is not transferred outside the EU or the European Economic Area.",
    ),
    "transfers_intro": (
        "Seuraavat palveluntarjoajat käsittelevät tietoja EU:n tai ETA:n ulkopuolella. Siirto "
        "perustuu kunkin kohdalla mainittuun suojatoimeen (tietosuoja-asetuksen V luku).",
        "Följande tjänsteleverantörer behandlar uppgifter utanför EU eller EES. Överföringen "
        "grundar sig på den skyddsåtgärd som anges vid var och en (kapitel V i "
        "dataskyddsförordningen).",
        "The following providers process data outside the EU or EEA. Each transfer relies "
        "on the safeguard shown (Chapter V of the GDPR).",
    ),
    "safeguard": ("Suojatoimi", "Skyddsåtgärd", "Safeguard"),
    "retention_intro": (
        "Tietoja säilytetään vain niin kauan kuin niitä tarvitaan käsittelyn tarkoitukseen. "
        "Rekisteri poistaa tai anonymisoi tiedot automaattisesti näiden sääntöjen mukaan:",
        "Uppgifterna sparas bara så länge de behövs för ändamålet. Registret raderar eller "
        "anonymiserar dem automatiskt enligt dessa regler:",
        "Data is kept only as long as the purpose needs it. The register deletes or "
        "anonymises it automatically under these rules:",
    ),
    "rule": (
        "{what}: {months} kk {trigger}, sitten {action}",
        "{what}: {months} mån. {trigger}, därefter {action}",
        "{what}: {months} months {trigger}, then {action}",
    ),
    "all_data": ("kaikki tiedot", "alla uppgifter", "all data"),
    "retention_until_erasure": (
        "Tietoja säilytetään, kunnes käsittelyn peruste päättyy tai henkilö pyytää niiden "
        "poistamista, ellei laki estä poistamista.",
        "Uppgifterna sparas tills grunden för behandlingen upphör eller personen begär att "
        "de raderas, om inte lagen hindrar det.",
        "Data is kept until the ground for processing ends or you ask us to erase it, "
        "unless the law prevents erasure.",
    ),
    "holds": (
        "Tietoja voidaan säilyttää pidempään, kun se on tarpeen näissä tilanteissa: {holds}. "
        "Silloin käsittelyä rajoitetaan säilyttämiseen.",
        "Uppgifterna kan sparas längre när det behövs i dessa fall: {holds}. Behandlingen "
        "begränsas då till lagring.",
        "Data may be kept longer when needed for: {holds}. Processing is then restricted "
        "to storage.",
    ),
    "manual": ("Manuaalinen aineisto", "Manuellt material", "Paper records"),
    "electronic": ("Sähköinen aineisto", "Elektroniskt material", "Electronic records"),
    "security_manual": (
        "Manuaalista aineistoa ei pääsääntöisesti synny. Mahdollinen paperinen aineisto "
        "säilytetään lukitussa tilassa, johon on pääsy vain erikseen oikeutetuilla "
        "henkilöillä, ja se hävitetään tietoturvallisesti.",
        "Manuellt material uppstår i regel inte. Eventuellt pappersmaterial förvaras i ett "
        "låst utrymme som endast särskilt behöriga personer har tillträde till och förstörs "
        "på ett säkert sätt.",
        "We normally keep no paper records. Any paper is kept in a locked room only "
        "authorised people can enter, and destroyed securely.",
    ),
    "security_electronic": (
        "Tiedot ovat tietokannassa, joka on suojattu palomuurein, salasanoin ja muilla "
        "teknisillä keinoilla, lukituissa ja valvotuissa tiloissa. Tietoihin pääsevät vain ne, "
        "jotka tarvitsevat niitä työssään, henkilökohtaisilla tunnuksilla; käyttöoikeudet on "
        "rajattu tehtävien mukaan. Tietojen katselu ja muutokset kirjataan lokiin, yhteydet "
        "on salattu ja tietoja käsittelevillä on vaitiolovelvollisuus.",
        "Uppgifterna finns i en databas som skyddas med brandväggar, lösenord och andra "
        "tekniska medel, i låsta och övervakade utrymmen. Endast de som behöver uppgifterna "
        "i sitt arbete har åtkomst, med personliga användarkonton; behörigheterna är "
        "begränsade enligt uppgifterna. Visning och ändringar loggas, förbindelserna är "
        "krypterade och de som behandlar uppgifterna har tystnadsplikt.",
        "The data is in a database protected by firewalls, passwords and other technical "
        "means, in locked and monitored premises. Only people who need it for their work "
        "can reach it, with personal accounts and rights limited to their tasks. Viewing "
        "and changes are logged, connections are encrypted and everyone handling the data "
        "is bound to confidentiality.",
    ),
    "automated_none": (
        "Tietojen perusteella ei tehdä automaattisia päätöksiä eikä profilointia, jolla olisi "
        "henkilöön kohdistuvia oikeusvaikutuksia tai vastaavia merkittäviä vaikutuksia "
        "(tietosuoja-asetuksen 22 artikla).",
        "Inga automatiserade beslut eller profilering som har rättsliga följder eller på "
        "liknande sätt betydande påverkan på personen görs utifrån uppgifterna (artikel 22 i "
        "dataskyddsförordningen).",
        "No automated decisions or profiling with legal or similarly significant effects on "
        "you are made from the data (Article 22 GDPR).",
    ),
    "own_words": (
        "Rekisterinpitäjän kuvaus (kirjoitettu suomeksi):",
        "Den personuppgiftsansvariges beskrivning (skriven på finska):",
        "The controller's description (written in Finnish):",
    ),
    "rights_intro": (
        "Sinulla on EU:n yleisen tietosuoja-asetuksen mukaan seuraavat oikeudet:",
        "Enligt EU:s allmänna dataskyddsförordning har du följande rättigheter:",
        "Under the EU General Data Protection Regulation you have these rights:",
    ),
    "right_access": (
        "Oikeus saada pääsy tietoihin (15 art.): saat tietää, mitä tietoja sinusta on, ja "
        "kopion niistä. Yksi kopio vuodessa on maksuton.",
        "Rätt till tillgång (art. 15): du får veta vilka uppgifter som finns om dig och en "
        "kopia av dem. En kopia per år är avgiftsfri.",
        "Access (Art. 15): you can find out what data we hold about you and get a copy. One "
        "copy a year is free of charge.",
    ),
    "right_rectification": (
        "Oikeus tietojen oikaisemiseen (16 art.): virheellinen tai vanhentunut tieto korjataan.",
        "Rätt till rättelse (art. 16): felaktiga eller inaktuella uppgifter rättas.",
        "Rectification (Art. 16): wrong or outdated data is corrected.",
    ),
    "right_erasure": (
        "Oikeus tietojen poistamiseen (17 art.), ellei laki edellytä niiden säilyttämistä.",
        "Rätt till radering (art. 17), om inte lagen kräver att de sparas.",
        "Erasure (Art. 17), unless the law requires us to keep the data.",
    ),
    "right_restriction": (
        "Oikeus käsittelyn rajoittamiseen (18 art.), esimerkiksi odottaessasi vastausta "
        "oikaisu- tai poistopyyntöön.",
        "Rätt till begränsning av behandling (art. 18), till exempel medan du väntar på svar "
        "på en begäran om rättelse eller radering.",
        "Restriction (Art. 18), for example while you wait for an answer to a request to "
        "correct or erase.",
    ),
    "right_portability": (
        "Oikeus siirtää tiedot järjestelmästä toiseen (20 art.) koneluettavassa muodossa.",
        "Rätt till dataportabilitet (art. 20) i maskinläsbar form.",
        "Portability (Art. 20): the data you gave us in a machine-readable form.",
    ),
    "right_object": (
        "Oikeus vastustaa käsittelyä ja kieltää suoramarkkinointi ja profilointi (21 art.).",
        "Rätt att invända mot behandling och förbjuda direktmarknadsföring och profilering "
        "(art. 21).",
        "Objection (Art. 21), including to direct marketing and profiling at any time.",
    ),
    "right_withdraw": (
        "Oikeus peruuttaa suostumus milloin tahansa; peruutus ei vaikuta aiemman käsittelyn "
        "lainmukaisuuteen.",
        "Rätt att när som helst återkalla ett samtycke; det påverkar inte lagligheten av "
        "behandling före återkallelsen.",
        "Withdrawing consent at any time, without affecting processing before it.",
    ),
    "right_complaint": (
        "Oikeus tehdä valitus valvontaviranomaiselle (77 art.).",
        "Rätt att lämna in klagomål till tillsynsmyndigheten (art. 77).",
        "Lodging a complaint with the supervisory authority (Art. 77).",
    ),
    "how_self_service": (
        "Jos sinulla on tunnus palveluun, voit tehdä pyynnön ja tarkastaa ja korjata tietosi "
        "itse: {url}",
        "Om du har ett konto i tjänsten kan du göra en begäran och granska och rätta dina "
        "uppgifter själv: {url}",
        "If you have an account, you can make a request and check and correct your data "
        "yourself: {url}",
    ),
    "how_contact": (
        "Voit myös lähettää pyynnön osoitteeseen {email}. Varmistamme henkilöllisyytesi "
        "ennen kuin luovutamme tietoja, ja vastaamme kuukauden kuluessa.",
        "Du kan också skicka en begäran till {email}. Vi kontrollerar din identitet innan vi "
        "lämnar ut uppgifter och svarar inom en månad.",
        "You can also send a request to {email}. We verify your identity before giving out "
        "data and answer within one month.",
    ),
    "authority_name": (
        "Tietosuojavaltuutetun toimisto",
        "Dataombudsmannens byrå",
        "Office of the Data Protection Ombudsman",
    ),
    "authority_address": (
        "Käyntiosoite: Lintulahdenkuja 4, 00530 Helsinki. Postiosoite: PL 800, 00531 Helsinki.",
        "Besöksadress: Fågelviksgränden 4, 00530 Helsingfors. Postadress: PB 800, 00531 "
        "Helsingfors.",
        "Visiting address: Lintulahdenkuja 4, 00530 Helsinki, Finland. Postal address: "
        "P.O. Box 800, 00531 Helsinki, Finland.",
    ),
    "authority_contact": (
        "Puhelin (vaihde) 029 566 6700, tietosuoja@om.fi, https://tietosuoja.fi",
        "Telefon (växel) 029 566 6700, tietosuoja@om.fi, https://tietosuoja.fi/sv",
        "Phone (switchboard) +358 29 566 6700, tietosuoja@om.fi, https://tietosuoja.fi/en",
    ),
    "version_number": ("Versio", "Version", "Version"),
    "drawn_up": ("Laadittu", "Upprättad", "Drawn up"),
    "valid_from": ("Voimassa alkaen", "Gäller från och med", "Valid from"),
    "earlier": (
        "Aiemmat versiot ovat saatavilla samasta osoitteesta.",
        "Tidigare versioner finns på samma adress.",
        "Earlier versions are available at the same address.",
    ),
}


def text(key: str, lang: str, **values: object) -> str:
    words = TEXTS[key][("fi", "sv", "en").index(lang)]
    return words.format(**values) if values else words
