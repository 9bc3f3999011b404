"""Art. 19 through the pages: completing a rectification request on its page creates the
recipients' notifications, shown on the request's page; the admins' task page lists the manual
ones and marks one done with a note (audited); an empty note says what to fix."""

from __future__ import annotations

import uuid

import pytest

from core import audit, requests
from core.db import DB
from core.persons import PersonInput, create_person
from tenants.scope import tenant_scope

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def test_complete_on_the_page_then_task_done(client, tenant):
    slug = tenant.slug
    async with tenant_scope(slug):
        person = await create_person(PersonInput(first_name="Oili", last_name="Oikaisu"))
        await DB.current_connection().execute(
            "INSERT INTO transfer (id, at, person_id, processor, recipient) "
            "VALUES ($1, now(), $2, 'Kumppani Oy', 'crm@kumppani.example')",
            uuid.uuid4(),
            person,
        )
        r = await requests.create_request(person, "rectification", actor=ADMIN)
        await requests.verify_manually(r["id"], "henkilökortti", actor=ADMIN)
        await requests.start(r["id"], actor=ADMIN)
    done = await client.post(
        f"/t/{slug}/admin/requests/{r['id']}/complete",
        data={"note": "korjattu"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = await client.get(f"/t/{slug}/admin/requests/{r['id']}")
    assert 'data-testid="recipient-notifications"' in page.text
    assert "Kumppani Oy" in page.text and "Ilmoitettava itse" in page.text

    tasks = await client.get(f"/t/{slug}/admin/recipient-tasks/")
    assert tasks.status_code == 200 and "Kumppani Oy" in tasks.text
    assert "Oikaisu" not in tasks.text  # ids and processors, not the person's data
    async with tenant_scope(slug):
        task_id = await DB.current_connection().fetchval(
            "SELECT id FROM recipient_notification WHERE request = $1", r["id"]
        )
    empty = await client.post(f"/t/{slug}/admin/recipient-tasks/{task_id}/done", data={"note": ""})
    assert empty.status_code == 400 and "Kirjoita, miten" in empty.text
    ok = await client.post(
        f"/t/{slug}/admin/recipient-tasks/{task_id}/done",
        data={"note": "Sähköposti lähetetty 4.12."},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    after = await client.get(f"/t/{slug}/admin/recipient-tasks/")
    assert 'data-testid="section-empty"' in after.text
    async with tenant_scope(slug):
        events = await audit.events(action_prefix="recipient_notification.done")
    assert len(events) == 1 and events[0]["object_id"] == str(task_id)
    unknown = await client.post(
        f"/t/{slug}/admin/recipient-tasks/{uuid.uuid4()}/done", data={"note": "x"}
    )
    assert unknown.status_code == 404
