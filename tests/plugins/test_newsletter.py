"""Newsletter plugin + core.newsletter_sync against a local fake of the services: only persons
with e-mail newsletter consent and no objection or restriction reach the service; each one is
a transfer row with the provider's country and outside-EU flag; a withdrawal, an objection and
an erasure each take the person off (after commit, through the outbox job); a disabled plugin
is never called. The sync and the jobs run as the worker runs them: with no transaction open,
each opening its own short tenant scopes."""

import hashlib
import json
import uuid

import pytest

import plugins.newsletter
import tenants.newsletter_jobs  # noqa: F401 - declares the jobs
from core import consents, erasure, objections, restriction
from core.db import DB
from core.newsletter_removals import REMOVE_JOB
from core.newsletter_sync import sync
from core.persons import PersonInput, create_person
from tenants.actors import TENANT_JOBS, run_once
from tenants.scope import tenant_scope
from tests.plugins.conftest import ADMIN
from tests.support.fake_newsletter_service import FakeNewsletterService


@pytest.fixture
def service():
    with FakeNewsletterService() as fake:
        yield fake


@pytest.fixture
def newsletter(host, enable, service):
    host.register(plugins.newsletter, "newsletter")

    async def configure(slug, provider="brevo", enabled=True):
        await enable(
            slug, "newsletter",
            options={"provider": provider, "list_id": "7", "base_url": service.url},
            secrets={"api_key": "test-key-us21"}, enabled=enabled,
        )  # fmt: skip

    return configure


async def _person(name: str, *, consent: bool = True) -> uuid.UUID:
    person_id = await create_person(
        PersonInput(first_name=name, last_name="Uutiskirje", emails=[f"{name.lower()}@x.fi"])
    )
    if consent:
        await consents.give_consent(person_id, "email", "newsletter", actor=ADMIN)
    return person_id


async def _sync(slug: str) -> dict:
    """The sync as its job runs it: outside any transaction, opening the tenant's scopes."""
    return await sync(in_scope=lambda: tenant_scope(slug))


async def _transfers() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT person_id, processor, plugin, country, outside_eea, safeguard, purpose, "
        "categories, status, external_ref FROM transfer ORDER BY at"
    )
    return [dict(r) for r in rows]


async def _subscriptions() -> list[dict]:
    rows = await DB.current_connection().fetch(
        "SELECT person_id, plugin, list_id, external_id, status FROM newsletter_subscription"
    )
    return [dict(r) for r in rows]


async def _run_queued_removals(slug: str) -> list[dict]:
    """Run the removal jobs the outbox holds, as the worker would after the relay."""
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "DELETE FROM outbox_message WHERE actor_name = $1 RETURNING kwargs", REMOVE_JOB
        )
    queued = [json.loads(r["kwargs"]) if isinstance(r["kwargs"], str) else r["kwargs"]
              for r in rows]  # fmt: skip
    for kwargs in queued:
        args = {k: v for k, v in kwargs.items() if k != "tenant"}
        await run_once(REMOVE_JOB, TENANT_JOBS[REMOVE_JOB], slug, args)
    return queued


async def test_sync_sends_only_consenting_non_objecting_persons(tenant, newsletter, service):
    await newsletter(tenant.slug)
    async with tenant_scope(tenant.slug):
        consenting = await _person("Suostunut")
        objecting = await _person("Kieltava")
        await objections.object_to(objecting, "direct_marketing", "", actor=ADMIN)
        restricted = await _person("Rajoitettu")
        await restriction.restrict(restricted)
        await _person("Hiljainen", consent=False)
        withdrawn = await _person("Perunut")
        await consents.withdraw_consent(withdrawn, "email", "newsletter", actor=ADMIN)
    report = await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        transfers = await _transfers()
        subscriptions = await _subscriptions()
    assert report["subscribed"] == 1 and report["refused"] == 4
    created = service.of("POST", "/contacts")
    assert [r["body"]["email"] for r in created] == ["suostunut@x.fi"]
    assert created[0]["body"]["listIds"] == [7]
    assert created[0]["body"]["attributes"] == {"FIRSTNAME": "Suostunut", "LASTNAME": "Uutiskirje"}
    assert created[0]["headers"]["api-key"] == "test-key-us21"
    assert len(transfers) == 1
    row = transfers[0]
    assert row["person_id"] == consenting and row["status"] == "sent"
    assert (row["country"], row["outside_eea"], row["safeguard"]) == ("FR", False, "")
    assert row["purpose"] == "newsletter" and row["plugin"] == "newsletter"
    assert subscriptions == [{"person_id": consenting, "plugin": "newsletter", "list_id": "7",
                              "external_id": "101", "status": "subscribed"}]  # fmt: skip

    again = await _sync(tenant.slug)  # a second run sends nobody twice
    assert again["subscribed"] == 0 and len(service.of("POST", "/contacts")) == 1


async def test_withdrawal_sends_an_unsubscribe(tenant, newsletter, service):
    await newsletter(tenant.slug)
    async with tenant_scope(tenant.slug):
        person_id = await _person("Peruja")
    await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        await consents.withdraw_consent(person_id, "email", "newsletter", actor=ADMIN)
    queued = await _run_queued_removals(tenant.slug)
    assert queued == [{"person_id": str(person_id), "reason": "consent_withdrawn",
                       "tenant": tenant.slug}]  # fmt: skip
    removals = service.of("POST", "/contacts/lists/7/contacts/remove")
    assert [r["body"] for r in removals] == [{"ids": [101]}]
    async with tenant_scope(tenant.slug):
        assert [s["status"] for s in await _subscriptions()] == ["removed"]


async def test_objection_and_restriction_take_the_person_off(tenant, newsletter, service):
    await newsletter(tenant.slug)
    async with tenant_scope(tenant.slug):
        objecting = await _person("Kieltaja")
        restricted = await _person("Rajattava")
    await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        await objections.object_to(objecting, "direct_marketing", "email", actor=ADMIN)
        await restriction.restrict(restricted)  # no job of its own: the sync catches it
    await _run_queued_removals(tenant.slug)
    report = await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        statuses = {s["person_id"]: s["status"] for s in await _subscriptions()}
    assert report["removed"] == 1
    assert statuses == {objecting: "removed", restricted: "removed"}
    assert len(service.of("POST", "/contacts/remove")) == 2


async def test_erasure_sends_an_unsubscribe_and_leaves_no_row(tenant, newsletter, service):
    await newsletter(tenant.slug)
    async with tenant_scope(tenant.slug):
        person_id = await _person("Poistettava")
    await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        await erasure.erase_persons([person_id], actor=ADMIN)
    queued = await _run_queued_removals(tenant.slug)
    assert [q["reason"] for q in queued] == ["erasure"]
    deletes = service.of("DELETE")
    assert [r["path"] for r in deletes] == ["/contacts/101?identifierType=contact_id"]
    async with tenant_scope(tenant.slug):
        assert await _subscriptions() == []


async def test_us_provider_is_flagged_outside_the_eea(tenant, newsletter, service):
    await newsletter(tenant.slug, provider="mailchimp")
    async with tenant_scope(tenant.slug):
        person_id = await _person("Jenkki")
    await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        await erasure.erase_persons([person_id], actor=ADMIN)
        transfers = await _transfers()
    member = hashlib.md5(b"jenkki@x.fi").hexdigest()  # noqa: S324 - Mailchimp's member id
    put = service.of("PUT")
    assert [r["path"] for r in put] == [f"/lists/7/members/{member}"]
    assert put[0]["body"]["status"] == "subscribed"
    assert put[0]["headers"]["authorization"].startswith("Basic ")
    row = transfers[0]
    assert (row["country"], row["outside_eea"], row["safeguard"]) == ("US", True, "dpf")
    await _run_queued_removals(tenant.slug)
    assert [r["path"] for r in service.of("POST", "delete-permanent")] == [
        f"/lists/7/members/{member}/actions/delete-permanent"
    ]


async def test_a_disabled_newsletter_plugin_is_not_called(tenant, newsletter, service):
    await newsletter(tenant.slug, enabled=False)
    async with tenant_scope(tenant.slug):
        await _person("Suostunut")
    report = await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        transfers = await _transfers()
    assert report["enabled"] is False
    assert service.requests == [] and transfers == []


async def test_a_service_error_is_a_failed_transfer_and_retried_next_time(
    tenant, newsletter, service
):
    await newsletter(tenant.slug)
    service.fail_next = 1
    async with tenant_scope(tenant.slug):
        await _person("Virhe")
    first = await _sync(tenant.slug)
    second = await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        statuses = [t["status"] for t in await _transfers()]
        subscriptions = await _subscriptions()
    assert first["failed"] == 1 and second["subscribed"] == 1
    assert statuses == ["failed", "sent"]
    assert [s["status"] for s in subscriptions] == ["subscribed"]


async def test_kortisto_notify_recipient_an_erasure_request_deletes_the_contact(
    tenant, newsletter, service
):
    """Art. 19 through the plugin: erasing the card on a request tells the newsletter service
    (the contact deleted for good) and the notification is 'sent', not a manual task."""
    from datetime import date

    from core import erasure_requests, recipient_notifications, requests

    await newsletter(tenant.slug)
    async with tenant_scope(tenant.slug):
        person_id = await _person("Pyytäjä")
    await _sync(tenant.slug)
    async with tenant_scope(tenant.slug):
        request = await requests.create_request(
            person_id, "erasure", actor=ADMIN, received_on=date.today()
        )
        await requests.verify_manually(request["id"], "passi", actor=ADMIN)
        await requests.start(request["id"], actor=ADMIN)
        report = await erasure_requests.fulfil(request["id"], actor=ADMIN)
    assert report["outcome"] == "erased" and report["recipients_notified"] == 1
    await _run_queued_removals(tenant.slug)  # the erasure's own removal job
    counts = await recipient_notifications.deliver_pending(
        request["id"], "erasure", [], in_scope=lambda: tenant_scope(tenant.slug)
    )
    async with tenant_scope(tenant.slug):
        [told] = await DB.current_connection().fetch(
            "SELECT processor, method, status, plugin FROM recipient_notification"
        )
    assert counts["sent"] == 1
    assert dict(told) == {
        "processor": "Brevo (Sendinblue SAS)",
        "method": "plugin",
        "status": "sent",
        "plugin": "newsletter",
    }
    deletes = [r["path"] for r in service.of("DELETE")]
    assert deletes and set(deletes) == {"/contacts/101?identifierType=contact_id"}
