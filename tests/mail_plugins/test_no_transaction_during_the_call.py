"""The mail provider is called with no tenant transaction open: the job records the transfer
as pending and commits, calls SparkPost, then records the outcome in a second short
transaction. The fake SparkPost looks at pg_stat_activity as each request arrives; a control
call made inside a tenant scope shows that the probe does see an open transaction."""

from __future__ import annotations

from tenants.scope import tenant_scope
from tests.mail_plugins.conftest import person, rows, run_queued_mail
from tests.mail_plugins.test_sparkpost import KEY, US, _send
from tests.support.transaction_probe import probe


async def test_sparkpost_is_called_with_no_transaction_open(
    make_tenant, host, enable, sparkpost, settings
):
    t = await make_tenant()
    await enable(t.slug, "sparkpost", US, {"api_key": KEY})
    seen: list[list[str]] = []
    sparkpost.on_request = probe(settings.database.url.reveal(), seen)
    async with tenant_scope(t.slug):
        card = await person("Vapaa")
    await _send(t.slug, "vapaa@x.fi", person_id=card)

    assert await run_queued_mail(t.slug) == ["sent"]

    assert seen == [[]]  # one request, and no session was inside a transaction meanwhile
    [row] = await rows(t.slug, "SELECT status, external_ref FROM transfer")
    assert row == {"status": "sent", "external_ref": "7001"}

    # Control: the same plugin called inside a tenant scope (no deferral) is seen by the probe.
    async with tenant_scope(t.slug):
        message = {"to": "vapaa@x.fi", "subject": "s", "body": "b", "kind": "x"}
        await host.send_email(t.slug, {**message, "person_id": str(card)})
    assert seen[1] == ["idle in transaction"]
