"""The SparkPost plugin against a local fake of the Transmissions API: what is sent (the API
key, the one recipient, the text, nothing else about the person), the transfer row (US
endpoint outside the EU/EEA with its safeguard, EU endpoint inside), the gate refusing a
restricted or objecting person (nothing sent, no row), 429 retried by the worker, 400 failed
and shown to admins, and a tenant that has not enabled it never reaching it."""

import json

from core import consents, mail, objections, restriction
from core.processors import tenant_processors
from tenants.scope import tenant_scope
from tests.mail_plugins.conftest import (
    ADMIN,
    person,
    queued_jobs,
    rows,
    run_queued_mail,
    run_worker_until_idle,
)

KEY = "sp-test-key-0123456789"
US = {"endpoint": "us", "safeguard": "scc_2021_914", "sender": "noreply@rekisteri.example"}
EU = {"endpoint": "eu", "sender": "noreply@rekisteri.example"}
TRANSFERS = (
    "SELECT person_id, processor, plugin, country, outside_eea, safeguard, purpose, categories, "
    "external_ref, status, error FROM transfer ORDER BY at"
)
STATUS = "SELECT status FROM mail_message WHERE id = $1"


async def _send(slug, to, *, kind="customer_notice", person_id=None):
    async with tenant_scope(slug):
        return await mail.send_mail(
            to, "Vahvistuskoodi", "Koodisi on 123456.", kind=kind, person_id=person_id
        )


async def test_us_endpoint_sends_only_the_message_and_records_an_outside_eea_transfer(
    make_tenant, host, enable, sparkpost
):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    async with tenant_scope(t.slug):
        card = await person("Sointu")
        [declared] = await tenant_processors()
    assert (declared.key, declared.country, declared.outside_eea) == ("sparkpost-us", "US", True)
    message_id = await _send(t.slug, "sointu@x.fi", person_id=card)
    assert await rows(t.slug, STATUS, message_id) == [{"status": "sending"}]
    assert sparkpost.requests == []  # nothing leaves before the job runs (after the commit)

    assert await run_queued_mail(t.slug) == ["sent"]

    [sent] = sparkpost.requests
    assert sent.path == "/api/v1/transmissions"
    assert sent.headers["Authorization"] == KEY
    assert sent.body["recipients"] == [{"address": {"email": "sointu@x.fi"}}]
    assert sent.body["content"] == {
        "from": "noreply@rekisteri.example",
        "subject": "Vahvistuskoodi",
        "text": "Koodisi on 123456.",
    }
    assert sent.body["options"]["open_tracking"] is False
    assert set(sent.body) == {"options", "recipients", "content"}
    payload = json.dumps(sent.body)
    assert "Sointu" not in payload and "Postinen" not in payload and str(card) not in payload

    [row] = await rows(t.slug, TRANSFERS)
    assert row["person_id"] == card
    assert (row["country"], row["outside_eea"], row["safeguard"]) == ("US", True, "scc_2021_914")
    assert (row["plugin"], row["purpose"], row["status"]) == (
        "sparkpost",
        "customer_service",
        "sent",
    )
    assert row["external_ref"] == "7001" and row["categories"] == ["email", "content"]
    assert await rows(t.slug, STATUS, message_id) == [{"status": "sent"}]


async def test_eu_endpoint_is_inside_the_eea(make_tenant, host, enable, sparkpost):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", EU, {"api_key": KEY})
    async with tenant_scope(t.slug):
        card = await person("Eeva")
        [declared] = await tenant_processors()
    assert (declared.key, declared.outside_eea, declared.safeguard) == ("sparkpost-eu", False, "")
    await _send(t.slug, "eeva@x.fi", person_id=card)
    assert await run_queued_mail(t.slug) == ["sent"]
    [row] = await rows(t.slug, TRANSFERS)
    assert (row["country"], row["outside_eea"], row["safeguard"]) == ("DE", False, "")
    assert len(sparkpost.requests) == 1


async def test_restricted_and_objecting_persons_are_refused_by_the_gate(
    make_tenant, host, enable, sparkpost
):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    async with tenant_scope(t.slug):
        restricted = await person("Rauha")
        await restriction.restrict(restricted)
        objecting = await person("Olli")
        await consents.give_consent(objecting, "email", "newsletter", actor=ADMIN)
        await objections.object_to(objecting, "direct_marketing", "email", actor=ADMIN)
    first = await _send(t.slug, "rauha@x.fi", person_id=restricted)
    second = await _send(t.slug, "olli@x.fi", kind="newsletter", person_id=objecting)

    assert await run_queued_mail(t.slug) == ["refused", "refused"]
    assert sparkpost.requests == []
    assert await rows(t.slug, TRANSFERS) == []
    for message_id in (first, second):
        assert await rows(t.slug, STATUS, message_id) == [{"status": "refused"}]
    reasons = await rows(
        t.slug,
        "SELECT detail->>'reason' AS reason FROM audit_event WHERE action = 'mail.refused' "
        "ORDER BY at",
    )
    assert sorted(r["reason"] for r in reasons) == ["objection", "restricted"]


async def test_429_is_retried_by_the_worker_then_sent(make_tenant, host, enable, sparkpost, broker):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    async with tenant_scope(t.slug):
        card = await person("Toivo")
    sparkpost.answer(429, {"errors": [{"message": "Too many requests"}]})
    sparkpost.answer(500, {"errors": [{"message": "Internal error"}]})
    message_id = await _send(t.slug, "toivo@x.fi", person_id=card)

    run_worker_until_idle(broker)

    assert len(sparkpost.requests) == 3
    assert await rows(t.slug, STATUS, message_id) == [{"status": "sent"}]
    # Each attempt is a transfer row (a 5xx may still have reached the service): two failed
    # ones kept with their errors, then the one sent.
    found = await rows(t.slug, TRANSFERS)
    assert [(r["status"], r["external_ref"]) for r in found] == [
        ("failed", ""),
        ("failed", ""),
        ("sent", "7001"),
    ]
    assert "429" in found[0]["error"] and "500" in found[1]["error"]


async def test_400_fails_for_good_and_is_shown_on_the_outgoing_mail_page(
    make_tenant, host, enable, sparkpost, broker, client
):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    async with tenant_scope(t.slug):
        card = await person("Väinö")
    sparkpost.answer(
        400,
        {"errors": [{"message": "Invalid domain", "description": "Sending domain not verified"}]},
    )
    message_id = await _send(t.slug, "vaino@x.fi", person_id=card)

    run_worker_until_idle(broker)

    assert len(sparkpost.requests) == 1  # not retried
    assert await rows(t.slug, STATUS, message_id) == [{"status": "failed"}]
    [row] = await rows(t.slug, TRANSFERS)
    assert row["status"] == "failed" and "Sending domain not verified" in row["error"]
    page = (await client.get(f"/t/{t.slug}/admin/outbox")).text
    assert "Sending domain not verified" in page
    assert "Lähetys epäonnistui" in page


async def test_a_tenant_that_has_not_enabled_it_never_reaches_it(
    make_tenant, host, enable, sparkpost
):
    on, off, never = await make_tenant(), await make_tenant(), await make_tenant()
    await enable(on.slug, "sparkpost", US, {"api_key": KEY})
    await enable(off.slug, "sparkpost", US, {"api_key": KEY}, enabled=False)
    for t in (off, never):
        message_id = await _send(t.slug, "kuka@x.fi")
        assert await queued_jobs(t.slug) == []
        assert await rows(t.slug, STATUS, message_id) == [{"status": "queued"}]
        async with tenant_scope(t.slug):
            answer = await host.send_email(
                t.slug,
                {
                    "to": "a@x.fi",
                    "subject": "s",
                    "body": "b",
                    "kind": "invitation",
                    "person_id": "",
                },
            )
        assert answer["processor_key"] == ""  # core's outbox answered
    assert sparkpost.requests == []
    await _send(on.slug, "kuka@x.fi")
    assert await run_queued_mail(on.slug) == ["sent"]
    assert len(sparkpost.requests) == 1
    # No card, still a transfer: the address went to SparkPost.
    [row] = await rows(on.slug, TRANSFERS)
    assert (row["person_id"], row["purpose"], row["status"]) == (None, "customer_service", "sent")
