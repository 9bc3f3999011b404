"""Legal holds on the card's page and an erasure request processed by an admin: preview, confirm,
report on the request's page; with a hold the card stays restricted and the person is told why."""

from datetime import date, timedelta

from core import audit, requests
from core.db import DB
from core.persons import PersonInput, create_person, get_person
from tenants.scope import tenant_scope
from tests.support.auth_client import SignedInClient

ACTOR = audit.Actor("user", "u1", "admin@example.fi")


async def _card_with_request(slug, email):
    async with tenant_scope(slug):
        person = await create_person(
            PersonInput(first_name="Sanna", last_name="Säilytettävä", emails=[email])
        )
        request = await requests.create_request(
            person, "erasure", actor=ACTOR, requester_email=email, received_on=date.today()
        )
        await requests.verify_manually(request["id"], "henkilökortti", actor=ACTOR)
        await requests.start(request["id"], actor=ACTOR)
    return person, request["id"]


async def test_staff_add_and_end_a_hold_with_errors_that_say_what_to_fix(anon_client, make_tenant):
    t = await make_tenant()
    person, _request = await _card_with_request(t.slug, "sanna@example.fi")
    staff = SignedInClient(anon_client, role="staff")
    card = await staff.get(f"/t/{t.slug}/persons/{person}")
    assert f"/t/{t.slug}/persons/{person}/holds/" in card.text
    bad = await staff.post(f"/t/{t.slug}/persons/{person}/holds/", data={"reason": ""})
    assert bad.status_code == 422
    assert "Valitse säilytyksen peruste." in bad.text and 'href="#f-reason"' in bad.text
    until = (date.today() + timedelta(days=90)).isoformat()
    done = await staff.post(
        f"/t/{t.slug}/persons/{person}/holds/",
        data={"reason_kind": "open_invoice", "reason": "Lasku 2026-17 auki", "until": until},
    )
    assert done.status_code in (200, 303)
    page = await staff.get(f"/t/{t.slug}/persons/{person}/holds/")
    assert "Lasku 2026-17 auki" in page.text and "Voimassa" in page.text
    async with tenant_scope(t.slug):
        conn = DB.current_connection()
        hold_id = await conn.fetchval("SELECT id FROM legal_hold WHERE person = $1", person)
        events = await audit.events(action_prefix="person.hold_")
        assert [e["action"] for e in events] == ["person.hold_created"]
        assert "Lasku" not in str(events[0]["detail"])
    await staff.post(f"/t/{t.slug}/persons/{person}/holds/end", data={"hold_id": str(hold_id)})
    async with tenant_scope(t.slug):
        ended = await DB.current_connection().fetchval(
            "SELECT ended_at FROM legal_hold WHERE id = $1", hold_id
        )
        assert ended is not None


async def test_admin_processes_an_erasure_request_with_a_hold(client, make_tenant):
    t = await make_tenant()
    person, request_id = await _card_with_request(t.slug, "sanna@example.fi")
    until = (date.today() + timedelta(days=30)).isoformat()
    await client.post(
        f"/t/{t.slug}/persons/{person}/holds/",
        data={"reason_kind": "litigation", "reason": "Käräjäoikeus R 26/123", "until": until},
    )
    detail = await client.get(f"/t/{t.slug}/admin/requests/{request_id}")
    assert f"/admin/requests/{request_id}/erasure/" in detail.text
    preview = await client.get(f"/t/{t.slug}/admin/requests/{request_id}/erasure/")
    assert preview.status_code == 200 and "Käräjäoikeus R 26/123" in preview.text
    unconfirmed = await client.post(f"/t/{t.slug}/admin/requests/{request_id}/erasure/", data={})
    assert unconfirmed.status_code == 422
    done = await client.post(
        f"/t/{t.slug}/admin/requests/{request_id}/erasure/", data={"confirm": "1"}
    )
    assert done.status_code in (200, 303)
    page = await client.get(f"/t/{t.slug}/admin/requests/{request_id}")
    assert "Käräjäoikeus R 26/123" in page.text and 'data-testid="erasure-report"' in page.text
    async with tenant_scope(t.slug):
        conn = DB.current_connection()
        assert await conn.fetchval("SELECT restricted_at FROM person WHERE id = $1", person)
        assert (await requests.get_request(request_id))["status"] == "completed"
        body = await conn.fetchval("SELECT body FROM mail_message WHERE kind = 'request_erasure'")
        assert "Käräjäoikeus R 26/123" in body and until in body


async def test_admin_erases_without_hold_and_the_card_is_gone(client, make_tenant):
    t = await make_tenant()
    person, request_id = await _card_with_request(t.slug, "poisto@example.fi")
    preview = await client.get(f"/t/{t.slug}/admin/requests/{request_id}/erasure/")
    assert "Poistetaan pysyvästi" in preview.text
    await client.post(f"/t/{t.slug}/admin/requests/{request_id}/erasure/", data={"confirm": "1"})
    page = await client.get(f"/t/{t.slug}/admin/requests/{request_id}")
    assert "Kortti ja kaikki sen tiedot poistettiin" in page.text
    gone = await client.get(f"/t/{t.slug}/persons/{person}")
    assert gone.status_code == 404
    again = await client.get(f"/t/{t.slug}/admin/requests/{request_id}/erasure/")
    assert again.status_code == 409
    # Re-creating the card with the same address is refused with a reason.
    form = await client.post(
        f"/t/{t.slug}/persons/new",
        data={"first_name": "Uusi", "last_name": "Yritys", "emails": "POISTO@example.fi"},
    )
    assert "jonka tiedot on poistettu hänen pyynnöstään" in form.text
    async with tenant_scope(t.slug):
        count = await DB.current_connection().fetchval("SELECT count(*) FROM person")
        assert count == 0
    assert 'data-testid="suppression-override"' in form.text  # an admin may override
    await client.post(
        f"/t/{t.slug}/persons/new",
        data={
            "first_name": "Uusi",
            "last_name": "Yritys",
            "emails": "poisto@example.fi",
            "suppression_reason": "Antoi osoitteen itse messuilla 4.12.",
        },
    )
    async with tenant_scope(t.slug):
        assert await DB.current_connection().fetchval("SELECT count(*) FROM person") == 1
        events = await audit.events(action_prefix="person.suppression_override")
        assert len(events) == 1 and events[0]["detail"]["reason_length"] > 10
        other = await create_person(PersonInput(first_name="Toinen", last_name="Kortti"))
    # Adding the address to another card is caught too; the card's own addresses are not.
    edit = f"/t/{t.slug}/persons/{other}/edit"
    refused = await client.post(
        edit,
        data={
            "first_name": "Toinen",
            "last_name": "Kortti",
            "emails": "poisto@example.fi",
            "save_anyway": "1",  # past the duplicate warning (the overridden card has it)
        },
    )
    assert "jonka tiedot on poistettu hänen pyynnöstään" in refused.text
    async with tenant_scope(t.slug):
        assert (await get_person(other))["emails"] == []
    kept = await client.post(
        edit,
        data={"first_name": "Toinen", "last_name": "Kortti", "emails": "uusi@example.fi"},
        follow_redirects=False,
    )
    assert kept.status_code == 303


async def test_import_marks_rows_of_erased_persons_and_does_not_create_them(client, make_tenant):
    from tests.web.test_imports_pages import HEADER_FI, _confirm, _count, _done, _preview, _row

    t = await make_tenant()
    person, request_id = await _card_with_request(t.slug, "palaaja@example.fi")
    await client.post(f"/t/{t.slug}/admin/requests/{request_id}/erasure/", data={"confirm": "1"})
    text = HEADER_FI + "Pekka;Palaaja;PALAAJA@example.fi;;;;;\nUusi;Ihminen;uusi@example.fi;;;;;\n"
    url, html = await _preview(client, t.slug, text)
    assert (_count(html, "ok"), _count(html, "error")) == (1, 1)
    assert "jonka tiedot on poistettu" in _row(html, 2)
    r = await _confirm(client, url, html, valid_only="yes")
    assert _done(r.text)["persons-created"] == 1
    async with tenant_scope(t.slug):
        names = await DB.current_connection().fetch("SELECT last_name FROM person")
        assert [n["last_name"] for n in names] == ["Ihminen"]


async def test_api_refuses_a_card_with_an_erased_persons_phone(client, make_tenant):
    t = await make_tenant()
    async with tenant_scope(t.slug):
        pid = await create_person(
            PersonInput(first_name="Api", last_name="Poistettu", phones=["040 765 4321"])
        )
        from core.erasure import erase_persons

        await erase_persons([pid], actor=ACTOR)
    r = await client.post(
        f"/t/{t.slug}/api/v1/persons",
        json={"first_name": "Api", "last_name": "Uusi", "phones": ["+358407654321"]},
    )
    assert r.status_code == 422 and "suppressed" in r.text and "erased" in r.text
