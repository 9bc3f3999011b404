"""The privacy notice from live settings: only the data in use, processors and transfers in
every language, versions kept, and a seed-like register covering every section of a seed."""

from __future__ import annotations

import uuid

from core import audit, notice_settings
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from core.privacy_notice import build_content, sections_of
from core.privacy_notice_render import to_html
from core.privacy_notice_versions import compare, get_version, list_versions, publish
from core.processing import ensure_default_activities
from core.retention_rules import ensure_default_rules
from tenants.scope import tenant_scope

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@example.test")


async def _processor(name: str, country: str, outside: bool, safeguard: str) -> uuid.UUID:
    row_id = uuid.uuid4()
    await DB.current_connection().execute(
        "INSERT INTO tenant_processor (id, name, service, country, outside_eea, safeguard, "
        "categories, role) VALUES ($1, $2, 'e-mail delivery', $3, $4, $5, "
        "ARRAY['name', 'email'], 'processor')",
        row_id,
        name,
        country,
        outside,
        safeguard,
    )
    return row_id


async def test_notice_lists_only_the_data_in_use(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        empty = await build_content()
        assert empty["data"] == []
        assert "puhelinnumero" not in to_html(empty, "fi")

        await create_person(PersonInput(first_name="Aino", last_name="A", emails=["a@x.fi"]))
        content = await build_content()
        assert content["data"][:2] == ["name", "email"]
        assert "phone" not in content["data"] and "identity_code" not in content["data"]
        html = to_html(content, "fi")
        assert "sähköpostiosoite" in html and "puhelinnumero" not in html

        await create_person(PersonInput(first_name="Bo", last_name="B", phones=["+358401234567"]))
        again = await build_content()
        assert "phone" in again["data"]
        assert "telefonnummer" in to_html(again, "sv")
        assert "phone number" in to_html(again, "en")


async def test_outside_eu_processor_in_every_language_and_gone_from_the_next_version(
    make_tenant,
):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        first = await publish(actor=ADMIN)
        assert "EU:n tai Euroopan talousalueen ulkopuolelle" in first["rendered"]["fi"]
        processor_id = await _processor("Postimies Inc", "US", True, "dpf")
        second = await publish(actor=ADMIN)
        expected = {
            "fi": ("Yhdysvallat", "Data Privacy Framework"),
            "sv": ("USA", "dataskyddsramen mellan EU och USA"),
            "en": ("United States", "EU–US Data Privacy Framework"),
        }
        for lang, (country, safeguard) in expected.items():
            transfers = second["rendered"][lang].split('id="transfers"')[1].split("</section>")[0]
            assert "Postimies Inc" in transfers and country in transfers
            assert safeguard in transfers, lang

        await DB.current_connection().execute(
            "UPDATE tenant_processor SET active = false WHERE id = $1", processor_id
        )
        third = await publish(actor=ADMIN)
        assert "Postimies Inc" not in third["rendered"]["fi"]
        assert [v["version"] for v in await list_versions()] == [3, 2, 1]
        kept = await get_version(2)
        assert "Postimies Inc" in kept["rendered"]["en"]

        diff = {s["key"]: s for s in compare(kept["content"], third["content"])}
        assert diff["transfers"]["status"] == "changed"
        assert any(
            mark == "-" and "Postimies Inc" in line for mark, line in diff["transfers"]["lines"]
        )
        assert diff["controller"]["status"] == "same"


# Each seed's section headings (shared/seeds/), mapped to the notice's section keys. A seed
# heading the notice has no section for would fail this test.
SEED_SECTIONS = {
    "000 Gemilo": {
        "Asiakasrekisteriä käytetään seuraaviin tarkoituksiin": "purposes",
        "Henkilötietojen luovuttaminen ja siirtäminen kolmansille osapuolille": "disclosures",
        "Henkilötietojen siirtäminen EU:n tai Euroopan talousalueen ulkopuolelle": "transfers",
        "Rekisterin tietosisältö": "data_content",
        "Henkilötietojen säännönmukaiset lähteet": "sources",
        "Henkilötietojen säilytysajan määräytyminen": "retention",
        "Rekisterin tietoturvallisuus": "security",
        "Tarkastusoikeus": "rights",
        "Oikeus väärän tai vanhentuneen tiedon oikaisemiseen": "rights",
        "Evästeillä seurataan ... sivuston kävijöitä": "cookies",
    },
    "001 Genano": {
        "1. REKISTERINPITÄJÄ": "controller",
        "2. YHTEYSHENKILÖ REKISTEREITÄ KOSKEVISSA ASIOISSA": "contact",
        "3. REKISTERIN NIMI": "register_name",
        "4. HENKILÖTIETOJEN KÄSITTELYN TARKOITUS": "purposes",
        "5. REKISTERIN TIETOSISÄLTÖ": "data_content",
        "6. SÄÄNNÖNMUKAISET TIETOLÄHTEET": "sources",
        "7. TIETOJEN SÄÄNNÖNMUKAISET LUOVUTUKSET JA ... SIIRTO": "disclosures",
        "7. ... EUROOPAN UNIONIN TAI EUROOPAN TALOUSALUEEN ULKOPUOLELLE": "transfers",
        "8. KUVAUS REKISTERIN SUOJAUKSEN PERIAATTEISTA": "security",
        "9. TARKASTUSOIKEUS": "rights",
        "10. TIEDON KORJAAMINEN": "rights",
        "11. KIELTO-OIKEUS": "rights",
    },
    "003 ElmoNet": {
        "Voimassa 25.5.2018 alkaen": "version",
        "1. REKISTERINPITÄJÄ": "controller",
        "2. REKISTERISTÄ VASTAAVA HENKILÖ": "contact",
        "3. REKISTERIN NIMI": "register_name",
        "4. HENKILÖTIETOJEN KÄSITTELYN TARKOITUS JA PERUSTE": "purposes",
        "5. REKISTERIN TIETOSISÄLTÖ": "data_content",
        "6. SÄÄNNÖNMUKAISET TIETOLÄHTEET": "sources",
        "7. HENKILÖTIETOJEN LUOVUTUKSET JA SIIRROT": "disclosures",
        "8. REKISTERIN SUOJAUSPERIAATTEET (sähköinen, manuaalinen)": "security",
        "9. REKISTERÖIDYN OIKEUDET (valitus valvontaviranomaiselle)": "authority",
        "9. REKISTERÖIDYN OIKEUDET": "rights",
        "10. TIETOJEN SÄILYTYS": "retention",
        "11. YHTEYDENOTOT": "rights",
    },
}


async def _configure_like_gemilo() -> None:
    await notice_settings.save(
        {
            "controller_name": "Gemilo Oy",
            "business_id": "2077474-0",
            "address": "Esimerkkikatu 1, 00100 Helsinki",
            "email": "info@gemilo.example",
            "contact_person": "Tietosuojavastaava Testi",
            "contact_email": "info@gemilo.example",
            "cookies": "Evästeillä seurataan ainoastaan organisaatiotasolla sivuston kävijöitä.",
        },
        actor=ADMIN,
    )
    await ensure_default_activities()
    await ensure_default_rules()
    org = await create_organization(
        OrganizationInput(
            name="Asiakas Oy",
            business_id="0215655-1",
            street_address="Honkalantie 1",
            postal_code="34600",
            city="Ruovesi",
        )
    )
    person = await create_person(
        PersonInput(
            first_name="Aino",
            last_name="Asiakas",
            emails=["aino@asiakas.example"],
            phones=["+358401234567"],
            title="Toimitusjohtaja",
            organization_id=org["id"],
            keywords=["vip"],
            description="Tavattu messuilla.",
        )
    )
    conn = DB.current_connection()
    item = uuid.uuid4()
    await conn.execute(
        "INSERT INTO content_item (id, kind, title) VALUES ($1, 'project', 'Verkkosivut')", item
    )
    await conn.execute(
        "INSERT INTO content_link (id, item, person, role) VALUES ($1, $2, $3, 'contact')",
        uuid.uuid4(),
        item,
        person,
    )
    await conn.execute(
        "INSERT INTO contact_event (id, person, channel, direction, summary) "
        "VALUES ($1, $2, 'phone', 'inbound', 'Tukipyyntö')",
        uuid.uuid4(),
        person,
    )
    await conn.execute(
        "INSERT INTO person_provenance (id, person, source_kind, source_detail) VALUES "
        "($1, $3, 'self_registration', ''), ($2, $3, 'purchased_list', 'Listamyynti Oy')",
        uuid.uuid4(),
        uuid.uuid4(),
        person,
    )
    await conn.execute(
        "INSERT INTO legal_hold (id, person, reason_kind, reason, created_by) "
        "VALUES ($1, $2, 'open_invoice', 'Lasku 123 avoinna', 'admin')",
        uuid.uuid4(),
        person,
    )
    await _processor("Palvelintalo Oy", "FI", False, "")
    await _processor("SparkPost", "US", True, "scc_2021_914")


async def test_a_seed_like_register_covers_every_section_of_each_seed(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        await _configure_like_gemilo()
        version = await publish(actor=ADMIN)
    content = version["content"]
    present = set(sections_of(content))
    for seed, headings in SEED_SECTIONS.items():
        missing = {h: key for h, key in headings.items() if key not in present}
        assert not missing, f"{seed}: no section for {missing}"
    fi = version["rendered"]["fi"]
    for words in (
        "Gemilo Oy",
        "2077474-0",
        "etu- ja sukunimi",
        "Y-tunnus",
        "projektit",
        "yhteydenottohistoria",
        "Listamyynti Oy",
        "Palvelintalo Oy",
        "vakiosopimuslausekkeet",
        "avoin lasku",
        "Manuaalinen aineisto",
        "Tietosuojavaltuutetun toimisto",
        "/me/requests/",
        "Yksi kopio vuodessa on maksuton",
        "Evästeillä seurataan",
        "Voimassa alkaen",
    ):
        assert words in fi, words
    assert "henkilötunnus" not in fi.split('id="data_content"')[1].split("</section>")[0]
    for lang in ("sv", "en"):
        assert version["rendered"][lang].count("<section") == fi.count("<section")


async def test_settings_refuse_a_bad_business_id_and_name_the_field(make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        try:
            await notice_settings.save(
                {"controller_name": "X Oy", "business_id": "123"}, actor=ADMIN
            )
        except Exception as exc:  # ValidationFailed
            assert "business_id" in exc.errors
        else:
            raise AssertionError("a bad business ID was accepted")
        assert (await notice_settings.load())["business_id"] == ""


async def test_pdf_without_a_unicode_font_keeps_the_nordic_letters(make_tenant, monkeypatch):
    """The container has DejaVu Sans; without it the core font still carries ä, ö and å and
    typographic quotes and dashes become plain ones instead of breaking the PDF."""
    import io

    from pypdf import PdfReader

    from core import privacy_notice_pdf

    tenant = await make_tenant()
    async with tenant_scope(tenant.slug):
        await ensure_default_activities()
        await create_person(PersonInput(first_name="Åsa", last_name="Öhman", emails=["a@x.fi"]))
        content = await build_content()
    monkeypatch.setattr(privacy_notice_pdf, "FONT_CANDIDATES", ())
    expected = {
        "fi": ("Tietosuojaseloste", "sähköposti", "Tietosuojavaltuutetun toimisto"),
        "sv": ("Dataskyddsbeskrivning", "Dataombudsmannens byrå"),
    }
    for lang, words in expected.items():
        data = privacy_notice_pdf.to_pdf(content, lang)
        text = " ".join(
            " ".join((page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(data)).pages
        )
        for word in words:
            assert word in text, (lang, word)
