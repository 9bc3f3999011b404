"""Provenance is recorded by the existing write paths: a card created on the page or through the
API is 'staff', one from a CSV import is 'import' with the import's id, fields a person corrected
on their own page are 'self_form'."""

import re
import uuid

import pytest

from core.provenance import list_provenance
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import SignedInClient


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _rows(slug: str, person: uuid.UUID) -> list[tuple[str, str, str]]:
    async with tenant_scope(slug):
        return sorted(
            (r["source_kind"], r["source_detail"], r["field"])
            for r in await list_provenance(person)
        )


async def test_page_and_api_creations_are_staff(client, tenant):
    r = await client.post(
        f"/t/{tenant.slug}/persons/new",
        data={"first_name": "Sivu", "last_name": "Luotu", "emails": "sivu@x.example"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    person = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
    assert await _rows(tenant.slug, person) == [
        ("staff", "page", ""),
        ("staff", "page", "emails"),
        ("staff", "page", "first_name"),
        ("staff", "page", "last_name"),
    ]
    r = await client.post(
        f"/t/{tenant.slug}/api/v1/persons/", json={"first_name": "Api", "last_name": "Luotu"}
    )
    assert r.status_code == 201, r.text
    rows = await _rows(tenant.slug, uuid.UUID(r.json()["id"]))
    assert ("staff", "api", "") in rows and ("staff", "api", "last_name") in rows


async def test_import_records_the_batch(client, tenant):
    csv = "etunimi;sukunimi;sähköposti\nTuotu;Henkilö;tuotu@x.example\n".encode()
    r = await client.post(
        f"/t/{tenant.slug}/import/",
        data={"kind": "persons"},
        files={"file": ("tuonti.csv", csv, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    import_id = url.rstrip("/").rsplit("/", 1)[1]
    html = (await client.get(url)).text
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)
    r = await client.post(f"{url}/confirm", data={"fingerprint": fingerprint})
    assert r.status_code in (200, 303), r.text
    async with tenant_scope(tenant.slug):
        from core.db import DB

        person = await DB.current_connection().fetchval(
            "SELECT id FROM person WHERE first_name = 'Tuotu'"
        )
    rows = await _rows(tenant.slug, person)
    assert rows == [
        ("import", f"import:{import_id}", ""),
        ("import", f"import:{import_id}", "emails"),
        ("import", f"import:{import_id}", "first_name"),
        ("import", f"import:{import_id}", "last_name"),
    ]


async def test_self_service_corrections_are_self_form(anon_client, tenant):
    person = await add_self_user(tenant.slug)
    me = SignedInClient(anon_client, role="self")
    r = await me.post(
        f"/t/{tenant.slug}/me/edit",
        data={"first_name": "Asiakas", "last_name": "Itse", "emails": "itse@x.example"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert await _rows(tenant.slug, person) == [("self_form", "self_service", "emails")]
