"""End customers (role self): their own page and corrections, invited from the person page,
and refused everywhere else in the register."""

import re
import uuid

from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import PASSWORD, SignedInClient


async def _customer(slug):
    """An end customer with a card in an organization; a signed-in client for them."""
    person = await add_self_user(slug)
    async with tenant_scope(slug):
        org = (await create_organization(OrganizationInput(name="Asiakasyritys Oy")))["id"]
        await DB.current_connection().execute(
            "UPDATE person SET organization = $2, keywords = '{vip}', description = 'Muistio' "
            "WHERE id = $1",
            person,
            org,
        )
        other = await create_person(
            PersonInput(first_name="Toinen", last_name="Henkilö", emails=["toinen@x.example"])
        )
    return person, other


async def test_own_page_shows_own_card_only(anon_client, make_tenant):
    t = await make_tenant()
    _person, _other = await _customer(t.slug)
    me = SignedInClient(anon_client, role="self")
    home = await me.get(f"/t/{t.slug}/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == f"/t/{t.slug}/me/"
    page = await me.get(f"/t/{t.slug}/me/")
    assert page.status_code == 200
    assert "Asiakas Itse" in page.text and "Asiakasyritys Oy" in page.text
    assert "Muistio" in page.text  # data held about them, read-only
    assert "Toinen" not in page.text
    for section in ("consents", "requests", "transfers"):
        assert f'data-section="{section}"' in page.text
    assert "Korjauksia ei ole tehty." in page.text
    # Staff and admins have no own page.
    admin = SignedInClient(anon_client.__class__(app=anon_client.app))
    async with admin.client:
        assert (await admin.get(f"/t/{t.slug}/me/")).status_code == 403


async def test_edit_own_card_with_errors_then_rectifications(anon_client, make_tenant, client):
    t = await make_tenant()
    person, _other = await _customer(t.slug)
    me = SignedInClient(anon_client, role="self")
    form = await me.get(f"/t/{t.slug}/me/edit")
    assert form.status_code == 200 and 'name="first_name"' in form.text
    assert 'name="organization_id"' not in form.text and 'name="keywords"' not in form.text

    bad = await me.post(
        f"/t/{t.slug}/me/edit",
        data={
            "first_name": "",
            "last_name": "Itse-Korjattu",
            "emails": "ei-osoite",
            "phones": "040 765 4321",
            "title": "Johtaja",
        },
    )
    assert bad.status_code == 400
    assert "Etunimi puuttuu" in bad.text and "Sähköpostiosoite ”ei-osoite” ei kelpaa" in bad.text
    # Nothing typed is lost.
    assert 'value="Itse-Korjattu"' in bad.text and "040 765 4321" in bad.text
    assert ">ei-osoite</textarea>" in bad.text and 'value="Johtaja"' in bad.text
    async with tenant_scope(t.slug):
        assert not await DB.current_connection().fetchval("SELECT count(*) FROM rectification")

    ok = await me.post(
        f"/t/{t.slug}/me/edit",
        data={
            "first_name": "Asiakas",
            "last_name": "Itse-Korjattu",
            "emails": "oma@koti.example",
            "phones": "040 765 4321",
            "title": "Johtaja",
            "organization_id": str(uuid.uuid4()),  # ignored: not the person's to change
            "keywords": "hakkeroitu",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = await me.get(ok.headers["location"])
    assert "Korjaukset tallennettiin" in page.text and "Itse-Korjattu" in page.text
    table = re.search(r'data-testid="rectifications".*?</table>', page.text, re.S).group(0)
    assert "Sukunimi" in table and "Itse" in table and "Itse-Korjattu" in table
    assert f"self@{t.slug}.example" in table
    async with tenant_scope(t.slug):
        conn = DB.current_connection()
        rows = {
            r["field"]: r
            for r in await conn.fetch("SELECT * FROM rectification WHERE person = $1", person)
        }
        card = await conn.fetchrow("SELECT * FROM person WHERE id = $1", person)
    assert set(rows) == {"last_name", "emails", "phones", "title"}
    assert (rows["last_name"]["old_value"], rows["last_name"]["new_value"]) == (
        "Itse",
        "Itse-Korjattu",
    )
    assert rows["phones"]["old_value"] == "" and rows["phones"]["new_value"] == "+358407654321"
    assert rows["title"]["changed_by_label"] == f"self@{t.slug}.example"
    assert rows["title"]["changed_by_user"] is not None
    assert card["keywords"] == ["vip"] and card["organization"] is not None

    # Staff see the same rectifications on the person page.
    staff_page = await client.get(f"/t/{t.slug}/persons/{person}")
    assert "Henkilön tekemät oikaisut" in staff_page.text
    assert "Itse-Korjattu" in re.search(
        r'data-testid="rectifications".*?</table>', staff_page.text, re.S
    ).group(0)


async def test_end_customer_gets_the_same_answer_for_any_other_card(anon_client, make_tenant):
    """Every route as every role is walked by tests/web/test_authorization_matrix.py (with
    web/authorization_matrix.csv saying which routes are theirs); here: a real card of
    someone else is indistinguishable from one that does not exist."""
    t = await make_tenant()
    _person, other = await _customer(t.slug)
    me = SignedInClient(anon_client, role="self")
    real = await me.get(f"/t/{t.slug}/persons/{other}")
    made_up = await me.get(f"/t/{t.slug}/persons/{uuid.uuid4()}")
    assert real.status_code == made_up.status_code and real.status_code in (403, 404)
    assert "Toinen" not in real.text
    api = await me.get(f"/t/{t.slug}/api/v1/persons/{other}")
    assert api.status_code in (403, 404) and "Toinen" not in api.text
    assert (await me.get(f"/t/{t.slug}/me/{other}")).status_code == 404


async def test_admin_invites_a_person_as_end_customer_from_their_page(
    client, anon_client, make_tenant
):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        person = await create_person(
            PersonInput(first_name="Kaisa", last_name="Kutsuttu", emails=["Kaisa@Koti.example"])
        )
    card = await client.get(f"/t/{t.slug}/persons/{person}")
    assert f"/admin/users?invite_person={person}" in card.text and "Kutsu asiakkaaksi" in card.text
    form = await client.get(f"/t/{t.slug}/admin/users?invite_person={person}")
    assert "Kutsu asiakkaaksi: Kaisa Kutsuttu" in form.text
    assert re.search(r'value="kaisa@koti.example"', form.text, re.I)  # the card's e-mail
    assert f'name="person_id" value="{person}"' in form.text
    assert (
        await client.get(f"/t/{t.slug}/admin/users?invite_person={uuid.uuid4()}")
    ).status_code == 404

    no_card = await client.post(
        f"/t/{t.slug}/admin/users/invite", data={"email": "x@koti.example", "role": "self"}
    )
    assert no_card.status_code == 400 and "Käyntikorttia ei löydy" in no_card.text
    sent = await client.post(
        f"/t/{t.slug}/admin/users/invite",
        data={"email": "Kaisa@Koti.example", "role": "self", "person_id": str(person)},
    )
    assert sent.status_code == 200
    code = re.search(r"koodi (\d{6})", sent.text).group(1)
    outbox = (await client.get(f"/t/{t.slug}/admin/outbox")).text
    link = re.search(r"(/t/[a-z0-9-]+/invite/[A-Za-z0-9_-]+)", outbox).group(1)
    assert "katsomaan ja korjaamaan tietojasi" in outbox

    async with anon_client.__class__(app=anon_client.app) as browser:
        await browser.get(link)
        accepted = await browser.post(
            link,
            data={
                "key_code": code,
                "password": PASSWORD,
                "password_again": PASSWORD,
                "_csrf_token": browser.cookies.get("kortisto_csrf", ""),
            },
            follow_redirects=True,
        )
        assert accepted.status_code == 200 and str(accepted.url).endswith(f"/t/{t.slug}/me/")
        assert "Kaisa Kutsuttu" in accepted.text
        assert (await browser.get(f"/t/{t.slug}/persons/")).status_code == 403

    card = await client.get(f"/t/{t.slug}/persons/{person}")
    assert "Kutsu asiakkaaksi" not in card.text
    assert "kaisa@koti.example" in card.text and 'data-testid="self-account"' in card.text
    again = await client.post(
        f"/t/{t.slug}/admin/users/invite",
        data={"email": "toinen@koti.example", "role": "self", "person_id": str(person)},
    )
    assert again.status_code == 400 and "jo asiakastunnus" in again.text
    users = await client.get(f"/t/{t.slug}/admin/users")
    assert f'href="/t/{t.slug}/persons/{person}">Kaisa Kutsuttu</a>' in users.text


async def test_staff_see_no_invite_button(anon_client, make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        person = await create_person(PersonInput(first_name="Ei", last_name="Kutsua"))
    staff = SignedInClient(anon_client, role="staff")
    page = await staff.get(f"/t/{t.slug}/persons/{person}")
    assert page.status_code == 200 and "Kutsu asiakkaaksi" not in page.text
    assert "Henkilön tekemät oikaisut" in page.text
