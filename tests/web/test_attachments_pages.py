"""Attachments through the web: the section on the person and organization pages, upload with
the limit and type checks, download through a presigned link after the permission check,
delete, and nothing of a private item or another tenant reachable by id."""

import dataclasses
import uuid

import httpx
import pytest

from core import attachments as core_attachments
from core import audit
from core.business_areas import add_area
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from core.settings import get_settings
from core.visibility import SYSTEM
from tenants.scope import tenant_scope
from tests.support.auth_client import SignedInClient, user_email
from web.routes import attachments as web_attachments

PDF = b"%PDF-1.7\n" + b"tarjous " * 400
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 400
HTMX = {"HX-Request": "true"}


async def _card(slug: str) -> uuid.UUID:
    async with tenant_scope(slug):
        return await create_person(PersonInput(first_name="Liisa", last_name="Liitteinen"))


def _file(name: str, data: bytes, content_type: str = "application/pdf") -> dict:
    return {"file": (name, data, content_type)}


async def _keys(slug: str, store) -> list[str]:
    async with tenant_scope(slug):
        return await store.keys("attachments/")


async def test_upload_list_download_and_delete_on_the_person_page(client, make_tenant, store):
    a = await make_tenant()
    person = await _card(a.slug)
    url = f"/t/{a.slug}/attachments/person/{person}"
    r = await client.post(url, files=_file("Tarjous 2026.pdf", PDF), headers=HTMX)
    assert r.status_code == 200, r.text[:500]
    assert "Tarjous 2026.pdf" in r.text and "<progress" in r.text
    assert "Liite Tarjous 2026.pdf ladattiin" in r.text
    page = await client.get(f"/t/{a.slug}/persons/{person}")
    assert 'id="attachments"' in page.text and "Tarjous 2026.pdf" in page.text
    assert 'type="file"' in page.text and "Enintään 25 Mt" in page.text
    async with tenant_scope(a.slug):
        row = await DB.current_connection().fetchrow("SELECT id, object_key FROM attachment")
    download = await client.get(f"/t/{a.slug}/attachment/{row['id']}", follow_redirects=False)
    assert download.status_code == 303
    link = download.headers["location"]
    assert "X-Amz-Expires=60" in link and "Tarjous" not in link.split("?")[0]
    fetched = httpx.get(link)
    assert fetched.content == PDF and "Tarjous 2026.pdf" in fetched.headers["content-disposition"]
    confirm = await client.get(f"/t/{a.slug}/attachment/{row['id']}/delete", headers=HTMX)
    assert "pysyvästi" in confirm.text and "<tr" in confirm.text
    gone = await client.post(f"/t/{a.slug}/attachment/{row['id']}/delete", headers=HTMX)
    assert gone.status_code == 200 and "poistettiin" in gone.text
    assert await _keys(a.slug, store) == []  # removed once the request's transaction committed
    assert (await client.get(f"/t/{a.slug}/attachment/{row['id']}")).status_code == 404


async def test_organization_page_has_the_section_and_plain_form_post_works(client, make_tenant):
    a = await make_tenant()
    async with tenant_scope(a.slug):
        org = (await create_organization(OrganizationInput(name="Liite Oy")))["id"]
    page = await client.get(f"/t/{a.slug}/organizations/{org}")
    assert 'id="attachments"' in page.text and "Ei liitteitä." in page.text
    # Without JavaScript: the CSRF token travels in the form, the answer goes back to the page.
    r = await client.client.post(
        f"/t/{a.slug}/attachments/organization/{org}",
        data={"_csrf_token": client.csrf_token()},
        files=_file("muistio.txt", "Hyvä muistio".encode(), "text/plain"),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith(f"/{org}#attachments")
    page = await client.get(f"/t/{a.slug}/organizations/{org}")
    assert "muistio.txt" in page.text and "Tarkistetaan" in page.text


async def test_too_large_file_is_refused_with_the_limit_named(
    client, make_tenant, store, monkeypatch
):
    small = dataclasses.replace(get_settings(), attachment_max_bytes=1024)
    monkeypatch.setattr(web_attachments, "get_settings", lambda: small)
    monkeypatch.setattr(core_attachments, "get_settings", lambda: small)
    a = await make_tenant()
    person = await _card(a.slug)
    url = f"/t/{a.slug}/attachments/person/{person}"
    r = await client.post(url, files=_file("iso.pdf", PDF), headers=HTMX)
    assert r.status_code == 413
    assert "Tiedosto on liian suuri: enintään 1 kt" in r.text
    assert 'aria-invalid="true"' in r.text and 'role="alert"' in r.text
    ok = await client.post(url, files=_file("pieni.pdf", PDF[:1000]), headers=HTMX)
    assert ok.status_code == 200
    assert len(await _keys(a.slug, store)) == 1


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("lasku.pdf", ELF, "Tiedosto on ohjelma (ELF)"),
        ("lasku.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 10, "(PE/MZ)"),
        ("asennus.exe", PDF, "Ohjelmia ja komentosarjoja (.exe)"),
        ("kuva.png", PDF, "mutta sisältö on PDF-tiedosto"),
    ],
)
async def test_programs_and_renamed_files_are_refused(client, make_tenant, store, name, data, says):
    a = await make_tenant()
    person = await _card(a.slug)
    r = await client.post(
        f"/t/{a.slug}/attachments/person/{person}", files=_file(name, data), headers=HTMX
    )
    assert r.status_code == 422 and says in r.text
    assert await _keys(a.slug, store) == []


async def test_no_file_chosen_says_so(client, make_tenant):
    a = await make_tenant()
    person = await _card(a.slug)
    r = await client.post(f"/t/{a.slug}/attachments/person/{person}", data={"x": "1"}, headers=HTMX)
    assert r.status_code == 400 and "Valitse ladattava tiedosto." in r.text


async def _private_item_with_attachment(slug: str) -> tuple[uuid.UUID, uuid.UUID]:
    async with tenant_scope(slug):
        conn = DB.current_connection()
        area = await add_area(f"Yrityskaupat {uuid.uuid4().hex[:6]}")
        item = uuid.uuid4()
        await conn.execute(
            "INSERT INTO content_item (id, kind, title, private, area) "
            "VALUES ($1, 'meeting', 'Salainen yrityskauppa', true, $2)",
            item,
            area,
        )
        row = await core_attachments.upload(
            core_attachments.Owner("item", item),
            core_attachments.Upload("yrityskauppa.pdf", PDF),
            viewer=SYSTEM,
            actor=audit.SYSTEM,
        )
    return item, row["id"]


async def test_private_item_attachment_is_not_found_for_staff_who_do_not_take_part(
    anon_client, make_tenant
):
    a = await make_tenant()
    item, attachment = await _private_item_with_attachment(a.slug)
    staff = SignedInClient(anon_client, role="staff")
    for url in (
        f"/t/{a.slug}/attachment/{attachment}",
        f"/t/{a.slug}/attachment/{attachment}/delete",
        f"/t/{a.slug}/attachments/item/{item}",
    ):
        r = await staff.get(url, headers=HTMX, follow_redirects=False)
        assert r.status_code == 404, url
        assert "yrityskauppa" not in r.text and "Salainen" not in r.text
    r = await staff.post(f"/t/{a.slug}/attachment/{attachment}/delete", headers=HTMX)
    assert r.status_code == 404
    # Taking part opens it.
    async with tenant_scope(a.slug):
        conn = DB.current_connection()
        user = await conn.fetchval(
            "SELECT id FROM app_user WHERE email = $1", user_email(a.slug, "staff")
        )
        await conn.execute(
            "INSERT INTO content_participant (id, item, app_user) VALUES ($1, $2, $3)",
            uuid.uuid4(),
            item,
            user,
        )
    r = await staff.get(f"/t/{a.slug}/attachment/{attachment}", follow_redirects=False)
    assert r.status_code == 303


async def test_tenant_a_cannot_fetch_tenant_b_attachment_by_id(client, make_tenant):
    a, b = await make_tenant(), await make_tenant()
    person = await _card(b.slug)
    r = await client.post(
        f"/t/{b.slug}/attachments/person/{person}", files=_file("b.pdf", PDF), headers=HTMX
    )
    assert r.status_code == 200
    async with tenant_scope(b.slug):
        row = await DB.current_connection().fetchrow("SELECT id, object_key FROM attachment")
    for url in (
        f"/t/{a.slug}/attachment/{row['id']}",
        f"/t/{a.slug}/attachment/{row['id']}/delete",
        f"/t/{a.slug}/attachments/person/{person}",
    ):
        r = await client.get(url, follow_redirects=False)
        assert r.status_code == 404, url
    r = await client.post(f"/t/{a.slug}/attachment/{row['id']}/delete")
    assert r.status_code == 404
    assert (
        await client.get(f"/t/{b.slug}/attachment/{row['id']}", follow_redirects=False)
    ).status_code == 303


async def test_content_item_page_has_the_attachments_section(client, make_tenant):
    a = await make_tenant()
    item = uuid.uuid4()
    async with tenant_scope(a.slug):
        await DB.current_connection().execute(
            "INSERT INTO content_item (id, kind, title) VALUES ($1, 'contract', 'Huoltosopimus')",
            item,
        )
    r = await client.post(
        f"/t/{a.slug}/attachments/item/{item}", files=_file("sopimus.pdf", PDF), headers=HTMX
    )
    assert r.status_code == 200
    page = await client.get(f"/t/{a.slug}/content/{item}")
    assert page.status_code == 200
    assert 'id="attachments"' in page.text and "sopimus.pdf" in page.text
