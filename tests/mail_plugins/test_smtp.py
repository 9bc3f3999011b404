"""The SMTP plugin against a local SMTP responder: the login, the envelope and the message
(only the address, subject and text), the transfer row inside the EU/EEA (country from the
settings, default FI), a 5xx answer failing for good, a 4xx one retried, and the gate's
refusal of a restricted person (nothing sent, no row)."""

import email
import email.policy

import pytest

from core import mail, restriction
from core.processors import tenant_processors
from tenants.scope import tenant_scope
from tests.mail_plugins.conftest import person, queued_jobs, rows, run_queued_mail

TRANSFERS = (
    "SELECT processor, plugin, country, outside_eea, safeguard, purpose, external_ref, status, "
    "error FROM transfer ORDER BY at"
)


def smtp_options(fake, **extra):
    return {
        "host": fake.host,
        "port": str(fake.port),
        "security": "none",  # the local responder speaks no TLS
        "username": "kortisto",
        "sender": "noreply@rekisteri.example",
        "provider_name": "Posti Oy",
        **extra,
    }


async def _send(slug, to, person_id=None):
    async with tenant_scope(slug):
        return await mail.send_mail(
            to,
            "Pyyntösi on vastaanotettu",
            "Käsittelemme pyyntösi.",
            kind="customer_notice",
            person_id=person_id,
        )


async def test_sends_over_smtp_and_records_a_transfer_inside_the_eea(
    make_tenant, host, enable, smtp_server
):
    t = await make_tenant()
    await enable(t.slug, "smtp", smtp_options(smtp_server), {"password": "salainen"})
    async with tenant_scope(t.slug):
        card = await person("Aino")
        [declared] = await tenant_processors()
    assert (declared.key, declared.country, declared.outside_eea) == ("smtp", "FI", False)
    message_id = await _send(t.slug, "aino@x.fi", card)

    assert await run_queued_mail(t.slug) == ["sent"]

    [delivered] = smtp_server.messages
    assert delivered.login == "kortisto"
    assert (delivered.sender, delivered.recipients) == ("noreply@rekisteri.example", ["aino@x.fi"])
    parsed = email.message_from_string(delivered.data, policy=email.policy.default)
    assert parsed["Subject"] == "Pyyntösi on vastaanotettu"
    assert delivered.data.endswith("\r\n\r\nKäsittelemme pyyntösi.\r\n")  # 8-bit body
    assert "Aino" not in delivered.data and str(card) not in delivered.data
    [row] = await rows(t.slug, TRANSFERS)
    assert (row["processor"], row["plugin"], row["country"]) == ("Posti Oy", "smtp", "FI")
    assert (row["outside_eea"], row["safeguard"], row["status"]) == (False, "", "sent")
    assert row["external_ref"].startswith("<") and row["external_ref"] in delivered.data
    assert await rows(t.slug, "SELECT status FROM mail_message WHERE id = $1", message_id) == [
        {"status": "sent"}
    ]


async def test_a_5xx_answer_fails_and_a_4xx_answer_is_retried(
    make_tenant, host, enable, smtp_server
):
    t = await make_tenant()
    await enable(t.slug, "smtp", smtp_options(smtp_server, country="SE"))
    async with tenant_scope(t.slug):
        card = await person("Bertil")
    smtp_server.reply_to_rcpt("550 5.1.1 no such user")
    await _send(t.slug, "bertil@x.fi", card)
    assert await run_queued_mail(t.slug) == ["failed"]
    [row] = await rows(t.slug, TRANSFERS)
    assert row["status"] == "failed" and "550" in row["error"] and row["country"] == "SE"

    smtp_server.reply_to_rcpt("451 4.7.1 try again later")
    message_id = await _send(t.slug, "bertil@x.fi", card)

    def in_scope():
        return tenant_scope(t.slug)

    with pytest.raises(mail.TemporaryMailError):
        await mail.deliver(str(message_id), str(card), in_scope=in_scope, final_attempt=False)
    await queued_jobs(t.slug)  # the job is the worker's to retry; take it out of the way
    assert (
        await mail.deliver(str(message_id), str(card), in_scope=in_scope, final_attempt=False)
        == "sent"
    )
    assert [m.recipients for m in smtp_server.messages] == [["bertil@x.fi"]]


async def test_a_restricted_person_is_refused_and_nothing_is_sent(
    make_tenant, host, enable, smtp_server
):
    t = await make_tenant()
    await enable(t.slug, "smtp", smtp_options(smtp_server))
    async with tenant_scope(t.slug):
        card = await person("Rauni")
        await restriction.restrict(card)
    await _send(t.slug, "rauni@x.fi", card)
    assert await run_queued_mail(t.slug) == ["refused"]
    assert smtp_server.messages == []
    assert await rows(t.slug, TRANSFERS) == []
