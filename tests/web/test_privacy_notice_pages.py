"""The privacy notice pages: the admin edits the controller's facts (errors that say what to
fix), sees the draft against the last published version, publishes; the public URL works
without signing in, shows only the published text in fi/sv/en and older versions by number;
Art. 30 records download as CSV and HTML."""

from __future__ import annotations

import pytest

from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(name="Seloste Oy")


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


async def test_admin_edits_facts_previews_and_publishes_and_the_public_sees_only_published(
    client, anon_client, tenant
):
    base = f"/t/{tenant.slug}"
    public = await anon_client.get(f"{base}/privacy-notice/")
    assert public.status_code == 200
    assert "ei ole vielä julkaissut" in public.text
    no_pdf = await anon_client.get(f"{base}/privacy-notice/pdf", follow_redirects=False)
    assert no_pdf.status_code == 303  # to the page that says nothing is published

    bad = await client.post(
        f"{base}/admin/privacy-notice/settings",
        data={"controller_name": "Seloste Oy", "business_id": "1234", "contact_email": "ei"},
    )
    assert bad.status_code == 422
    assert "Y-tunnus ei ole oikein" in bad.text and 'aria-invalid="true"' in bad.text
    assert "nimi@esimerkki.fi" in bad.text

    saved = await client.post(
        f"{base}/admin/privacy-notice/settings",
        data={
            "controller_name": "Seloste Oy",
            "business_id": "2077474-0",
            "contact_person": "Tiina Tietosuoja",
            "contact_email": "tietosuoja@seloste.example",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303

    overview = await client.get(f"{base}/admin/privacy-notice/")
    assert overview.status_code == 200
    assert "Tiina Tietosuoja" in overview.text and "uusi osio" in overview.text

    refused = await client.post(f"{base}/admin/privacy-notice/publish", data={})
    assert "Julkaistut versiot" in refused.text and "Ei julkaistuja versioita" in refused.text
    published = await client.post(
        f"{base}/admin/privacy-notice/publish", data={"confirm": "1"}, follow_redirects=False
    )
    assert published.status_code == 303

    # A change after publishing is a draft: the public page does not show it.
    async with tenant_scope(tenant.slug):
        await create_person(PersonInput(first_name="Uusi", last_name="Kortti", emails=["u@x.fi"]))
    overview = await client.get(f"{base}/admin/privacy-notice/")
    assert "sähköpostiosoite" in overview.text.split('data-testid="notice-diff"')[1]

    fi = await anon_client.get(f"{base}/privacy-notice/")
    assert fi.status_code == 200
    assert "Tietosuojaseloste" in fi.text and "Tiina Tietosuoja" in fi.text
    assert "2077474-0" in fi.text and "Versio 1" in fi.text
    assert "sähköpostiosoite" not in fi.text
    sv = await anon_client.get(f"{base}/privacy-notice/?lang=sv")
    assert "Dataskyddsbeskrivning" in sv.text and "Dataombudsmannens byrå" in sv.text
    en = await anon_client.get(f"{base}/privacy-notice/?lang=en")
    assert "Your rights and how to use them" in en.text

    await client.post(f"{base}/admin/privacy-notice/publish", data={"confirm": "1"})
    latest = await anon_client.get(f"{base}/privacy-notice/")
    assert "Versio 2" in latest.text and "sähköpostiosoite" in latest.text
    older = await anon_client.get(f"{base}/privacy-notice/?version=1")
    assert "Versio 1" in older.text and "sähköpostiosoite" not in older.text
    assert (await anon_client.get(f"{base}/privacy-notice/?version=9")).status_code == 404

    # The same published text as a PDF, per language and version.
    assert 'data-testid="notice-pdf"' in latest.text
    for lang, heading, present in (
        ("fi", "Tietosuojaseloste", "sähköpostiosoite"),
        ("sv", "Dataskyddsbeskrivning", "Dataombudsmannens byrå"),
    ):
        pdf = await anon_client.get(f"{base}/privacy-notice/pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        words = _pdf_text(pdf.content)
        assert heading in words and "Tiina Tietosuoja" in words and present in words
    first = _pdf_text((await anon_client.get(f"{base}/privacy-notice/pdf?version=1")).content)
    assert "Tiina Tietosuoja" in first and "sähköpostiosoite" not in first


async def test_art30_records_download(client, tenant):
    base = f"/t/{tenant.slug}/admin/privacy-notice/records"
    # The first visit to the activities gives the defaults.
    await client.get(f"/t/{tenant.slug}/admin/processing/")
    controller = await client.get(f"{base}/controller")
    assert controller.status_code == 200
    assert controller.headers["content-type"].startswith("text/csv")
    text = controller.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Rekisterinpitäjä,Tietosuojavastaava,Käsittelytoimi")
    assert "Asiakassuhteen hoito" in text and "Seloste Oy" in text
    processor = await client.get(f"{base}/processor?format=html&lang=en")
    assert processor.status_code == 200
    assert "Sub-processors" in processor.text and "hosting and storing" in processor.text
    assert (await client.get(f"{base}/nothing")).status_code == 404
