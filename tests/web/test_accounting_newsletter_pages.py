"""Pages of issue 7 items 7 and 8: the accounting export page (the enabled plugin's formats,
the billing contacts the gate leaves out named with the reason, a download that parses and
holds only the contacts that passed, each read audited once) and the newsletter admin page
(counts by status, failures with the service's error, "sync now" queued as a job with its
progress row, the job's result on reload; admins only)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from xml.etree import ElementTree

import pytest

import plugins.accounting_export
import plugins.newsletter
import tenants.newsletter_jobs  # noqa: F401 - declares the jobs
from core import consents, restriction
from core.db import DB
from core.newsletter_removals import SYNC_JOB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from tenants.actors import TENANT_JOBS, run_once
from tenants.scope import tenant_scope
from tests.plugins import conftest as plugin_fixtures
from tests.support.auth_client import SignedInClient
from tests.support.fake_newsletter_service import FakeNewsletterService

ADMIN = plugin_fixtures.ADMIN


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def _billing_world() -> dict:
    org = await create_organization(
        OrganizationInput(name="Laskutettava Oy", business_id="1234567-1",
                          street_address="Kauppakatu 1", postal_code="00100", city="Helsinki")
    )  # fmt: skip
    org_id = uuid.UUID(str(org["id"]))
    billing = await create_person(
        PersonInput(first_name="Liisa", last_name="Laskuttaja", emails=["liisa@laskutettava.fi"],
                    organization_id=org_id, keywords=["laskutus"])
    )  # fmt: skip
    restricted = await create_person(
        PersonInput(first_name="Rauni", last_name="Rajattu", emails=["rauni@laskutettava.fi"],
                    organization_id=org_id, keywords=["Laskutus"])
    )  # fmt: skip
    await restriction.restrict(restricted)
    return {"billing": billing, "restricted": restricted}


async def _reads(slug: str, via: str) -> list[list[str]]:
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "SELECT detail FROM audit_event WHERE action = 'person.read' "
            "AND detail->>'via' = $1 ORDER BY at",
            via,
        )
    return [json.loads(r["detail"])["persons"] if isinstance(r["detail"], str)
            else r["detail"]["persons"] for r in rows]  # fmt: skip


async def test_accounting_page_offers_formats_lists_left_out_and_downloads(
    client, tenant, host, enable
):
    host.register(plugins.accounting_export, "accounting_export")
    await enable(tenant.slug, "accounting_export", options={"service": "netvisor"})
    async with tenant_scope(tenant.slug):
        world = await _billing_world()
    url = f"/t/{tenant.slug}/export/accounting/"
    page = await client.get(url)
    assert page.status_code == 200, page.text
    assert 'data-testid="format-netvisor"' in page.text and 'data-testid="format-csv"' in page.text
    assert 'data-testid="format-procountor"' not in page.text
    assert 'data-testid="left-out"' in page.text and "Rauni Rajattu" in page.text
    assert "Käsittelyä on rajoitettu" in page.text and "Liisa" not in page.text
    assert await _reads(tenant.slug, "accounting_export_preview") == [[str(world["restricted"])]]

    got = await client.post(url, data={"format": "csv", "contacts": "1"})
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-kortisto-refused-contacts"] == "1"
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 and rows[1][1] == "Laskutettava Oy"
    assert "liisa@laskutettava.fi" in rows[1] and "rauni" not in got.text.lower()
    assert await _reads(tenant.slug, "accounting_export") == [[str(world["billing"])]]
    async with tenant_scope(tenant.slug):
        transfers = await DB.current_connection().fetch("SELECT person_id, status FROM transfer")
    assert [(t["person_id"], t["status"]) for t in transfers] == [(world["billing"], "sent")]

    xml = await client.post(url, data={"format": "netvisor"})  # without the contacts
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    customer = ElementTree.fromstring(xml.content).find("customer")
    assert customer.find("customerbaseinformation").findtext("name") == "Laskutettava Oy"
    assert b"liisa" not in xml.content.lower()

    wrong = await client.post(url, data={"format": "fennoa", "contacts": "1"})
    assert wrong.status_code == 400 and "Valitse jokin tarjolla olevista" in wrong.text


async def test_accounting_page_without_the_plugin_offers_nothing(anon_client, tenant, host, enable):
    host.register(plugins.accounting_export, "accounting_export")
    await enable(tenant.slug, "accounting_export", options={"service": "netvisor"}, enabled=False)
    async with tenant_scope(tenant.slug):
        await _billing_world()
    staff = SignedInClient(anon_client, role="staff")  # staff may export, as the CSV exports
    url = f"/t/{tenant.slug}/export/accounting/"
    page = await staff.get(url)
    assert page.status_code == 200 and 'data-testid="accounting-unavailable"' in page.text
    assert 'name="format"' not in page.text and "Rauni" not in page.text
    await staff.switch_language(tenant.slug, "en")
    en = await staff.get(url)
    assert "Export to accounting is not in use." in en.text
    refused = await staff.post(url, data={"format": "csv", "contacts": "1"})
    assert refused.status_code == 400
    async with tenant_scope(tenant.slug):
        assert not await DB.current_connection().fetchval("SELECT count(*) FROM transfer")


@pytest.fixture
def service():
    with FakeNewsletterService() as fake:
        yield fake


async def _subscriber(name: str) -> uuid.UUID:
    person_id = await create_person(
        PersonInput(first_name=name, last_name="Tilaaja", emails=[f"{name.lower()}@x.fi"])
    )
    await consents.give_consent(person_id, "email", "newsletter", actor=ADMIN)
    return person_id


async def test_newsletter_page_counts_failures_and_queues_a_sync(
    client, tenant, host, enable, service
):
    host.register(plugins.newsletter, "newsletter")
    await enable(
        tenant.slug, "newsletter",
        options={"provider": "brevo", "list_id": "7", "base_url": service.url},
        secrets={"api_key": "test-key"},
    )  # fmt: skip
    base = f"/t/{tenant.slug}/admin/newsletter"
    service.fail_next = 1  # the first subscription fails with HTTP 500
    async with tenant_scope(tenant.slug):
        names = {await _subscriber("Eka"): "Eka Tilaaja", await _subscriber("Toka"): "Toka Tilaaja"}
    await tenants.newsletter_jobs.sync_newsletter(tenant=tenant.slug)
    async with tenant_scope(tenant.slug):
        failing = await DB.current_connection().fetchval(  # whichever the service answered first
            "SELECT person_id FROM newsletter_subscription WHERE status = 'failed'"
        )
    plugins_page = await client.get(f"/t/{tenant.slug}/admin/plugins/")
    assert 'data-testid="newsletter-link"' in plugins_page.text
    page = await client.get(f"{base}/")
    assert page.status_code == 200, page.text
    assert "Brevo" in page.text
    assert '<tr data-status="subscribed"><th scope="row">Listalla</th><td>1</td>' in page.text
    assert '<tr data-status="failed"><th scope="row">Liittäminen epäonnistui</th><td>1</td>' in (
        page.text
    )
    failures = page.text[page.text.find('data-testid="newsletter-failures"') :]
    assert names[failing] in failures and "HTTP 500" in failures  # the service's error
    others = [name for pid, name in names.items() if pid != failing]
    assert others[0] not in failures
    assert "liitetty 1" in page.text and "epäonnistui 1" in page.text  # the last sync
    assert await _reads(tenant.slug, "newsletter") == [[str(failing)]]

    queued = await client.post(f"{base}/sync", follow_redirects=False)
    assert queued.status_code == 303
    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        jobs = await conn.fetch("SELECT actor_name, kwargs FROM outbox_message")
        await conn.execute("DELETE FROM outbox_message")  # no job left for later tests
    assert [j["actor_name"] for j in jobs] == [SYNC_JOB]
    kwargs = jobs[0]["kwargs"]
    kwargs = json.loads(kwargs) if isinstance(kwargs, str) else kwargs
    shown = await client.get(f"{base}/?queued=1")
    assert 'data-testid="sync-queued"' in shown.text and "on jonossa" in shown.text

    # The worker runs the job; on reload the page shows its result.
    args = {k: v for k, v in kwargs.items() if k != "tenant"}
    await run_once(SYNC_JOB, TENANT_JOBS[SYNC_JOB], tenant.slug, args)
    done = await client.get(f"{base}/")
    assert "Käsin käynnistetty synkronointi valmistui" in done.text
    await client.switch_language(tenant.slug, "sv")
    sv = await client.get(f"{base}/")
    assert "Synkronisera nu" in sv.text and "På listan" in sv.text
    await client.switch_language(tenant.slug, "en")
    en = await client.get(f"{base}/")
    assert "The sync started by hand finished: added 1, removed 0, failed 0" in en.text
    assert '<tr data-status="subscribed"><th scope="row">Listalla</th><td>2</td>' in done.text


async def test_newsletter_page_is_for_admins_only(anon_client, tenant):
    staff = SignedInClient(anon_client, role="staff")
    base = f"/t/{tenant.slug}/admin/newsletter"
    assert (await staff.get(f"{base}/")).status_code == 403
    assert (await staff.post(f"{base}/sync")).status_code == 403
    async with tenant_scope(tenant.slug):
        assert not await DB.current_connection().fetchval("SELECT count(*) FROM outbox_message")


async def test_sync_is_refused_without_the_plugin(client, tenant):
    refused = await client.post(f"/t/{tenant.slug}/admin/newsletter/sync")
    assert refused.status_code == 400 and "uutiskirjelaajennus ei ole käytössä" in refused.text
    async with tenant_scope(tenant.slug):
        assert not await DB.current_connection().fetchval("SELECT count(*) FROM job_progress")
