"""Data-subject request notices go through the transfer gate when a mail plugin sends them:
each is a transfer row with purpose rights_request, also for a restricted card (the person
asked; Art. 12 obliges the answer), while an ordinary message to that card stays refused."""

from __future__ import annotations

from datetime import date

from core import audit, mail, requests, restriction
from tenants.scope import tenant_scope
from tests.mail_plugins.conftest import person, rows, run_queued_mail

KEY = "sp-test-key-0123456789"
EU = {"endpoint": "eu", "sender": "noreply@rekisteri.example"}
TRANSFERS = "SELECT person_id, purpose, status FROM transfer ORDER BY at"
ADMIN = audit.Actor("user", "00000000-0000-4000-8000-000000000002", "admin@rekisteri.example")


async def test_request_code_to_a_restricted_card_is_a_recorded_transfer(
    make_tenant, host, enable, sparkpost
):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", EU, {"api_key": KEY})
    async with tenant_scope(t.slug):
        card = await person("Rauha")
        await restriction.restrict(card)
        request = await requests.create_request(
            card, "access", actor=ADMIN, requester_email="rauha@x.fi", received_on=date.today()
        )
        await requests.send_code(
            request["id"], actor=ADMIN, secret_key="test-key-for-request-codes"
        )
        await mail.send_mail(
            "rauha@x.fi", "Tarjous", "Hei!", kind="customer_notice", person_id=card
        )
    results = await run_queued_mail(t.slug)
    assert sorted(results) == ["refused", "sent"]
    [sent] = sparkpost.requests
    assert sent.body["recipients"] == [{"address": {"email": "rauha@x.fi"}}]
    assert "Vahvistuskoodi" in sent.body["content"]["subject"]
    assert await rows(t.slug, TRANSFERS) == [
        {"person_id": card, "purpose": "rights_request", "status": "sent"}
    ]
