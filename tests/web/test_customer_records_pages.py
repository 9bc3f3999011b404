"""Customer-data sections on the person and organization pages, the timeline, item comments and
the seller contacts page, through the web with CSRF tokens as the pages send them."""

import re
import uuid

import pytest
from litestar.testing import AsyncTestClient

from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope
from tests.core.test_customer_data import item
from tests.support.auth_client import SignedInClient
from web.app import create_app

HX = {"HX-Request": "true"}
PRIVATE_TITLE = "Salainen yrityskauppa Kuusinen"


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Kertymä Oy")


@pytest.fixture
async def staff(settings):
    async with AsyncTestClient(app=create_app(prepare_runtime=False)) as c:
        yield SignedInClient(c, role="staff")


async def _person(slug) -> uuid.UUID:
    async with tenant_scope(slug):
        return await create_person(PersonInput(first_name="Kaisa", last_name="Kuusinen"))


async def _org(slug) -> uuid.UUID:
    async with tenant_scope(slug):
        return (await create_organization(OrganizationInput(name="Tilaaja Oy")))["id"]


def _form(**fields) -> dict:
    return {k: v for k, v in fields.items()}


async def test_contact_history_add_list_and_delete_with_confirmation(client, tenant):
    person = await _person(tenant.slug)
    page_url = f"/t/{tenant.slug}/persons/{person}"
    url = f"{page_url}/records/contacts"
    page = await client.get(page_url)
    assert page.status_code == 200
    for section in ("contact_history", "feedback", "preferences", "comments", "timeline"):
        assert f'id="section-{section}"' in page.text
    # Bad input: 422, the error under its field, what was typed kept, nothing saved.
    r = await client.post(
        url,
        data=_form(channel="phone", direction="inbound", happened_at="huomenna", summary=""),
        headers=HX,
    )
    assert r.status_code == 422
    assert 'id="f-person-contacts-summary-error"' in r.text
    assert "Kirjoita lyhyt yhteenveto" in r.text and 'value="huomenna"' in r.text
    assert 'id="f-person-contacts-happened_at-error"' in r.text
    assert re.search(r'id="f-person-contacts-happened_at"[^>]*autofocus', r.text)
    assert 'data-testid="record-list"' not in r.text
    # Good input: the section comes back with the entry; the timeline is told to refresh.
    r = await client.post(
        url,
        data=_form(
            channel="email", direction="outbound", happened_at="2026-01-15T09:30", summary="Tarjous"
        ),
        headers=HX,
    )
    assert r.status_code == 200 and "Tarjous" in r.text and "Tallennettu." in r.text
    assert "kortisto:refresh-timeline" in r.headers["hx-trigger"]
    assert f"admin@{tenant.slug}.example" in r.text  # recorded by the signed-in user
    record_id = re.search(r'id="record-([0-9a-f-]{36})"', r.text).group(1)
    # Delete: a confirmation first (in place with HTMX, a page of its own without).
    confirm = await client.get(f"{url}/{record_id}/delete", headers=HX)
    assert 'data-testid="confirm-delete"' in confirm.text
    plain = await client.get(f"{url}/{record_id}/delete")
    assert plain.status_code == 200 and "<main" in plain.text
    r = await client.post(f"{url}/{record_id}/delete", data={}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#section-contact_history")
    assert "Tarjous" not in (await client.get(page_url)).text
    again = await client.post(f"{url}/{record_id}/delete", data={}, headers=HX)
    assert again.status_code == 404


async def test_without_javascript_errors_come_as_a_page_and_success_redirects(client, tenant):
    person = await _person(tenant.slug)
    url = f"/t/{tenant.slug}/persons/{person}/records/feedback"
    r = await client.post(url, data=_form(kind="satisfaction", score="12", comment=""))
    assert r.status_code == 422 and "<main" in r.text
    assert "Arvosana on 0–10" in r.text and 'value="12"' in r.text
    r = await client.post(
        url, data=_form(kind="satisfaction", score="8", comment="Hyvä"), follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#section-feedback")
    page = await client.get(f"/t/{tenant.slug}/persons/{person}")
    assert "arvosana 8 / 10" in page.text


async def test_an_active_restriction_shows_on_the_card_until_ended(client, tenant):
    person = await _person(tenant.slug)
    page_url = f"/t/{tenant.slug}/persons/{person}"
    url = f"{page_url}/records/preferences"
    r = await client.post(url, data=_form(kind="restriction", topic="other", value=""), headers=HX)
    assert r.status_code == 422 and 'id="f-restriction-value-error"' in r.text
    r = await client.post(url, data=_form(kind="restriction", topic="no_phone_calls"), headers=HX)
    assert r.status_code == 200
    # The card's badges come along out of band.
    assert 'id="restriction-badges" hx-swap-oob="true"' in r.text and "Ei puheluita" in r.text
    page = await client.get(page_url)
    card = page.text.split('data-testid="business-card"')[1].split("</article>")[0]
    assert 'data-testid="restriction-badge"' in card and "Ei puheluita" in card
    record_id = re.search(r'id="record-([0-9a-f-]{36})"', r.text).group(1)
    r = await client.post(f"{url}/{record_id}/end", data={}, headers=HX)
    assert r.status_code == 200 and 'data-testid="restriction-badge"' not in r.text
    card = (await client.get(page_url)).text.split('data-testid="business-card"')[1]
    assert "Ei puheluita" not in card.split("</article>")[0]


async def test_person_comments_and_personalisation(client, tenant):
    person = await _person(tenant.slug)
    base = f"/t/{tenant.slug}/persons/{person}/records"
    r = await client.post(f"{base}/comments", data=_form(body="  "), headers=HX)
    assert r.status_code == 422 and "Kommentti on tyhjä" in r.text
    r = await client.post(f"{base}/comments", data=_form(body="Tavattu messuilla"), headers=HX)
    assert "Tavattu messuilla" in r.text
    r = await client.post(
        f"{base}/preferences",
        data=_form(kind="personalisation", topic="Kieli", value="Ruotsi"),
        headers=HX,
    )
    assert r.status_code == 200 and "Ruotsi" in r.text
    timeline = await client.get(f"/t/{tenant.slug}/persons/{person}/timeline", headers=HX)
    assert "Tavattu messuilla" in timeline.text


async def test_orders_and_payments_on_the_organization_page_only(client, tenant):
    org, person = await _org(tenant.slug), await _person(tenant.slug)
    page_url = f"/t/{tenant.slug}/organizations/{org}"
    page = await client.get(page_url)
    for section in ("contact_history", "feedback", "orders", "payments", "comments"):
        assert f'id="section-{section}"' in page.text
    r = await client.post(
        f"{page_url}/records/orders",
        data=_form(amount="-1", currency="e", reference="", description="", status="open"),
        headers=HX,
    )
    assert r.status_code == 422
    assert "Summa ei voi olla negatiivinen" in r.text and "ei ole valuuttakoodi" in r.text
    r = await client.post(
        f"{page_url}/records/orders",
        data=_form(amount="1 234,50", currency="EUR", reference="T-77", status="open"),
        headers=HX,
    )
    assert r.status_code == 200 and "1\xa0234,50" in r.text
    assert "kortisto:refresh-payments" in r.headers["hx-trigger"]
    order_id = re.search(r'id="record-([0-9a-f-]{36})"', r.text).group(1)
    r = await client.post(
        f"{page_url}/records/payments",
        data=_form(amount="234,50", currency="EUR", order_id=order_id, method="bank_transfer"),
        headers=HX,
    )
    assert r.status_code == 200 and "T-77" in r.text and "Tilisiirto" in r.text
    orders = await client.get(f"{page_url}/records/orders", headers=HX)
    assert "234,50" in orders.text
    # No orders or payments on a person: the section does not exist there.
    for name in ("orders", "payments"):
        url = f"/t/{tenant.slug}/persons/{person}/records/{name}"
        assert (await client.post(url, data={"amount": "1"}, headers=HX)).status_code == 404
    # A person's id is no organization either.
    url = f"/t/{tenant.slug}/organizations/{person}/records/orders"
    assert (await client.post(url, data={"amount": "1"}, headers=HX)).status_code == 404


async def test_timeline_never_shows_a_private_item_title_to_a_non_participant(
    client, staff, tenant
):
    person = await _person(tenant.slug)
    async with tenant_scope(tenant.slug):
        public = await item("Avoin hallituksen kokous", person)
        private = await item(PRIVATE_TITLE, person, private=True)
    r = await client.post(
        f"/t/{tenant.slug}/persons/{person}/records/contacts",
        data=_form(channel="phone", direction="inbound", summary="Soitti"),
        headers=HX,
    )
    assert r.status_code == 200
    page_url = f"/t/{tenant.slug}/persons/{person}"
    urls = [
        page_url,
        f"{page_url}/timeline",
        f"{page_url}/timeline?page=2",
    ]
    for url in urls:
        for headers in ({}, HX):
            body = (await staff.get(url, headers=headers)).text
            assert PRIVATE_TITLE not in body, url
            assert str(private) not in body, url
    seen = (await staff.get(f"{page_url}/timeline", headers=HX)).text
    assert "Avoin hallituksen kokous" in seen and "Soitti" in seen
    # Comments on the private item: refused as if it did not exist.
    item_url = f"/t/{tenant.slug}/content/{private}/records/comments"
    assert (await staff.get(item_url, headers=HX)).status_code == 404
    r = await staff.post(item_url, data={"body": "Kurkistus"}, headers=HX)
    assert r.status_code == 404 and PRIVATE_TITLE not in r.text
    r = await staff.post(
        f"/t/{tenant.slug}/content/{public}/records/comments",
        data={"body": "Esityslista tulossa"},
        headers=HX,
    )
    assert r.status_code == 200 and "Esityslista tulossa" in r.text
    # The admin sees everything, the private item's title included.
    assert PRIVATE_TITLE in (await client.get(f"{page_url}/timeline", headers=HX)).text
    r = await client.post(item_url, data={"body": "Ylläpidon huomio"}, headers=HX)
    assert r.status_code == 200


async def test_timeline_shows_more_with_htmx(client, tenant):
    person = await _person(tenant.slug)
    url = f"/t/{tenant.slug}/persons/{person}/records/comments"
    for n in range(22):
        await client.post(url, data={"body": f"Huomio {n:02d}"}, headers=HX)
    page = await client.get(f"/t/{tenant.slug}/persons/{person}")
    assert "Huomio 21" in page.text and "Huomio 01" not in page.text.split("section-timeline")[1]
    more = await client.get(
        f"/t/{tenant.slug}/persons/{person}/timeline?page=2&part=entries", headers=HX
    )
    assert "Huomio 01" in more.text and "Huomio 00" in more.text and "Näytä lisää" not in more.text


async def test_seller_contacts_page(client, tenant):
    base = f"/t/{tenant.slug}/sellers/"
    page = await client.get(base)
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    r = await client.post(
        base, data=_form(seller_name="", phone="12", email="x@", subject="Mainos")
    )
    assert r.status_code == 422
    assert "Kirjoita myyjän nimi" in r.text and "Puhelinnumero ”12” ei kelpaa" in r.text
    assert 'value="x@"' in r.text
    r = await client.post(
        base,
        data=_form(
            seller_name="Mikko Myyjä",
            seller_organization="Mainostoimisto Oy",
            phone="040 765 4321",
            email="mikko@mainos.example",
            subject="Mainoskampanja",
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303
    listed = await client.get(base + "?q=0407654321")
    assert "Mikko Myyjä" in listed.text and "+358 40 7654321" in listed.text
    assert "Mikko Myyjä" not in (await client.get(base + "?q=kukaan", headers=HX)).text
    seller_id = re.search(r"/sellers/([0-9a-f-]{36})/delete", listed.text).group(1)
    assert (await client.get(f"{base}{seller_id}/delete")).status_code == 200
    r = await client.post(f"{base}{seller_id}/delete", data={}, follow_redirects=False)
    assert r.status_code == 303
    assert "Mikko Myyjä" not in (await client.get(base)).text


async def test_end_customers_do_not_reach_staff_pages(anon_client, make_tenant):
    from tests.conftest import add_self_user

    tenant = await make_tenant()
    own = await add_self_user(tenant.slug)
    me = SignedInClient(anon_client, role="self")
    for url in (
        f"/t/{tenant.slug}/persons/{own}/records/contacts",
        f"/t/{tenant.slug}/persons/{own}/timeline",
        f"/t/{tenant.slug}/sellers/",
    ):
        assert (await me.get(url, headers=HX)).status_code == 403
    r = await me.post(
        f"/t/{tenant.slug}/persons/{own}/records/comments", data={"body": "x"}, headers=HX
    )
    assert r.status_code == 403
