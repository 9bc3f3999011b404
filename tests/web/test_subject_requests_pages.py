"""Data-subject requests through the pages: staff log one from the person page, the person makes
and confirms one at /me/requests/, admins work the queue (by due date) and a request's page."""

import re
import uuid
from datetime import timedelta

from core import audit, requests
from core.db import DB
from core.mail import outbox
from core.persons import PersonInput, create_person
from core.request_deadlines import due_date, today
from tenants.scope import tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import SignedInClient, user_email


async def _card(slug, first="Pirjo", email="pirjo@koti.example"):
    async with tenant_scope(slug):
        return await create_person(
            PersonInput(first_name=first, last_name="Pyytäjä", emails=[email])
        )


async def _code(slug, to):
    async with tenant_scope(slug):
        mails = [m for m in await outbox() if m["recipient"] == to and m["kind"] == "request_code"]
    return re.search(r"\b(\d{6})\b", mails[0]["body"]).group(1)


async def _requests(slug):
    async with tenant_scope(slug):
        return await requests.list_requests()


async def test_staff_log_a_request_from_the_person_page(anon_client, make_tenant):
    t = await make_tenant()
    person = await _card(t.slug)
    staff = SignedInClient(anon_client, role="staff")
    page = await staff.get(f"/t/{t.slug}/persons/{person}")
    assert f"/t/{t.slug}/persons/{person}/requests/new" in page.text
    assert "Pyyntöjä ei ole vielä kirjattu." in page.text
    form = await staff.get(f"/t/{t.slug}/persons/{person}/requests/new")
    assert form.status_code == 200 and 'value="pirjo@koti.example"' in form.text
    assert '<label for="f-kind">' in form.text
    bad = await staff.post(
        f"/t/{t.slug}/persons/{person}/requests/new",
        data={"kind": "", "requester_email": "pirjo@koti.example", "send_code": "1"},
    )
    assert bad.status_code == 400 and "Valitse pyynnön laji." in bad.text
    future = (today() + timedelta(days=1)).isoformat()
    late = await staff.post(
        f"/t/{t.slug}/persons/{person}/requests/new",
        data={"kind": "access", "requester_email": "pirjo@koti.example", "received_on": future},
    )
    assert late.status_code == 400 and "Saapumispäivä ei voi olla tulevaisuudessa." in late.text
    assert 'href="#f-kind"' in bad.text  # the error summary links to the field
    assert not await _requests(t.slug)
    done = await staff.post(
        f"/t/{t.slug}/persons/{person}/requests/new",
        data={
            "kind": "erasure",
            "requester_email": "pirjo@koti.example",
            "details": "Poistakaa kaikki tietoni",
            "received_on": (today() - timedelta(days=3)).strftime("%d.%m.%Y"),
            "send_code": "1",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("#section-requests")
    [logged] = await _requests(t.slug)
    assert logged["kind"] == "erasure" and logged["status"] == "awaiting_code"
    assert logged["channel"] == "staff" and logged["person_id"] == person
    assert logged["due_on"] == due_date(today() - timedelta(days=3))  # from the letter's arrival
    assert await _code(t.slug, "pirjo@koti.example")
    page = await staff.get(f"/t/{t.slug}/persons/{person}")
    assert 'data-testid="person-requests"' in page.text and "Tietojen poisto" in page.text
    # Staff do not process requests: the queue and the request pages are the admins'.
    assert f"/admin/requests/{logged['id']}" not in page.text
    assert (await staff.get(f"/t/{t.slug}/admin/requests/")).status_code == 403
    section = await staff.get(
        f"/t/{t.slug}/persons/{person}/section/requests", headers={"HX-Request": "true"}
    )
    assert "Tietojen poisto" in section.text


async def test_admin_queue_is_sorted_by_due_date_with_overdue_and_repeated_marked(
    client, make_tenant
):
    t = await make_tenant()
    names = {}
    async with tenant_scope(t.slug):
        conn = DB.current_connection()
        for first, days, kind in (
            ("Myöhäinen", 40, "access"),
            ("Kiireinen", -3, "erasure"),
            ("Väljä", 20, "objection"),
        ):
            person = await create_person(PersonInput(first_name=first, last_name="Jono"))
            r = await requests.create_request(person, kind, actor=audit.SYSTEM)
            await conn.execute(
                "UPDATE data_subject_request SET due_on = $2 WHERE id = $1",
                r["id"],
                today() + timedelta(days=days),
            )
            names[first] = person
        repeat_of = await requests.create_request(names["Väljä"], "access", actor=audit.SYSTEM)
        await requests.verify_manually(repeat_of["id"], "Henkilökortti", actor=audit.SYSTEM)
        repeated = await requests.create_request(names["Väljä"], "access", actor=audit.SYSTEM)
        assert repeated["repeated"]
    page = await client.get(f"/t/{t.slug}/admin/requests/")
    assert page.status_code == 200
    order = [page.text.index(f"{n} Jono") for n in ("Kiireinen", "Väljä", "Myöhäinen")]
    assert order == sorted(order)
    overdue_row = page.text[: page.text.index("Kiireinen Jono")].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in overdue_row and "Myöhässä 3 pv" in page.text
    assert "Toistuva" in page.text
    assert 'aria-current="page">Rekisteröidyn pyynnöt' in page.text


async def test_admin_verifies_starts_extends_refuses_and_completes(client, make_tenant):
    t = await make_tenant()
    person = await _card(t.slug)
    async with tenant_scope(t.slug):
        r = await requests.create_request(
            person, "access", actor=audit.SYSTEM, requester_email="pirjo@koti.example"
        )
        other = await requests.create_request(
            person, "rectification", actor=audit.SYSTEM, requester_email="pirjo@koti.example"
        )
    url = f"/t/{t.slug}/admin/requests/{r['id']}"
    page = await client.get(url)
    assert page.status_code == 200 and "Pirjo Pyytäjä" in page.text
    assert f'action="{url}/send-code"' in page.text and f'action="{url}/start"' not in page.text
    # Nothing starts before the identity is verified.
    early = await client.post(f"{url}/start", data={})
    assert early.status_code == 409
    assert (await client.post(f"{url}/send-code", follow_redirects=False)).status_code == 303
    code = await _code(t.slug, "pirjo@koti.example")
    wrong = "000000" if code != "000000" else "111111"
    assert (await client.post(f"{url}/verify", data={"code": wrong})).status_code == 400
    assert (await client.post(f"{url}/verify", data={})).status_code == 400
    ok = await client.post(f"{url}/verify", data={"code": code}, follow_redirects=False)
    assert ok.status_code == 303
    # Extension and refusal need their written reasons.
    assert (await client.post(f"{url}/extend", data={"months": "2"})).status_code == 400
    assert (await client.post(f"{url}/refuse", data={"reason": " "})).status_code == 400
    extended = await client.post(
        f"{url}/extend",
        data={"months": "2", "reason": "Aineisto on laaja"},
        follow_redirects=False,
    )
    assert extended.status_code == 303
    assert (await client.post(f"{url}/start", follow_redirects=False)).status_code == 303
    assert (
        await client.post(f"{url}/complete", data={"note": "Kopio annettu"}, follow_redirects=False)
    ).status_code == 303
    page = await client.get(url)
    assert "Valmis" in page.text and "Aineisto on laaja" in page.text
    history = page.text[page.text.index('data-testid="request-history"') :]
    for step in (
        "Vahvistuskoodi lähetetty",
        "Väärä vahvistuskoodi",
        "Henkilöllisyys vahvistettu",
        "Määräaikaa jatkettu",
        "Käsittely aloitettu",
        "Pyyntö käsitelty",
    ):
        assert step in history
    refused = await client.post(
        f"/t/{t.slug}/admin/requests/{other['id']}/refuse",
        data={"reason": "Tiedot ovat jo oikein"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    async with tenant_scope(t.slug):
        mails = await outbox()
        assert (await requests.get_request(other["id"]))["status"] == "refused"
    refusal = [m for m in mails if m["kind"] == "request_refusal"]
    assert refusal[0]["recipient"] == "pirjo@koti.example"
    assert "Tiedot ovat jo oikein" in refusal[0]["body"]
    assert (await client.get(f"/t/{t.slug}/admin/requests/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"/t/{t.slug}/admin/requests/ei-tunnus")).status_code == 404


async def test_the_person_makes_and_confirms_a_request_by_code(anon_client, make_tenant):
    t = await make_tenant()
    person = await add_self_user(t.slug)
    someone_else = await _card(t.slug, first="Vieras", email="vieras@koti.example")
    async with tenant_scope(t.slug):
        foreign = await requests.create_request(someone_else, "access", actor=audit.SYSTEM)
    me = SignedInClient(anon_client, role="self")
    page = await me.get(f"/t/{t.slug}/me/requests/")
    assert page.status_code == 200 and "Et ole tehnyt pyyntöjä." in page.text
    assert f"/t/{t.slug}/me/requests/" in (await me.get(f"/t/{t.slug}/me/")).text
    assert (await me.post(f"/t/{t.slug}/me/requests/", data={"kind": ""})).status_code == 400
    made = await me.post(
        f"/t/{t.slug}/me/requests/",
        # Not access: a verified access request starts building its copy at once
        # (tests/web/test_access_bundle_pages.py).
        data={"kind": "rectification", "details": "Kaikki tietoni"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    [mine] = [r for r in await _requests(t.slug) if r["person_id"] == person]
    assert mine["channel"] == "self_service" and mine["status"] == "awaiting_code"
    address = user_email(t.slug, "self")
    assert mine["requester_email"] == address
    page = await me.get(made.headers["location"])
    assert 'data-testid="code-sent"' in page.text and 'name="code"' in page.text
    code = await _code(t.slug, address)
    wrong = "000000" if code != "000000" else "111111"
    bad = await me.post(
        f"/t/{t.slug}/me/requests/verify", data={"request_id": str(mine["id"]), "code": wrong}
    )
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
    # Someone else's request is not there for them.
    assert (
        await me.post(
            f"/t/{t.slug}/me/requests/verify",
            data={"request_id": str(foreign["id"]), "code": code},
        )
    ).status_code == 404
    ok = await me.post(
        f"/t/{t.slug}/me/requests/verify",
        data={"request_id": str(mine["id"]), "code": code},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    async with tenant_scope(t.slug):
        confirmed = await requests.get_request(mine["id"])
    assert confirmed["status"] == "verified" and confirmed["verification_attempts"] == 1
    page = await me.get(f"/t/{t.slug}/me/requests/")
    assert "Henkilöllisyys vahvistettu" in page.text and "Vieras" not in page.text
    # Staff have no /me/ pages.
    staff = SignedInClient(anon_client.__class__(app=anon_client.app), role="staff")
    async with staff.client:
        assert (await staff.get(f"/t/{t.slug}/me/requests/")).status_code == 403
