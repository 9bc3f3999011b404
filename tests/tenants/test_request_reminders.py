"""The scheduler fans out data-subject request reminders nightly, one message per tenant with a
per-night id; the tenant job mails the admins once per threshold however often it runs."""

from datetime import timedelta

from core import audit, requests
from core.db import DB
from core.mail import outbox
from core.persons import PersonInput, create_person
from core.request_deadlines import today
from tenants import request_jobs
from tenants.actors import TENANT_JOBS, run_once_in_scope
from tenants.scheduler import JOBS, fan_out_request_reminders
from tenants.scope import tenant_scope


class Recorder:
    def __init__(self):
        self.messages = []

    def enqueue(self, message):
        self.messages.append(message)


async def test_reminders_are_fanned_out_nightly_and_sent_once(make_tenant):
    a = await make_tenant()
    assert "request-reminders" in {job.name for job in JOBS}
    broker = Recorder()
    await fan_out_request_reminders(broker, "2027-03-01")
    ours = [m for m in broker.messages if m.kwargs == {"tenant": a.slug}]
    job_name = request_jobs.REMIND_JOB
    assert [(m.actor_name, m.message_id) for m in ours] == [
        (job_name, f"{job_name}:{a.slug}:2027-03-01")
    ]
    async with tenant_scope(a.slug):
        person = await create_person(PersonInput(first_name="Muisto", last_name="Pyyntö"))
        r = await requests.create_request(person, "access", actor=audit.SYSTEM)
        await DB.current_connection().execute(
            "UPDATE data_subject_request SET due_on = $2 WHERE id = $1",
            r["id"],
            today() + timedelta(days=5),
        )
    job = TENANT_JOBS[job_name]
    assert await run_once_in_scope(job_name, job, a.slug, {}) == 1
    assert await run_once_in_scope(job_name, job, a.slug, {}) == 0
    async with tenant_scope(a.slug):
        mails = [m for m in await outbox() if m["kind"] == "request_reminder"]
        admins = await DB.current_connection().fetchval(
            "SELECT count(*) FROM app_user WHERE role = 'admin' AND active"
        )
    assert admins >= 1 and len(mails) == admins
    assert f"/t/{a.slug}/admin/requests/{r['id']}" in mails[0]["body"]
