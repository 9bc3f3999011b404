"""Invitations, password resets and the erasure outcome go through the transfer gate like
every other message a mail plugin sends: each leaves one transfer row (recipient endpoint,
country, outside-EU/EEA flag, purpose, status) and the fake service received the message.
A staff user's invitation and the outcome of a completed erasure concern no card."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from core import audit, erasure_requests, invitations, legal_holds, requests
from core.accounts import create_user
from tenants.scope import tenant_scope
from tests.mail_plugins.conftest import person, rows, run_queued_mail
from tests.mail_plugins.test_smtp import smtp_options

KEY = "sp-test-key-0123456789"
US = {"endpoint": "us", "safeguard": "dpf", "sender": "noreply@rekisteri.example"}
SECRET = "test-secret-for-invitations"
ACTOR = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")
TRANSFERS = (
    "SELECT person_id, processor, recipient, country, outside_eea, safeguard, purpose, "
    "external_ref, status FROM transfer ORDER BY at"
)


async def _invite(slug: str, email: str, **issue) -> None:
    async with tenant_scope(slug):
        issued = await invitations.issue(email, secret_key=SECRET, **issue)
        await invitations.send(
            issued, email, link="https://x/invite", subject="Kutsu", body="{link} {code}"
        )


async def test_staff_invitation_is_a_transfer_with_no_card(make_tenant, host, enable, sparkpost):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    await _invite(t.slug, "uusi.kayttaja@x.fi", purpose="invite", role="staff")

    assert await run_queued_mail(t.slug) == ["sent"]

    [sent] = sparkpost.requests
    assert sent.body["recipients"] == [{"address": {"email": "uusi.kayttaja@x.fi"}}]
    assert sent.body["content"]["subject"] == "Kutsu"
    [row] = await rows(t.slug, TRANSFERS)
    assert row == {
        "person_id": None,
        "processor": "SparkPost (Bird)",
        "recipient": sparkpost.url,
        "country": "US",
        "outside_eea": True,
        "safeguard": "dpf",
        "purpose": "account",
        "external_ref": "7001",
        "status": "sent",
    }


async def test_self_service_invitation_and_reset_name_the_card(
    make_tenant, host, enable, sparkpost
):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    async with tenant_scope(t.slug):
        card = await person("Kaisa")
        other = await person("Onni")
        user_id = await create_user("onni@x.fi", role="self", person_id=other)
    await _invite(t.slug, "kaisa@x.fi", purpose="invite", role="self", person_id=card)
    await _invite(t.slug, "onni@x.fi", purpose="reset", user_id=user_id)

    assert await run_queued_mail(t.slug) == ["sent", "sent"]

    assert [r.body["recipients"][0]["address"]["email"] for r in sparkpost.requests] == [
        "kaisa@x.fi",
        "onni@x.fi",
    ]
    found = await rows(t.slug, TRANSFERS)
    assert [(r["person_id"], r["purpose"], r["status"]) for r in found] == [
        (card, "account", "sent"),
        (other, "account", "sent"),
    ]


async def _erasure_request(card: uuid.UUID, email: str) -> uuid.UUID:
    request = await requests.create_request(
        card, "erasure", actor=ACTOR, requester_email=email, received_on=date.today()
    )
    await requests.verify_manually(request["id"], "henkilökortti", actor=ACTOR)
    await requests.start(request["id"], actor=ACTOR)
    return request["id"]


async def test_erasure_outcome_is_a_rights_request_transfer(make_tenant, host, enable, smtp_server):
    t = await make_tenant()
    await enable(t.slug, "smtp", smtp_options(smtp_server), {"password": "salainen"})
    async with tenant_scope(t.slug):
        erased = await person("Eero")
        held = await person("Heikki")
        until = date.today() + timedelta(days=30)
        await legal_holds.create_hold(held, "debt_collection", "Perintä 7", until, by="a")
        for card, email in ((erased, "eero@x.fi"), (held, "heikki@x.fi")):
            request_id = await _erasure_request(card, email)
            await erasure_requests.fulfil(request_id, actor=ACTOR)

    assert await run_queued_mail(t.slug) == ["sent", "sent"]

    assert [m.recipients for m in smtp_server.messages] == [["eero@x.fi"], ["heikki@x.fi"]]
    assert all("Erasure" in m.data for m in smtp_server.messages)
    found = await rows(t.slug, TRANSFERS)
    # The erased card is gone, so its notice concerns no card; the held card is restricted,
    # which does not stop the answer to the person's own request.
    assert [(r["person_id"], r["purpose"], r["status"]) for r in found] == [
        (None, "rights_request", "sent"),
        (held, "rights_request", "sent"),
    ]
    assert {(r["country"], r["outside_eea"], r["recipient"]) for r in found} == {
        ("FI", False, smtp_server.host)
    }
