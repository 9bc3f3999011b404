"""The scheduler fans the retention sweep out nightly, one message per tenant with a per-night
id; the tenant job sweeps once per message and a repeated sweep removes nothing more."""

import datetime as dt
import uuid

from core import retention
from core.audit import SYSTEM
from core.db import DB
from core.persons import PersonInput, create_person
from core.retention_rules import RuleInput, create_rule
from tenants import retention_jobs
from tenants.actors import TENANT_JOBS, run_once_in_scope
from tenants.scheduler import JOBS, fan_out_retention_sweeps
from tenants.scope import tenant_scope


class Recorder:
    def __init__(self):
        self.messages = []

    def enqueue(self, message):
        self.messages.append(message)


async def test_sweeps_are_fanned_out_nightly_and_run_once_per_message(make_tenant):
    a = await make_tenant()
    assert "retention-sweep" in {job.name for job in JOBS}
    broker = Recorder()
    await fan_out_retention_sweeps(broker, "2027-03-01")
    job_name = retention_jobs.SWEEP_JOB
    ours = [m for m in broker.messages if m.kwargs == {"tenant": a.slug}]
    assert [(m.actor_name, m.message_id) for m in ours] == [
        (job_name, f"{job_name}:{a.slug}:2027-03-01")
    ]
    async with tenant_scope(a.slug):
        await create_rule(RuleInput("relationship_ended", 1, data_category="contact"), actor=SYSTEM)
        person = await create_person(PersonInput(first_name="Yöajo", last_name="Vanhentunut"))
        await DB.current_connection().execute(
            "UPDATE person SET relationship_ended_on = $2 WHERE id = $1",
            person,
            dt.date(2020, 1, 1),
        )
    job = TENANT_JOBS[job_name]
    run_id = await run_once_in_scope(job_name, job, a.slug, {})
    async with tenant_scope(a.slug):
        report = await retention.get_run(uuid.UUID(run_id))
        assert report["totals"]["deleted"] == 1
        assert not await DB.current_connection().fetchval(
            "SELECT count(*) FROM person WHERE id = $1", person
        )
    # a second run (the next night) writes its report and removes nothing more
    again = await run_once_in_scope(job_name, job, a.slug, {})
    async with tenant_scope(a.slug):
        second = await retention.get_run(uuid.UUID(again))
        runs = await DB.current_connection().fetchval("SELECT count(*) FROM retention_run")
    assert second["totals"]["deleted"] == 0 and runs == 2
