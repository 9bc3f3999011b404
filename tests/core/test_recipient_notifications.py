"""Art. 19: completing a rectification request tells every recipient the transfer log shows for
the person — through a plugin that handles the processor (after commit, in the job), or as a
manual task for an admin; a plugin's failure is recorded; a task is marked done with a note."""

import uuid

import pytest

from core import audit, recipient_notifications, requests
from core.db import DB
from core.hookspecs import hookimpl
from core.persons import PersonInput, create_person, get_person, update_person
from core.plugin_manager import register, unregister
from tenants.request_jobs import notify_recipients as notify_job
from tenants.scope import tenant_scope

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")


class MailPlugin:
    """Handles the processor "PostiPalvelu" only; records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    @hookimpl
    def kortisto_notify_recipient(self, tenant, notification):
        if notification["processor"] != "PostiPalvelu":
            return None
        self.calls.append((tenant, notification))
        return {"plugin": "posti", "reference": "ticket-42"}


class BrokenPlugin:
    @hookimpl
    def kortisto_notify_recipient(self, tenant, notification):
        if notification["processor"] == "Rikki Oy":
            raise ConnectionError("recipient API down")
        return None


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


@pytest.fixture
def plugins():
    registered = []

    def add(plugin):
        register(plugin)
        registered.append(plugin)
        return plugin

    yield add
    for plugin in registered:
        unregister(plugin)


async def _transfer(person_id, processor, recipient="", plugin="", ref=""):
    await DB.current_connection().execute(
        "INSERT INTO transfer (id, at, person_id, processor, recipient, plugin, external_ref) "
        "VALUES ($1, now(), $2, $3, $4, $5, $6)",
        uuid.uuid4(),
        person_id,
        processor,
        recipient,
        plugin,
        ref,
    )


async def _rectification(person_id) -> dict:
    """A rectification request taken to in_progress, the card corrected, then completed."""
    r = await requests.create_request(person_id, "rectification", actor=ADMIN)
    await requests.verify_manually(r["id"], "henkilökortti", actor=ADMIN)
    await requests.start(r["id"], actor=ADMIN)
    card = await get_person(person_id)
    await update_person(
        person_id,
        PersonInput(first_name=card["first_name"], last_name="Korjattu", emails=card["emails"]),
        actor=ADMIN.label,
    )
    await requests.complete(r["id"], actor=ADMIN)
    return r


async def test_plugin_is_called_after_commit_and_others_become_manual_tasks(tenant, plugins):
    mail = plugins(MailPlugin())
    async with tenant_scope(tenant.slug):
        person = await create_person(
            PersonInput(first_name="Rea", last_name="Rekola", emails=["rea@x.fi"])
        )
        loner = await create_person(PersonInput(first_name="Ilman", last_name="Siirtoja"))
        await _transfer(person, "PostiPalvelu", "lista-7", "posti", "sub-1")
        await _transfer(person, "PostiPalvelu", "lista-7", "posti", "sub-2")
        await _transfer(person, "Kumppani Oy", "kumppani@example.fi")
        await _transfer(loner, "Muu Oy")  # another person's transfers are not looked at
        r = await _rectification(person)
        pending = await recipient_notifications.for_request(r["id"])
        queued = await DB.current_connection().fetch(
            "SELECT actor_name, kwargs FROM outbox_message WHERE actor_name = $1",
            recipient_notifications.NOTIFY_JOB,
        )
    # Nothing was sent inside the completing transaction: it waits for the job.
    assert mail.calls == []
    assert sorted((n["processor"], n["status"]) for n in pending) == [
        ("Kumppani Oy", "pending"),
        ("PostiPalvelu", "pending"),
    ]
    assert len(queued) == 1
    kwargs = queued[0]["kwargs"]
    kwargs = kwargs if isinstance(kwargs, dict) else __import__("json").loads(kwargs)
    assert kwargs["fields"] == ["last_name"] and "Korjattu" not in str(kwargs)

    # The job, as the worker runs it: it opens its own short scopes around the plugins' calls.
    job = {"request_id": kwargs["request_id"], "kind": kwargs["kind"], "fields": kwargs["fields"]}
    counts = await notify_job(tenant=tenant.slug, **job)
    async with tenant_scope(tenant.slug):
        done = {n["processor"]: n for n in await recipient_notifications.for_request(r["id"])}
    again = await notify_job(tenant=tenant.slug, **job)
    assert counts == {"sent": 1, "failed": 0, "manual": 1}
    assert again == {"sent": 0, "failed": 0, "manual": 0}  # a redelivery sends nothing twice
    assert len(mail.calls) == 1
    slug, sent = mail.calls[0]
    assert slug == tenant.slug
    assert sent["person_id"] == str(person) and sent["request_id"] == str(r["id"])
    assert sent["kind"] == "rectification" and sent["fields"] == ["last_name"]
    assert sent["recipient"] == "lista-7" and sorted(sent["external_refs"]) == ["sub-1", "sub-2"]
    assert (done["PostiPalvelu"]["status"], done["PostiPalvelu"]["method"]) == ("sent", "plugin")
    assert done["PostiPalvelu"]["note"] == "ticket-42"
    assert (done["Kumppani Oy"]["status"], done["Kumppani Oy"]["method"]) == ("open", "manual")


async def test_without_plugins_every_recipient_is_a_manual_task_and_done_with_a_note(tenant):
    async with tenant_scope(tenant.slug):
        person = await create_person(PersonInput(first_name="Maija", last_name="Manuaali"))
        nobody = await create_person(PersonInput(first_name="Ei", last_name="Ketään"))
        await _transfer(person, "Kumppani Oy", "kumppani@example.fi")
        r = await _rectification(person)
        empty = await _rectification(nobody)
        tasks = await recipient_notifications.tasks()
        assert await recipient_notifications.for_request(empty["id"]) == []
        assert [(t["processor"], t["method"], t["status"]) for t in tasks] == [
            ("Kumppani Oy", "manual", "open")
        ]
        task = tasks[0]
        with pytest.raises(recipient_notifications.NotificationError) as err:
            await recipient_notifications.mark_done(task["id"], "  ", actor=ADMIN)
        assert err.value.reason == "note_required"
        await recipient_notifications.mark_done(task["id"], "Soitettu, korjaavat", actor=ADMIN)
        with pytest.raises(recipient_notifications.NotificationError):
            await recipient_notifications.mark_done(task["id"], "uudestaan", actor=ADMIN)
        after = (await recipient_notifications.for_request(r["id"]))[0]
        assert await recipient_notifications.tasks() == []
        events = await audit.events(action_prefix="recipient_notification.done")
        queued = await DB.current_connection().fetchval(
            "SELECT count(*) FROM outbox_message WHERE actor_name = $1",
            recipient_notifications.NOTIFY_JOB,
        )
    assert after["status"] == "done" and after["done_by"] == ADMIN.label
    assert after["note"] == "Soitettu, korjaavat"
    assert len(events) == 1 and events[0]["person_id"] == person
    assert "Soitettu" not in str(events[0]["detail"])
    assert queued == 0  # no plugin: no job


async def test_a_failing_plugin_marks_the_notification_failed(tenant, plugins):
    plugins(BrokenPlugin())
    async with tenant_scope(tenant.slug):
        person = await create_person(PersonInput(first_name="Vika", last_name="Tilanne"))
        await _transfer(person, "Rikki Oy", "api")
        r = await _rectification(person)
    counts = await recipient_notifications.deliver_pending(
        r["id"], "rectification", [], in_scope=lambda: tenant_scope(tenant.slug)
    )
    async with tenant_scope(tenant.slug):
        failed = (await recipient_notifications.for_request(r["id"]))[0]
        tasks = await recipient_notifications.tasks()
    assert counts["failed"] == 1
    assert failed["status"] == "failed" and "recipient API down" in failed["note"]
    assert [t["id"] for t in tasks] == [failed["id"]]  # shown to the admins


class SettledMeanwhilePlugin:
    """While it is being asked, another run (a redelivery) settles the notification first."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    @hookimpl
    async def kortisto_notify_recipient(self, tenant, notification):
        # Possible only because the job holds no transaction or row lock during the call.
        async with tenant_scope(self.slug):
            await DB.current_connection().execute(
                "UPDATE recipient_notification SET status = 'sent', note = 'toinen ajo' "
                "WHERE id = $1",
                uuid.UUID(notification["id"]),
            )
        return {"plugin": "posti", "reference": "tämä ajo"}


async def test_an_outcome_settled_meanwhile_by_another_run_is_kept(tenant, plugins):
    plugins(SettledMeanwhilePlugin(tenant.slug))
    async with tenant_scope(tenant.slug):
        person = await create_person(PersonInput(first_name="Kaksi", last_name="Ajoa"))
        await _transfer(person, "PostiPalvelu", "lista-7", "posti", "sub-1")
        r = await _rectification(person)
    counts = await notify_job(
        tenant=tenant.slug, request_id=str(r["id"]), kind="rectification", fields=["last_name"]
    )
    async with tenant_scope(tenant.slug):
        [row] = await recipient_notifications.for_request(r["id"])
        events = await audit.events(action_prefix="recipient_notification.")
    assert counts == {"sent": 0, "failed": 0, "manual": 0}  # this run recorded nothing
    assert (row["status"], row["note"]) == ("sent", "toinen ajo")
    assert events == []
