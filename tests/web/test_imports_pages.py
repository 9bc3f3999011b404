"""CSV export (formula cells neutralised, departed persons flagged) and the CSV import pages:
preview with per-row errors and duplicates, nothing written before confirming, all or none."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date

import asyncpg
import pytest

from core import csv_io
from core import imports as core_imports
from core.db import DB
from core.organizations import OrganizationInput, count_organizations, create_organization
from core.persons import PersonInput, create_person, get_person, list_persons, mark_left
from tenants.scope import tenant_scope

HEADER_FI = "etunimi;sukunimi;sähköposti;puhelin;titteli;organisaatio;y-tunnus;avainsanat\n"


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _persons(slug: str) -> list[dict]:
    async with tenant_scope(slug):
        rows, _ = await list_persons(include_departed=True, limit=1000)
        return [await get_person(r["id"]) for r in rows]


async def _organizations(slug: str) -> int:
    async with tenant_scope(slug):
        return await count_organizations()


async def _upload(client, slug: str, text: str, kind: str = "persons", *, bom: bool = False):
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    return await client.post(
        f"/t/{slug}/import/",
        data={"kind": kind},
        files={"file": ("tuonti.csv", data, "text/csv")},
        follow_redirects=False,
    )


async def _preview(client, slug: str, text: str, kind: str = "persons", **kw):
    r = await _upload(client, slug, text, kind, **kw)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    r = await client.get(url)
    assert r.status_code == 200, r.text
    return url, r.text


def _fingerprint(html: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)


def _row(html: str, line: int) -> str:
    match = re.search(rf'<tr id="row-{line}".*?</tr>', html, re.S)
    assert match, f"row {line} missing"
    return match.group(0)


def _count(html: str, name: str) -> int:
    return int(re.search(rf'data-testid="count-{name}">(\d+)<', html).group(1))


def _done(html: str) -> dict[str, int]:
    """The counts of the result page."""
    found = re.findall(r'data-testid="([a-z-]+)">(\d+)<', html)
    return {name: int(n) for name, n in found}


async def _confirm(client, url: str, html: str, **fields):
    data = {"fingerprint": _fingerprint(html), **fields}
    return await client.post(f"{url}/confirm", data=data)


# --- export --------------------------------------------------------------------------------


def _read_csv(r) -> list[dict[str, str]]:
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    text = r.content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


async def test_export_neutralises_formula_cells(client, tenant):
    async with tenant_scope(tenant.slug):
        org = await create_organization(OrganizationInput(name="@Ääkkönen Oy", city="-Oulu"))
        await create_person(
            PersonInput(
                first_name="Eve",
                last_name='=HYPERLINK("http://evil.example","klikkaa")',
                phones=["+358 40 123 4567", "018 12345"],
                emails=["eve@example.fi"],
                title="+SUM(1,2)",
                description="-2+3 @A1",
                organization_id=org["id"],
            )
        )
    rows = _read_csv(await client.get(f"/t/{tenant.slug}/export/persons.csv"))
    assert len(rows) == 1
    row = rows[0]
    for name, cell in row.items():
        assert not cell.startswith(csv_io.FORMULA_TRIGGERS), (name, cell)
    assert row["last_name"] == '\'=HYPERLINK("http://evil.example","klikkaa")'
    assert row["title"] == "'+SUM(1,2)"
    assert row["description"] == "'-2+3 @A1"
    assert row["organization"] == "'@Ääkkönen Oy"
    # Phones: readable international format, inert thanks to the same apostrophe.
    assert row["phones"] == "'+358 40 1234567, +358 18 12345"
    assert row["emails"] == "eve@example.fi"

    orgs = _read_csv(await client.get(f"/t/{tenant.slug}/export/organizations.csv"))
    assert orgs[0]["name"] == "'@Ääkkönen Oy" and orgs[0]["city"] == "'-Oulu"


async def test_export_contains_departed_persons_flagged(client, tenant):
    async with tenant_scope(tenant.slug):
        org = await create_organization(OrganizationInput(name="Lähtö Oy"))
        stays = await create_person(
            PersonInput(first_name="Aino", last_name="Ahola", organization_id=org["id"])
        )
        leaves = await create_person(
            PersonInput(first_name="Eino", last_name="Ekola", organization_id=org["id"])
        )
        await mark_left(leaves, date(2026, 3, 31))
    rows = _read_csv(await client.get(f"/t/{tenant.slug}/export/persons.csv"))
    by_id = {r["id"]: r for r in rows}
    assert by_id[str(stays)]["left_on"] == ""
    assert by_id[str(leaves)]["left_on"] == "2026-03-31"
    assert by_id[str(leaves)]["organization"] == "Lähtö Oy"


async def test_exported_file_imports_back(client, tenant, make_tenant):
    async with tenant_scope(tenant.slug):
        await create_person(
            PersonInput(
                first_name="Åsa", last_name="-Öhman", phones=["040 1234567"], keywords=["a", "b"]
            )
        )
    exported = (await client.get(f"/t/{tenant.slug}/export/persons.csv")).content
    other = await make_tenant()
    r = await client.post(
        f"/t/{other.slug}/import/",
        data={"kind": "persons"},
        files={"file": ("export.csv", exported, "text/csv")},
        follow_redirects=False,
    )
    url = r.headers["location"]
    html = (await client.get(url)).text
    assert _count(html, "ok") == 1
    r = await _confirm(client, url, html)
    assert r.status_code == 200
    [card] = await _persons(other.slug)
    assert (card["last_name"], card["phones"], card["keywords"]) == (
        "-Öhman",
        ["+358401234567"],
        ["a", "b"],
    )


# --- import: preview, then all or nothing --------------------------------------------------


async def test_preview_shows_row_errors_and_writes_nothing_until_confirmed(client, tenant):
    text = HEADER_FI + (
        "Aino;Virtanen;aino@example.fi;040 1234567;Myyjä;;;\n"
        "Bertta;Bad;ei-osoite;;;;;\n"
        "Cecilia;Yritys;;;;Kortti Oy;0112038-8;\n"
        ";Nimetön;;12;;;;\n"
    )
    url, html = await _preview(client, tenant.slug, text)
    assert (_count(html, "ok"), _count(html, "error"), _count(html, "duplicate")) == (1, 3, 0)
    assert "ei-osoite" in _row(html, 3) and "Sähköposti" in _row(html, 3)
    assert "tarkistusnumero ei täsmää" in _row(html, 4)
    row5 = _row(html, 5)
    assert "Etunimi puuttuu" in row5 and "Puhelinnumero ”12” ei kelpaa" in row5
    assert await _persons(tenant.slug) == []

    # Errors present and "valid rows only" not chosen: refused, nothing saved.
    r = await _confirm(client, url, html)
    assert r.status_code == 422
    assert "virheellisiä rivejä" in r.text
    assert await _persons(tenant.slug) == []

    r = await _confirm(client, url, html, valid_only="yes")
    assert r.status_code == 200, r.text
    assert _done(r.text)["persons-created"] == 1
    [card] = await _persons(tenant.slug)
    import_id = url.rsplit("/", 1)[1]
    assert card["first_name"] == "Aino" and card["created_by"] == f"import:{import_id}"
    # The file is gone: the preview and a second confirmation find nothing.
    assert (await client.get(url)).status_code == 404
    assert (await _confirm(client, url, html, valid_only="yes")).status_code == 404
    assert len(await _persons(tenant.slug)) == 1


async def test_confirmed_import_creates_exactly_the_rows_and_organizations(client, tenant):
    async with tenant_scope(tenant.slug):
        await create_organization(OrganizationInput(name="Vanha Oy", business_id="0112038-9"))
    text = HEADER_FI + (
        "Aino;Virtanen;aino@example.fi;040 1234567;Myyjä;;0112038-9;myynti\n"
        "Eino;Äijälä;eino@example.fi;;;Uusi Oy;;\n"
        "Åke;Öst;;+46 70 123 45 67;;uusi oy;;\n"
        "Liisa;Laine;;;;Vanha Oy;;\n"
    )
    url, html = await _preview(client, tenant.slug, text, bom=True)
    assert _count(html, "ok") == 4
    assert "löytyi rekisteristä" in _row(html, 2) and "luodaan uutena" in _row(html, 3)
    assert "Uusi Oy" in html and 'data-testid="organizations-to-create"' in html
    assert await _organizations(tenant.slug) == 1

    r = await _confirm(client, url, html)
    assert r.status_code == 200
    assert _done(r.text) == {
        "persons-created": 4,
        "organizations-created": 1,
        "skipped-duplicates": 0,
        "skipped-errors": 0,
    }
    cards = {c["first_name"]: c for c in await _persons(tenant.slug)}
    assert set(cards) == {"Aino", "Eino", "Åke", "Liisa"}
    assert cards["Aino"]["organization_name"] == "Vanha Oy"
    assert cards["Aino"]["phones"] == ["+358401234567"] and cards["Aino"]["keywords"] == ["myynti"]
    assert cards["Eino"]["organization_id"] == cards["Åke"]["organization_id"]
    assert cards["Eino"]["organization_name"] == "Uusi Oy"
    assert cards["Liisa"]["organization_name"] == "Vanha Oy"
    assert cards["Åke"]["phones"] == ["+46701234567"]
    assert await _organizations(tenant.slug) == 2


async def test_failure_while_writing_rolls_back_every_row(client, tenant, monkeypatch):
    text = HEADER_FI + ("Aino;Virtanen;;;;Uusi Oy;;\nEino;Ekola;;;;;;\nOlli;Ojala;;;;;;\n")
    url, html = await _preview(client, tenant.slug, text)
    real = core_imports.create_person
    calls = 0

    async def flaky(data, *, actor=""):
        nonlocal calls
        calls += 1
        if calls == 2:
            # A real database error at the second row, after the first row and its new
            # organization were written.
            await DB.current_connection().execute("SELECT 1/0")
        return await real(data, actor=actor)

    monkeypatch.setattr(core_imports, "create_person", flaky)
    r = await _confirm(client, url, html)
    assert r.status_code == 422
    assert "Tuonti keskeytyi riville 3" in r.text and "Mitään ei tallennettu" in r.text
    assert await _persons(tenant.slug) == []
    assert await _organizations(tenant.slug) == 0
    # The file is kept, so the user can try again.
    monkeypatch.setattr(core_imports, "create_person", real)
    assert (await client.get(url)).status_code == 200
    r = await _confirm(client, url, html)
    assert r.status_code == 200
    assert len(await _persons(tenant.slug)) == 3


async def test_register_changed_since_preview_writes_nothing(client, tenant):
    text = "nimi;y-tunnus;postitoimipaikka\nNokia Oyj;0112038-9;Espoo\nKone Oyj;1927400-1;Espoo\n"
    url, html = await _preview(client, tenant.slug, text, kind="organizations")
    assert _count(html, "ok") == 2
    # Meanwhile someone adds one of the organizations.
    r = await client.post(
        f"/t/{tenant.slug}/api/v1/organizations",
        json={"name": "Nokia", "business_id": "0112038-9"},
    )
    assert r.status_code == 201
    r = await _confirm(client, url, html)
    assert r.status_code == 409
    assert "Rekisteri on muuttunut" in r.text
    assert await _organizations(tenant.slug) == 1
    # The new preview shows the match; confirming it imports the other one only.
    assert "sama Y-tunnus" in _row(r.text, 2) and "Y-tunnus on jo käytössä" in _row(r.text, 2)
    r = await _confirm(client, url, r.text)
    assert r.status_code == 200 and _done(r.text)["organizations-created"] == 1
    assert await _organizations(tenant.slug) == 2


async def test_duplicates_are_shown_with_their_match_and_skipped_unless_chosen(client, tenant):
    async with tenant_scope(tenant.slug):
        existing = await create_person(
            PersonInput(first_name="Maija", last_name="Meikäläinen", emails=["maija@example.fi"])
        )
    text = HEADER_FI + (
        "Maija;Meikäläinen;MAIJA@example.fi;;;;;\n"
        "Pekka;Puupää;;040 7654321;;;;\n"
        "Pekka;P.;;+358407654321;;;;\n"
        "Uuno;Uusi;;;;;;\n"
    )
    url, html = await _preview(client, tenant.slug, text)
    assert (_count(html, "ok"), _count(html, "duplicate")) == (2, 2)
    row2 = _row(html, 2)
    assert f'/t/{tenant.slug}/persons/{existing}"' in row2 and "sama sähköposti" in row2
    assert "Todennäköinen kaksoiskappale" in row2
    row4 = _row(html, 4)
    assert 'href="#row-3"' in row4 and "sama puhelinnumero" in row4
    # Default: duplicates skipped.
    r = await _confirm(client, url, html, **{"row-2": "skip", "row-4": "import"})
    assert r.status_code == 200
    assert _done(r.text)["persons-created"] == 3
    assert _done(r.text)["skipped-duplicates"] == 1
    names = sorted(c["last_name"] for c in await _persons(tenant.slug))
    assert names == ["Meikäläinen", "P.", "Puupää", "Uusi"]


async def test_global_duplicate_policy(client, tenant):
    async with tenant_scope(tenant.slug):
        await create_person(PersonInput(first_name="A", last_name="A", emails=["a@example.fi"]))
    text = HEADER_FI + "A;A;a@example.fi;;;;;\nB;B;;;;;;\n"
    url, html = await _preview(client, tenant.slug, text)
    r = await _confirm(client, url, html, duplicate_policy="import", **{"row-2": "skip"})
    assert r.status_code == 200 and _done(r.text)["persons-created"] == 2
    assert len(await _persons(tenant.slug)) == 3


@pytest.mark.parametrize("delimiter", [";", ","])
async def test_semicolon_and_comma_files_with_finnish_or_english_headers(client, tenant, delimiter):
    header = ["Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Titteli", "Avainsanat"]
    if delimiter == ",":
        header = ["first_name", "last_name", "email", "phone", "title", "keywords"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerow(
        ["Äänekoski", "Östen", "a@example.fi, b@example.fi", "040 1234567", "CEO", "x, y"]
    )
    url, html = await _preview(client, tenant.slug, buffer.getvalue())
    assert _count(html, "ok") == 1
    assert (await _confirm(client, url, html)).status_code == 200
    [card] = await _persons(tenant.slug)
    assert card["emails"] == ["a@example.fi", "b@example.fi"]
    assert card["phones"] == ["+358401234567"] and card["title"] == "CEO"
    assert card["keywords"] == ["x", "y"]


async def test_file_over_the_limit_is_refused_with_a_clear_message(client, tenant):
    row = "Aino;Virtanen;aino@example.fi;040 1234567;;;;\n"
    text = HEADER_FI + row * (csv_io.MAX_IMPORT_BYTES // len(row) + 10)
    r = await _upload(client, tenant.slug, text)
    assert r.status_code == 413
    assert "Tiedosto on liian suuri. Suurin sallittu koko on 5 Mt." in r.text
    # Far over the limit: refused before the body is read, with the same page.
    r = await _upload(client, tenant.slug, text * 2)
    assert r.status_code == 413
    assert "Tiedosto on liian suuri" in r.text and "<html" in r.text
    async with tenant_scope(tenant.slug):
        from core.settings import get_settings
        from core.storage import ObjectStore

        assert await ObjectStore.from_settings(get_settings()).keys("imports/") == []


async def test_unreadable_files_say_why(client, tenant):
    r = await _upload(client, tenant.slug, "etunimi;titteli\nA;B\n")
    assert r.status_code == 422 and "pakollinen sarake: last_name" in r.text
    r = await client.post(
        f"/t/{tenant.slug}/import/",
        data={"kind": "persons"},
        files={"file": ("x.csv", "etunimi;sukunimi\nÄ;Ö\n".encode("cp1252"), "text/csv")},
    )
    assert r.status_code == 422 and "UTF-8" in r.text
    r = await client.post(f"/t/{tenant.slug}/import/", data={"kind": "persons"})
    assert r.status_code == 422 and "Valitse tuotava CSV-tiedosto" in r.text


async def test_import_id_of_another_tenant_is_not_found(client, tenant, make_tenant):
    other = await make_tenant()
    url, html = await _preview(client, other.slug, HEADER_FI + "A;B;;;;;;\n")
    foreign = url.replace(f"/t/{other.slug}/", f"/t/{tenant.slug}/")
    assert (await client.get(foreign)).status_code == 404
    r = await _confirm(client, foreign, html)
    assert r.status_code == 404
    assert (await client.post(f"{foreign}/cancel", follow_redirects=False)).status_code == 404
    assert await _persons(tenant.slug) == [] and await _persons(other.slug) == []
    # The owner's file was not touched.
    assert (await client.get(url)).status_code == 200
    assert (await client.get(f"/t/{tenant.slug}/import/persons/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"/t/{tenant.slug}/import/people/{uuid.uuid4()}")).status_code == 404


async def test_cancel_deletes_the_file(client, tenant):
    url, _ = await _preview(client, tenant.slug, HEADER_FI + "A;B;;;;;;\n")
    r = await client.post(f"{url}/cancel", follow_redirects=False)
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    assert "Tuonti peruttiin" in r.text
    assert (await client.get(url)).status_code == 404
    assert (await client.post(f"{url}/cancel", follow_redirects=False)).status_code == 404
    assert await _persons(tenant.slug) == []


async def test_upload_page_and_preview_in_english(client, tenant):
    await client.switch_language(tenant.slug, "en")
    r = await client.get(f"/t/{tenant.slug}/import/")
    assert r.status_code == 200 and 'enctype="multipart/form-data"' in r.text
    assert "export/persons.csv" in r.text
    r = await _upload(client, tenant.slug, HEADER_FI + "A;B;ei-osoite;;;;;\n")
    r = await client.get(r.headers["location"])
    assert "Import preview" in r.text


async def test_organization_import_creates_with_provenance(client, tenant):
    text = (
        "Name,Business ID,Street address,Postal code,City,Status\n"
        "Nokia Oyj,0112038-9,Karakaari 7,02610,Espoo,aktiivinen\n"
        "Kone Oyj,1927400-1,,,,inactive\n"
        "Bad Oy,1234567-8,,123,,\n"
    )
    url, html = await _preview(client, tenant.slug, text, kind="organizations")
    assert (_count(html, "ok"), _count(html, "error")) == (2, 1)
    assert "Postinumero" in _row(html, 4)
    r = await _confirm(client, url, html, valid_only="yes")
    assert r.status_code == 200 and _done(r.text)["organizations-created"] == 2
    assert _done(r.text)["skipped-errors"] == 1
    async with tenant_scope(tenant.slug):
        rows = await DB.current_connection().fetch(
            "SELECT name, status, created_by FROM organization ORDER BY name"
        )
    import_id = url.rsplit("/", 1)[1]
    assert [(r["name"], r["status"], r["created_by"]) for r in rows] == [
        ("Kone Oyj", "inactive", f"import:{import_id}"),
        ("Nokia Oyj", "active", f"import:{import_id}"),
    ]


async def test_database_error_type_is_reported(client, tenant, monkeypatch):
    """A constraint failure (not a validation error) at commit is reported per row too."""
    url, html = await _preview(client, tenant.slug, HEADER_FI + "A;B;;;;;;\n")

    async def broken(data, *, actor=""):
        raise asyncpg.exceptions.CheckViolationError("boom")

    monkeypatch.setattr(core_imports, "create_person", broken)
    r = await _confirm(client, url, html)
    assert r.status_code == 422 and "Tuonti keskeytyi riville 2" in r.text
