"""The access copy's jobs on a real broker and worker: the build queued by start_build runs
after commit and finishes its progress; the scheduler fans the expiry sweep out hourly."""

import uuid
from datetime import UTC, datetime

from core import access_bundle_build, audit, requests
from core.db import DB
from tenants.access_bundle_jobs import BUILD_JOB, EXPIRE_JOB
from tenants.scheduler import JOBS, fan_out_bundle_expiry
from tenants.scope import tenant_scope
from tests.tenants.test_jobs import broker, run_worker_until_idle  # noqa: F401

STAFF = audit.Actor("user", str(uuid.uuid4()), "kasittelija@rekisteri.example")


async def test_build_runs_on_the_worker_after_commit(make_tenant, broker):  # noqa: F811
    assert {BUILD_JOB, EXPIRE_JOB} <= set(broker.actors)
    t = await make_tenant()
    async with tenant_scope(t.slug):
        person = uuid.uuid4()
        await DB.current_connection().execute(
            "INSERT INTO person (id, first_name, last_name) VALUES ($1, 'Veera', 'Välittäjä')",
            person,
        )
        created = await requests.create_request(person, "access", actor=STAFF)
        await requests.verify_manually(created["id"], "henkilökortti", actor=STAFF)
        await requests.start(created["id"], actor=STAFF)
        await access_bundle_build.start_build(created["id"], actor=STAFF)
    run_worker_until_idle(broker)
    async with tenant_scope(t.slug):
        progress = await access_bundle_build.progress_of(created["id"])
        key = await DB.current_connection().fetchval(
            "SELECT bundle_key FROM data_subject_request WHERE id = $1", created["id"]
        )
    assert progress["status"] == "done" and key.startswith("bundles/")


async def test_scheduler_fans_the_expiry_out_to_every_tenant_hourly(make_tenant, broker):  # noqa: F811
    assert any(job.name == "access-copy-expiry" for job in JOBS)
    t = await make_tenant()
    period = datetime.now(UTC).strftime("%Y-%m-%dT%H")
    assert await fan_out_bundle_expiry(broker, period) >= 1
    queued = broker.client.hvals("dramatiq:default.msgs")  # the encoded messages
    assert any(f"{EXPIRE_JOB}:{t.slug}:{period}".encode() in m for m in queued)
