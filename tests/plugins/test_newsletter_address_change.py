"""A subscriber's new e-mail address reaches the newsletter service: an edit of the card's
first e-mail (person page, API, self-service correction: all core.persons.update_person)
enqueues a job after the commit that takes the old address off the list and subscribes the
new one through the transfer gate, checked against the fake service's recorded requests."""

import hashlib
import json
import uuid

import pytest

import plugins.newsletter
import tenants.newsletter_jobs  # noqa: F401 - declares the jobs
from core import consents
from core.db import DB
from core.newsletter_removals import READDRESS_JOB
from core.newsletter_sync import sync
from core.persons import PersonInput, create_person
from core.self_service import OwnCardInput, rectify_own_card
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

    async def configure(slug, provider="brevo"):
        await enable(
            slug, "newsletter",
            options={"provider": provider, "list_id": "7", "base_url": service.url},
            secrets={"api_key": "test-key-us21"},
        )  # fmt: skip

    return configure


async def _subscribed(slug: str, name: str) -> uuid.UUID:
    async with tenant_scope(slug):
        person_id = await create_person(
            PersonInput(first_name=name, last_name="Uusi", emails=[f"{name.lower()}@vanha.fi"])
        )
        await consents.give_consent(person_id, "email", "newsletter", actor=ADMIN)
    assert (await sync(in_scope=lambda: tenant_scope(slug)))["subscribed"] == 1
    return person_id


async def _run_readdress_jobs(slug: str) -> list[dict]:
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "DELETE FROM outbox_message WHERE actor_name = $1 RETURNING kwargs", READDRESS_JOB
        )
    queued = [json.loads(r["kwargs"]) if isinstance(r["kwargs"], str) else r["kwargs"]
              for r in rows]  # fmt: skip
    for kwargs in queued:
        args = {k: v for k, v in kwargs.items() if k != "tenant"}
        await run_once(READDRESS_JOB, TENANT_JOBS[READDRESS_JOB], slug, args)
    return queued


async def _state(slug: str) -> tuple[list[dict], list[dict]]:
    async with tenant_scope(slug):
        conn = DB.current_connection()
        subscriptions = await conn.fetch(
            "SELECT external_id, status FROM newsletter_subscription ORDER BY synced_at"
        )
        transfers = await conn.fetch(
            "SELECT person_id, purpose, status, external_ref FROM transfer ORDER BY at"
        )
    return [dict(r) for r in subscriptions], [dict(r) for r in transfers]


def _form(**fields) -> dict:
    names = ("first_name", "last_name", "emails", "phones", "title", "organization_id",
             "keywords", "description")  # fmt: skip
    return {**dict.fromkeys(names, ""), **fields}


async def test_person_page_edit_moves_the_brevo_contact(client, make_tenant, newsletter, service):
    t = await make_tenant()
    await newsletter(t.slug)
    pid = await _subscribed(t.slug, "Aila")
    url = f"/t/{t.slug}/persons/{pid}/edit"
    # An edit that leaves the first address alone tells the service nothing.
    same = _form(first_name="Aila", last_name="Uusi", emails="aila@vanha.fi", title="Johtaja")
    assert (await client.post(url, data=same, follow_redirects=False)).status_code == 303
    assert await _run_readdress_jobs(t.slug) == []
    changed = _form(first_name="Aila", last_name="Uusi", emails="aila@uusi.fi\naila@vanha.fi")
    assert (await client.post(url, data=changed, follow_redirects=False)).status_code == 303
    service.requests.clear()

    assert len(await _run_readdress_jobs(t.slug)) == 1

    removal, created = service.requests
    assert (removal["method"], removal["path"]) == ("POST", "/contacts/lists/7/contacts/remove")
    assert removal["body"] == {"ids": [101]}
    assert (created["method"], created["path"]) == ("POST", "/contacts")
    assert created["body"]["email"] == "aila@uusi.fi" and created["body"]["listIds"] == [7]
    subscriptions, transfers = await _state(t.slug)
    assert subscriptions == [
        {"external_id": "101", "status": "removed"},
        {"external_id": "102", "status": "subscribed"},
    ]
    assert transfers == [
        {"person_id": pid, "purpose": "newsletter", "status": "sent", "external_ref": "101"},
        {"person_id": pid, "purpose": "newsletter", "status": "sent", "external_ref": "102"},
    ]
    # Run again (a redelivered job, a later edit back and forth): nothing doubles.
    assert await _run_readdress_jobs(t.slug) == []


async def test_self_service_correction_moves_the_mailchimp_member(make_tenant, newsletter, service):
    t = await make_tenant()
    await newsletter(t.slug, provider="mailchimp")
    pid = await _subscribed(t.slug, "Bo")
    service.requests.clear()
    async with tenant_scope(t.slug):
        await rectify_own_card(
            pid,
            OwnCardInput(first_name="Bo", last_name="Uusi", emails=["Bo@Uusi.fi"]),
            user_id=uuid.uuid4(),
            label="bo@uusi.fi",
        )

    await _run_readdress_jobs(t.slug)

    old = hashlib.md5(b"bo@vanha.fi").hexdigest()  # noqa: S324 - Mailchimp's member id
    new = hashlib.md5(b"bo@uusi.fi").hexdigest()  # noqa: S324
    unsubscribed, subscribed = service.requests
    assert (unsubscribed["method"], unsubscribed["path"]) == ("PATCH", f"/lists/7/members/{old}")
    assert unsubscribed["body"] == {"status": "unsubscribed"}
    assert (subscribed["method"], subscribed["path"]) == ("PUT", f"/lists/7/members/{new}")
    assert subscribed["body"]["email_address"] == "Bo@uusi.fi"  # domain lower-cased
    subscriptions, transfers = await _state(t.slug)
    assert [s["status"] for s in subscriptions] == ["removed", "subscribed"]
    assert subscriptions[1]["external_id"] == new
    assert [(r["purpose"], r["status"]) for r in transfers] == [("newsletter", "sent")] * 2


async def test_a_failed_removal_is_retried_and_the_new_address_waits(
    make_tenant, newsletter, service
):
    t = await make_tenant()
    await newsletter(t.slug)
    pid = await _subscribed(t.slug, "Cecilia")
    async with tenant_scope(t.slug):
        from core.persons import update_person

        await update_person(
            pid, PersonInput(first_name="Cecilia", last_name="Uusi", emails=["c@uusi.fi"])
        )
    service.requests.clear()
    service.fail_next = 1
    with pytest.raises(RuntimeError, match="did not take the old address"):
        await _run_readdress_jobs(t.slug)
    assert [r["path"] for r in service.requests] == ["/contacts/lists/7/contacts/remove"]
    subscriptions, _ = await _state(t.slug)
    assert [s["status"] for s in subscriptions] == ["subscribed"]  # rolled back, to retry
