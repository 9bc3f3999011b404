"""Business card pages: forms with inline errors, the duplicate warning, the person page,
leaving an organization, merged cards, bad ids and tenant isolation."""

import re
import uuid
from datetime import date

import pytest

from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, get_person, list_persons
from tenants.scope import tenant_scope

HX = {"HX-Request": "true"}


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Sivut Oy")


async def _person(slug, **fields) -> uuid.UUID:
    fields.setdefault("first_name", "Liisa")
    fields.setdefault("last_name", "Järvinen")
    async with tenant_scope(slug):
        return await create_person(PersonInput(**fields))


async def _org(slug, name="Duplikaatti Oy", business_id=None) -> uuid.UUID:
    async with tenant_scope(slug):
        return (await create_organization(OrganizationInput(name=name, business_id=business_id)))[
            "id"
        ]


async def _count(slug, **kw) -> int:
    async with tenant_scope(slug):
        return (await list_persons(**kw))[1]


def _form(**fields) -> dict:
    base = dict.fromkeys(
        (
            "first_name",
            "last_name",
            "emails",
            "phones",
            "title",
            "organization_id",
            "keywords",
            "description",
        ),
        "",
    )
    base.update(fields)
    return base


async def test_create_card_through_the_form_redirects_to_the_person_page(client, tenant):
    base = f"/t/{tenant.slug}/persons"
    org = await _org(tenant.slug, "Ääkkösten Kauppa Oy")
    form = await client.get(f"{base}/new")
    assert form.status_code == 200
    assert 'for="f-first_name"' in form.text and 'id="f-first_name"' in form.text
    r = await client.post(
        f"{base}/new",
        data=_form(
            first_name="Åsa",
            last_name="Öhman",
            emails="asa@kauppa.fi\nasa.ohman@kauppa.fi",
            phones="040 123 4567",
            title="Myyntipäällikkö",
            organization_id=str(org),
            keywords="hallitus, myynti",
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    person_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
    page = await client.get(r.headers["location"])
    assert page.status_code == 200
    assert "Åsa Öhman" in page.text and "Ääkkösten Kauppa Oy" in page.text
    assert "+358 40 1234567" in page.text and "asa.ohman@kauppa.fi" in page.text
    for section in ("content", "contact_history", "consents", "requests", "transfers"):
        assert f'id="section-{section}"' in page.text
    assert f"/persons/{person_id}/merge" in page.text
    async with tenant_scope(tenant.slug):
        assert (await get_person(person_id))["emails"] == ["asa@kauppa.fi", "asa.ohman@kauppa.fi"]


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"emails": "ei-osoite"}, "emails", "Sähköpostiosoite ”ei-osoite” ei kelpaa"),
        ({"phones": "12"}, "phones", "Puhelinnumero ”12” ei kelpaa"),
        ({"first_name": ""}, "first_name", "Etunimi puuttuu"),
        ({"organization_id": "not-a-uuid"}, "organization_id", "organisaatiota ei löydy"),
    ],
)
async def test_bad_field_shows_inline_error_keeps_input_and_saves_nothing(
    client, tenant, fields, field, text
):
    data = _form(first_name="Matti", last_name="Meikäläinen", title="Toimitusjohtaja")
    data.update(fields)
    r = await client.post(f"/t/{tenant.slug}/persons/new", data=data, follow_redirects=False)
    assert r.status_code == 200
    assert text in r.text
    # The error sits under its field and is tied to it; the field is marked and focused.
    assert f'id="f-{field}-error"' in r.text
    tag = re.search(rf'<(input|textarea|select)[^>]*id="f-{field}"[^>]*>', r.text).group(0)
    assert 'aria-invalid="true"' in tag and f"f-{field}-error" in tag and "autofocus" in tag
    # The summary links to the field; what the user typed is still there.
    assert f'href="#f-{field}"' in r.text and 'role="alert"' in r.text
    assert 'value="Toimitusjohtaja"' in r.text
    assert await _count(tenant.slug, include_departed=True) == 0


async def test_field_errors_are_translated(client, tenant):
    await client.switch_language(tenant.slug, "en")
    r = await client.post(
        f"/t/{tenant.slug}/persons/new", data=_form(first_name="A", last_name="B", phones="12")
    )
    assert r.status_code == 200
    assert "The phone number “12” is not valid" in r.text


async def test_duplicate_fragment_strong_and_weak(client, tenant):
    org = await _org(tenant.slug)
    pid = await _person(
        tenant.slug, emails=["liisa@duplikaatti.fi"], phones=["0401112222"], organization_id=org
    )
    url = f"/t/{tenant.slug}/persons/duplicates"
    strong = await client.post(
        url, data=_form(first_name="L", last_name="X", emails="LIISA@duplikaatti.FI"), headers=HX
    )
    assert strong.status_code == 200 and "<html" not in strong.text
    assert f"/persons/{pid}" in strong.text and 'data-strength="strong"' in strong.text
    assert "sama sähköpostiosoite" in strong.text and 'name="save_anyway"' in strong.text
    by_phone = await client.post(url, data=_form(phones="+358 40 111 2222"), headers=HX)
    assert 'data-strength="strong"' in by_phone.text and "sama puhelinnumero" in by_phone.text
    weak = await client.post(
        url,
        data=_form(first_name="Liisa", last_name="Järvine", organization_id=str(org)),
        headers=HX,
    )
    assert 'data-strength="weak"' in weak.text and 'data-strength="strong"' not in weak.text
    assert 'name="save_anyway"' not in weak.text
    nothing = await client.post(url, data=_form(first_name="Olli", last_name="Outo"), headers=HX)
    assert "data-strength" not in nothing.text
    # Editing the card itself does not warn about itself.
    own = await client.post(
        f"{url}?exclude={pid}", data=_form(emails="liisa@duplikaatti.fi"), headers=HX
    )
    assert "data-strength" not in own.text


async def test_strong_duplicate_stops_a_plain_post_once_then_save_anyway(client, tenant):
    await _person(tenant.slug, emails=["liisa@duplikaatti.fi"])
    data = _form(first_name="Liisa", last_name="Järvinen-Uusi", emails="liisa@duplikaatti.fi")
    url = f"/t/{tenant.slug}/persons/new"
    r = await client.post(url, data=data, follow_redirects=False)
    assert r.status_code == 200 and 'data-strength="strong"' in r.text
    assert await _count(tenant.slug) == 1
    r = await client.post(url, data={**data, "save_anyway": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert await _count(tenant.slug) == 2


async def test_edit_keeps_history_and_shows_changes(client, tenant):
    first, second = await _org(tenant.slug, "Eka Oy"), await _org(tenant.slug, "Toka Oy")
    pid = await _person(tenant.slug, organization_id=first, phones=["0401234567"])
    url = f"/t/{tenant.slug}/persons/{pid}/edit"
    form = await client.get(url)
    assert form.status_code == 200 and "+358 40 1234567" in form.text
    assert f'<option value="{first}" selected>' in form.text
    r = await client.post(
        url,
        data=_form(
            first_name="Liisa",
            last_name="Järvinen",
            phones="0401234567",
            organization_id=str(second),
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = (await client.get(f"/t/{tenant.slug}/persons/{pid}")).text
    assert "Eka Oy" in page and "Toka Oy" in page and "Työhistoria" in page


async def test_leaving_needs_confirmation_then_hides_the_card_with_a_badge(client, tenant):
    pid = await _person(tenant.slug)
    url = f"/t/{tenant.slug}/persons/{pid}/leave"
    confirm = await client.get(url)
    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert await _count(tenant.slug) == 1  # GET changed nothing
    bad = await client.post(url, data={"left_on": "huomenna"})
    assert bad.status_code == 200 and "pp.kk.vvvv" in bad.text
    assert await _count(tenant.slug) == 1
    r = await client.post(url, data={"left_on": "31.10.2026"}, follow_redirects=False)
    assert r.status_code == 303
    assert await _count(tenant.slug) == 0
    page = await client.get(f"/t/{tenant.slug}/persons/{pid}")
    assert 'data-testid="departed-badge"' in page.text and "31.10.2026" in page.text
    async with tenant_scope(tenant.slug):
        assert (await get_person(pid))["left_organization_on"] == date(2026, 10, 31)


async def test_sections_load_as_fragments(client, tenant):
    pid = await _person(tenant.slug)
    url = f"/t/{tenant.slug}/persons/{pid}/section/consents"
    r = await client.get(url, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="section-consents"' in r.text and "Suostumuksia ei ole vielä kirjattu" in r.text
    plain = await client.get(url, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].endswith("#section-consents")
    assert (
        await client.get(f"/t/{tenant.slug}/persons/{pid}/section/nope", headers=HX)
    ).status_code == 404


async def test_merged_card_redirects_to_the_survivor(client, tenant):
    survivor = await _person(tenant.slug, first_name="Säilyvä")
    merged = await _person(tenant.slug, first_name="Yhdistetty")
    async with tenant_scope(tenant.slug):
        await DB.current_connection().execute(
            "UPDATE person SET merged_into = $1 WHERE id = $2", survivor, merged
        )
    base = f"/t/{tenant.slug}/persons"
    r = await client.get(f"{base}/{merged}", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"{base}/{survivor}"
    r = await client.get(f"{base}/{merged}/edit", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"{base}/{survivor}/edit"
    r = await client.post(
        f"{base}/{merged}/leave", data={"left_on": "2026-01-01"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"{base}/{survivor}"
    assert await _count(tenant.slug) == 1  # the survivor did not leave


@pytest.mark.parametrize("suffix", ["", "/edit", "/leave", "/section/consents"])
async def test_bad_or_unknown_ids_are_404_pages(client, tenant, suffix):
    base = f"/t/{tenant.slug}/persons"
    for person_id in ("not-a-uuid", "1234", str(uuid.uuid4())):
        r = await client.get(f"{base}/{person_id}{suffix}")
        assert r.status_code == 404, (person_id, suffix)
        assert "Sivua ei löydy" in r.text


async def test_person_of_another_tenant_is_404(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    foreign = await _person(b.slug, first_name="Vieras")
    for suffix in ("", "/edit", "/leave"):
        r = await client.get(f"/t/{a.slug}/persons/{foreign}{suffix}")
        assert r.status_code == 404
        assert "Vieras" not in r.text
    r = await client.post(f"/t/{a.slug}/persons/{foreign}/leave", data={"left_on": "2026-01-01"})
    assert r.status_code == 404
    r = await client.post(
        f"/t/{a.slug}/persons/{foreign}/edit", data=_form(first_name="X", last_name="Y")
    )
    assert r.status_code == 404
    assert await _count(b.slug) == 1
    async with tenant_scope(b.slug):
        assert (await get_person(foreign))["first_name"] == "Vieras"


async def test_state_changes_need_post(client, tenant):
    pid = await _person(tenant.slug)
    for path in (f"/persons/{pid}/leave", f"/persons/{pid}/edit", "/persons/new"):
        r = await client.request("PUT", f"/t/{tenant.slug}{path}")
        assert r.status_code == 405, path
