"""Organization pages: forms whose Y-tunnus error says why, the page with its people."""

import re
import uuid
from datetime import date

import pytest

from core.organizations import OrganizationInput, count_organizations, create_organization
from core.persons import PersonInput, create_person, mark_left
from tenants.scope import tenant_scope

FIELDS = (
    "name",
    "business_id",
    "street_address",
    "postal_code",
    "city",
    "country",
    "einvoice_address",
    "einvoice_operator",
    "status",
)


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Organisaatiot Oy")


def _form(**fields) -> dict:
    data = dict.fromkeys(FIELDS, "")
    data.update(country="FI", status="active")
    data.update(fields)
    return data


async def _count(slug) -> int:
    async with tenant_scope(slug):
        return await count_organizations()


async def test_create_organization_and_see_its_data(client, tenant):
    base = f"/t/{tenant.slug}/organizations"
    assert (await client.get(f"{base}/new")).status_code == 200
    r = await client.post(
        f"{base}/new",
        data=_form(
            name="Nokia Oyj",
            business_id="0112038-9",
            street_address="Karakaari 7",
            postal_code="02610",
            city="Espoo",
            einvoice_address="003701120389",
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = (await client.get(r.headers["location"])).text
    for text in (
        "Nokia Oyj",
        "0112038-9",
        "FI01120389",
        "Karakaari 7",
        "02610 Espoo",
        "003701120389",
    ):
        assert text in page, text
    listing = (await client.get(f"{base}/")).text
    assert "Nokia Oyj" in listing and "1 organisaatio." in listing


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"business_id": "0112038-8"}, "business_id", "tarkistusnumero ei täsmää"),
        ({"business_id": "12-3"}, "business_id", "ei ole Y-tunnus"),
        ({"postal_code": "123"}, "postal_code", "viisi numeroa"),
        ({"name": ""}, "name", "Organisaation nimi puuttuu"),
        ({"einvoice_address": "abc"}, "einvoice_address", "12–35"),
    ],
)
async def test_bad_fields_are_explained_and_nothing_is_saved(client, tenant, fields, field, text):
    data = _form(name="Huono Oy", city="Tampere")
    data.update(fields)
    r = await client.post(f"/t/{tenant.slug}/organizations/new", data=data, follow_redirects=False)
    assert r.status_code == 200
    assert text in r.text
    tag = re.search(rf'<input[^>]*id="f-{field}"[^>]*>', r.text).group(0)
    assert 'aria-invalid="true"' in tag and f"f-{field}-error" in tag and "autofocus" in tag
    assert 'value="Tampere"' in r.text
    assert await _count(tenant.slug) == 0


async def test_bad_business_id_names_the_value(client, tenant):
    r = await client.post(
        f"/t/{tenant.slug}/organizations/new", data=_form(name="Nokia", business_id="0112038-8")
    )
    assert "Y-tunnuksen ”0112038-8” tarkistusnumero ei täsmää" in r.text


async def test_duplicate_business_id_is_a_field_error(client, tenant):
    async with tenant_scope(tenant.slug):
        await create_organization(OrganizationInput(name="Eka", business_id="0112038-9"))
    r = await client.post(
        f"/t/{tenant.slug}/organizations/new", data=_form(name="Toka", business_id="0112038-9")
    )
    assert r.status_code == 200 and "jo organisaatio tällä Y-tunnuksella" in r.text
    assert await _count(tenant.slug) == 1


async def test_edit_organization(client, tenant):
    async with tenant_scope(tenant.slug):
        org = await create_organization(OrganizationInput(name="Vanha Nimi Oy"))
    url = f"/t/{tenant.slug}/organizations/{org['id']}/edit"
    form = await client.get(url)
    assert 'value="Vanha Nimi Oy"' in form.text
    bad = await client.post(url, data=_form(name="Uusi Nimi Oy", business_id="1234567-8"))
    assert bad.status_code == 200 and "tarkistusnumero" in bad.text
    r = await client.post(url, data=_form(name="Uusi Nimi Oy"), follow_redirects=False)
    assert r.status_code == 303
    assert "Uusi Nimi Oy" in (await client.get(r.headers["location"])).text


async def test_organization_page_lists_current_and_former_people(client, tenant):
    async with tenant_scope(tenant.slug):
        org = (await create_organization(OrganizationInput(name="Väki Oy")))["id"]
        await create_person(
            PersonInput(first_name="Nykyinen", last_name="Työntekijä", organization_id=org)
        )
        gone = await create_person(
            PersonInput(first_name="Entinen", last_name="Työntekijä", organization_id=org)
        )
        await mark_left(gone, date(2026, 5, 1))
    text = (await client.get(f"/t/{tenant.slug}/organizations/{org}")).text
    current, former = text.split("Entiset henkilöt", 1)
    assert "Nykyinen Työntekijä" in current and "Entinen Työntekijä" not in current
    assert "Entinen Työntekijä" in former and 'data-testid="departed-badge"' in former
    assert f"/persons/new?organization_id={org}" in text
    new_card = await client.get(
        f"/t/{tenant.slug}/persons/new", params={"organization_id": str(org)}
    )
    assert f'<option value="{org}" selected>' in new_card.text


async def test_bad_ids_and_other_tenants_are_404(client, tenant, make_tenant):
    other = await make_tenant()
    async with tenant_scope(other.slug):
        foreign = (await create_organization(OrganizationInput(name="Vieras Oy")))["id"]
    base = f"/t/{tenant.slug}/organizations"
    for org_id in ("nope", str(uuid.uuid4()), str(foreign)):
        for suffix in ("", "/edit"):
            r = await client.get(f"{base}/{org_id}{suffix}")
            assert r.status_code == 404 and "Vieras Oy" not in r.text
    r = await client.post(f"{base}/{foreign}/edit", data=_form(name="Kaapattu"))
    assert r.status_code == 404
    async with tenant_scope(other.slug):
        assert await count_organizations() == 1


async def test_organization_list_pages_and_fragment(client, make_tenant):
    names = await make_tenant()
    async with tenant_scope(names.slug):
        for i in range(23):
            await create_organization(OrganizationInput(name=f"Yritys {i:02d} Oy"))
    url = f"/t/{names.slug}/organizations/"
    first = await client.get(url)
    assert "Yritys 00 Oy" in first.text and "Yritys 21 Oy" not in first.text
    second = await client.get(url, params={"page": "2"}, headers={"HX-Request": "true"})
    assert "<html" not in second.text and "Yritys 21 Oy" in second.text
