"""The newsletter service is called with no tenant transaction open: the sync, the removal
and the move to a new address each decide and record in a short transaction, call Brevo or
Mailchimp after its commit, and record the outcome in a second one. The fake service looks at
pg_stat_activity as each request arrives; a control call made inside a tenant scope shows
that the probe does see an open transaction."""

from __future__ import annotations

import json

import pytest

import plugins.newsletter
import tenants.newsletter_jobs  # noqa: F401 - declares the jobs
from core import consents
from core.db import DB
from core.newsletter_removals import READDRESS_JOB, REMOVE_JOB, SYNC_JOB
from core.persons import PersonInput, create_person, update_person
from core.plugin_host import plugin_host
from tenants.actors import TENANT_JOBS, run_once
from tenants.scope import tenant_scope
from tests.plugins.conftest import ADMIN
from tests.support.fake_newsletter_service import FakeNewsletterService
from tests.support.transaction_probe import probe


@pytest.fixture
def service():
    with FakeNewsletterService() as fake:
        yield fake


async def _run_jobs(slug: str, name: str) -> int:
    """Run the jobs of `name` the outbox holds, as the worker would after the relay."""
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "DELETE FROM outbox_message WHERE actor_name = $1 RETURNING kwargs", name
        )
    for row in rows:
        kwargs = json.loads(row["kwargs"]) if isinstance(row["kwargs"], str) else row["kwargs"]
        args = {k: v for k, v in kwargs.items() if k != "tenant"}
        await run_once(name, TENANT_JOBS[name], slug, args)
    return len(rows)


async def _consenting_subscriber(make_tenant, host, enable, service, provider, email):
    """A tenant with the newsletter plugin on `provider` (the fake service) and one card that
    consented to the newsletter: (tenant, person id)."""
    t = await make_tenant()
    host.register(plugins.newsletter, "newsletter")
    await enable(
        t.slug, "newsletter",
        options={"provider": provider, "list_id": "7", "base_url": service.url},
        secrets={"api_key": "test-key-us21"},
    )  # fmt: skip
    async with tenant_scope(t.slug):
        person_id = await create_person(
            PersonInput(first_name="Vapaa", last_name="Tilaaja", emails=[email])
        )
        await consents.give_consent(person_id, "email", "newsletter", actor=ADMIN)
    return t, person_id


@pytest.mark.parametrize("provider", ["brevo", "mailchimp"])
async def test_the_newsletter_service_is_called_with_no_transaction_open(
    make_tenant, host, enable, service, settings, provider
):
    t, person_id = await _consenting_subscriber(
        make_tenant, host, enable, service, provider, "vapaa@vanha.fi"
    )
    seen: list[list[str]] = []
    service.on_request = probe(settings.database.url.reveal(), seen)

    await run_once(SYNC_JOB, TENANT_JOBS[SYNC_JOB], t.slug, {})  # subscribe
    async with tenant_scope(t.slug):
        await update_person(
            person_id, PersonInput(first_name="Vapaa", last_name="Tilaaja", emails=["v@uusi.fi"])
        )
    assert await _run_jobs(t.slug, READDRESS_JOB) == 1  # off the list, on with the new one
    async with tenant_scope(t.slug):
        await consents.withdraw_consent(person_id, "email", "newsletter", actor=ADMIN)
    assert await _run_jobs(t.slug, REMOVE_JOB) == 1  # off the list

    # Four calls (subscribe, remove, subscribe, remove), and no session of ours was inside a
    # transaction during any of them.
    assert len(service.requests) == 4
    assert seen == [[], [], [], []]
    async with tenant_scope(t.slug):
        conn = DB.current_connection()
        transfers = await conn.fetch("SELECT status FROM transfer ORDER BY at")
        subscriptions = await conn.fetch(
            "SELECT status FROM newsletter_subscription ORDER BY synced_at"
        )
    assert [r["status"] for r in transfers] == ["sent", "sent"]
    assert [r["status"] for r in subscriptions] == ["removed", "removed"]

    # Control: the same plugin called inside a tenant scope is seen by the probe.
    async with tenant_scope(t.slug):
        contact = {"person_id": str(person_id), "email": "v@uusi.fi", "first_name": "Vapaa",
                   "last_name": "Tilaaja", "language": "fi"}  # fmt: skip
        assert await plugin_host().newsletter_subscribe(t.slug, contact)
    assert len(seen) == 5 and seen[4] == ["idle in transaction"]


@pytest.mark.parametrize("provider", ["brevo", "mailchimp"])
async def test_the_erasure_notice_to_the_service_is_sent_with_no_transaction_open(
    make_tenant, host, enable, service, settings, provider
):
    """Art. 19 after an erasure request: the notify job asks the plugin between two short
    transactions, like the removal job before it."""
    import tenants.request_jobs  # noqa: F401 - declares the notify job
    from core import erasure_requests, recipient_notifications, requests

    t, person_id = await _consenting_subscriber(
        make_tenant, host, enable, service, provider, "p@t.fi"
    )
    await run_once(SYNC_JOB, TENANT_JOBS[SYNC_JOB], t.slug, {})  # subscribe
    async with tenant_scope(t.slug):
        request = await requests.create_request(person_id, "erasure", actor=ADMIN)
        await requests.verify_manually(request["id"], "passi", actor=ADMIN)
        await requests.start(request["id"], actor=ADMIN)
        report = await erasure_requests.fulfil(request["id"], actor=ADMIN)
    assert report["outcome"] == "erased" and report["recipients_notified"] == 1
    assert await _run_jobs(t.slug, REMOVE_JOB) == 1

    seen: list[list[str]] = []
    service.on_request = probe(settings.database.url.reveal(), seen)
    before = len(service.requests)
    assert await _run_jobs(t.slug, recipient_notifications.NOTIFY_JOB) == 1
    told = service.requests[before:]
    assert told and seen == [[] for _ in told]  # every call with no transaction of ours open
    async with tenant_scope(t.slug):
        [row] = await DB.current_connection().fetch(
            "SELECT method, status, plugin FROM recipient_notification"
        )
    assert dict(row) == {"method": "plugin", "status": "sent", "plugin": "newsletter"}
