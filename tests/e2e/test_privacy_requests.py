"""Browser tests of the data-subject rights (issue 6): an end customer asks for an access copy,
confirms it with the e-mailed code and downloads what a real worker built; an admin carries out
an erasure request on a card under a legal hold."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, timedelta

import pytest

from tests.conftest import kortisto_process
from tests.e2e.conftest import sign_in


@pytest.fixture(scope="module")
def live_worker(live_server):
    """A real `kortisto worker` next to the web server: it builds the copy after commit."""
    proc = kortisto_process("worker")
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(15)


async def test_end_customer_requests_verifies_and_downloads_the_access_copy(
    make_tenant, live_server, live_worker, page
):
    from core.db import DB
    from core.persons import PersonInput, create_person, update_person
    from tenants.scope import tenant_scope
    from tests.conftest import add_self_user
    from tests.support.auth_client import PASSWORD, user_email
    from tests.web.test_subject_requests_pages import _code

    tenant = await make_tenant(name="Kopioita Oy")
    person = await add_self_user(tenant.slug)
    email = user_email(tenant.slug, "self")
    async with tenant_scope(tenant.slug):
        await update_person(
            person,
            PersonInput(
                first_name="Kaisa",
                last_name="Kopionen",
                emails=[email],
                phones=["040 123 4567"],
                keywords=["purjehdus"],
            ),
        )
        # Someone else in the same register: nothing of theirs may be in the copy.
        await create_person(
            PersonInput(first_name="Toivo", last_name="Toinenhenkilö", emails=["toivo@x.example"])
        )
    base = f"{live_server}/t/{tenant.slug}"

    await page.goto(f"{base}/login")
    await page.get_by_label("Sähköposti").fill(email)
    await page.get_by_label("Salasana").fill(PASSWORD)
    await page.get_by_role("button", name="Kirjaudu").click()
    await page.wait_for_url(re.compile(r".*/me/$"))
    await page.goto(f"{base}/me/requests/")
    await page.get_by_label("Mitä pyydät").select_option("access")
    await page.get_by_role("button", name="Lähetä pyyntö").click()
    await page.get_by_test_id("code-sent").wait_for()

    # The code arrives by e-mail; the register's outgoing mail is where the test reads it.
    code = await _code(tenant.slug, email)
    await page.get_by_label("Sähköpostiisi lähetetty vahvistuskoodi").fill(code)
    await page.get_by_role("button", name="Vahvista pyyntö").click()
    await page.get_by_test_id("verified").wait_for()
    # The copy is built by the worker while the page polls; the link appears without a reload.
    download_link = page.get_by_test_id("bundle-download")
    await download_link.wait_for(timeout=60_000)
    await page.screenshot(path="/tmp/kortisto-e2e-access-copy.png", full_page=True)

    async with page.expect_download() as started:
        await download_link.click()
    download = await started.value
    copy = zipfile.ZipFile(io.BytesIO(open(await download.path(), "rb").read()))
    names = set(copy.namelist())
    assert {"index.html", "data.json", "csv/card.csv"} <= names
    data = json.loads(copy.read("data.json"))
    assert "Kopionen" in json.dumps(data, ensure_ascii=False)
    assert "+358401234567" in json.dumps(data) and "purjehdus" in json.dumps(data)
    readable = copy.read("index.html").decode()
    assert '<html lang="fi">' in readable and "Kaisa" in readable
    for name in names:
        text = copy.read(name).decode("utf-8", "replace")
        assert "Toinenhenkilö" not in text and "toivo@x.example" not in text, name

    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        status = await conn.fetchval(
            "SELECT status FROM data_subject_request WHERE person_id = $1", person
        )
        downloads = await conn.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'request.bundle_downloaded'"
        )
    assert status == "completed" and downloads == 1


async def test_admin_processes_an_erasure_request_on_a_card_under_a_legal_hold(
    make_tenant, live_server, page
):
    from core.db import DB
    from core.persons import PersonInput, create_person
    from tenants.scope import tenant_scope

    tenant = await make_tenant(name="Perintää Oy")
    async with tenant_scope(tenant.slug):
        person = await create_person(
            PersonInput(
                first_name="Veikko",
                last_name="Velallinen",
                emails=["veikko@koti.example"],
                description="Pitää kalastuksesta",
            )
        )
    base = f"{live_server}/t/{tenant.slug}"
    until = date.today() + timedelta(days=90)
    await sign_in(page, base)

    # The hold: debt collection with a written reason and an end date.
    await page.goto(f"{base}/persons/{person}")
    await page.get_by_test_id("holds-link").click()
    await page.get_by_label("Peruste").select_option("debt_collection")
    await page.get_by_label("Selitys").fill("Perintäasia 2026-117 kesken")
    await page.get_by_label("Päättymispäivä").fill(until.isoformat())
    await page.get_by_role("button", name="Lisää velvoite").click()
    assert "Perintäasia 2026-117 kesken" in await page.locator("main").inner_text()

    # The request, logged by the admin from the card; identity checked in person.
    await page.goto(f"{base}/persons/{person}")
    await page.get_by_role("button", name="Kirjaa pyyntö").click()
    await page.get_by_label("Pyynnön laji").select_option("erasure")
    await page.get_by_role("button", name="Kirjaa pyyntö").click()
    await page.wait_for_url(re.compile(r".*#section-requests$"))
    async with tenant_scope(tenant.slug):
        request_id = await DB.current_connection().fetchval(
            "SELECT id FROM data_subject_request WHERE person_id = $1", person
        )
    await page.goto(f"{base}/admin/requests/{request_id}")
    await page.get_by_label("Tai: miten henkilöllisyys tarkastettiin muuten").fill(
        "Ajokortti tarkastettu asiakaspalvelussa"
    )
    await page.get_by_role("button", name="Vahvista", exact=True).click()
    await page.get_by_role("button", name="Aloita käsittely").click()
    await page.get_by_role("button", name="Esikatsele poisto…").click()

    held = page.get_by_test_id("erasure-held")
    assert "Perintäasia 2026-117 kesken" in await held.inner_text()
    await page.get_by_role("button", name="Vahvista poisto").click()
    # Not confirmed: the page says what to do and nothing happened.
    assert await page.locator("[aria-invalid=true]").count() == 1
    await page.get_by_label(re.compile("Olen tarkistanut")).check()
    await page.get_by_role("button", name="Vahvista poisto").click()
    await page.wait_for_url(re.compile(rf".*/admin/requests/{request_id}.*"))
    report = await page.get_by_test_id("erasure-report").inner_text()
    assert "Perintäasia 2026-117 kesken" in report
    # In words and in the Finnish date style, not as codes.
    assert "Perintä:" in report and "debt_collection" not in report
    assert f"{until.day}.{until.month}.{until.year}" in report
    await page.screenshot(path="/tmp/kortisto-e2e-erasure-hold.png", full_page=True)

    async with tenant_scope(tenant.slug):
        conn = DB.current_connection()
        card = await conn.fetchrow("SELECT * FROM person WHERE id = $1", person)
        request = await conn.fetchrow(
            "SELECT status, details FROM data_subject_request WHERE id = $1", request_id
        )
        told = await conn.fetchval(
            "SELECT body FROM mail_message WHERE kind = 'request_erasure' "
            "AND recipient = 'veikko@koti.example'"
        )
    # Kept under the hold, restricted, trimmed of what no claim needs; the person is told why.
    assert card is not None and card["restricted_at"] is not None
    assert card["description"] == ""
    assert request["status"] == "completed"
    assert json.loads(request["details"])["erasure"]["outcome"] == "held"
    assert "Perintäasia 2026-117 kesken" in told and until.isoformat() in told
