"""Jobs: enqueued only after commit, run in their tenant only, effect exactly once."""

import signal
import time
import uuid

import dramatiq
import pytest
from dramatiq import Worker

from core import outbox
from core.db import DB
from core.jobs import build_broker, make_message
from core.organizations import OrganizationInput, create_organization
from tenants.actors import HEALTH_CHECK, register_actors, run_once_in_scope
from tenants.scheduler import run_due_jobs, sweep_outboxes
from tenants.scope import tenant_scope
from tests.conftest import kortisto_process, wait_until
from tests.support import slow_actors
from tests.support.broker import reset_broker


@pytest.fixture
def broker(settings):
    broker = build_broker(settings.redis_url.reveal())
    reset_broker(broker)
    register_actors(broker)
    yield broker
    reset_broker(broker)


def run_worker_until_idle(broker: dramatiq.Broker, timeout: float = 20) -> None:
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        broker.join("default", timeout=int(timeout * 1000))
        worker.join()
    finally:
        worker.stop()


async def _count(slug: str, sql: str, *args) -> int:
    async with tenant_scope(slug):
        return await DB.current_connection().fetchval(sql, *args)


async def test_rolled_back_transaction_enqueues_nothing(make_tenant, broker):
    a = await make_tenant()
    with pytest.raises(RuntimeError):
        async with tenant_scope(a.slug):
            await outbox.enqueue(HEALTH_CHECK)
            raise RuntimeError("rollback")
    assert broker.client.llen("dramatiq:default") == 0
    assert await _count(a.slug, "SELECT count(*) FROM outbox_message") == 0


async def test_committed_job_is_relayed_after_commit_and_runs_for_its_tenant_only(
    make_tenant, broker
):
    a, b, c = await make_tenant(), await make_tenant(), await make_tenant()
    async with tenant_scope(a.slug):
        await outbox.enqueue(HEALTH_CHECK)
        # Inside the transaction nothing has reached the broker yet.
        assert broker.client.llen("dramatiq:default") == 0
    assert broker.client.llen("dramatiq:default") == 1
    assert await _count(a.slug, "SELECT count(*) FROM outbox_message") == 0
    run_worker_until_idle(broker)
    assert await _count(a.slug, "SELECT count(*) FROM health_report") == 1
    assert await _count(b.slug, "SELECT count(*) FROM health_report") == 0
    assert await _count(c.slug, "SELECT count(*) FROM health_report") == 0
    async with tenant_scope(a.slug):
        details = await DB.current_connection().fetchval("SELECT details FROM health_report")
    assert '"bucket_ok": true' in details and '"problems": []' in details


async def test_duplicate_delivery_has_one_effect(make_tenant, broker):
    a = await make_tenant()
    message = make_message(HEALTH_CHECK, {"tenant": a.slug}, message_id=str(uuid.uuid4()))
    broker.enqueue(message)
    broker.enqueue(message)
    run_worker_until_idle(broker)
    assert await _count(a.slug, "SELECT count(*) FROM health_report") == 1
    assert await _count(a.slug, "SELECT count(*) FROM job_run") == 1


async def test_job_body_error_rolls_back_its_run_record(make_tenant):
    a = await make_tenant()

    async def failing():
        await create_organization(OrganizationInput(name="Half Done Oy"))
        raise RuntimeError("job failed")

    with pytest.raises(RuntimeError):
        await run_once_in_scope("test.failing", failing, a.slug, {})
    assert await _count(a.slug, "SELECT count(*) FROM job_run") == 0
    assert await _count(a.slug, "SELECT count(*) FROM organization") == 0


async def test_scheduler_fans_out_once_per_period_and_sweeps_outboxes(make_tenant, broker):
    from datetime import UTC, datetime

    a, b = await make_tenant(), await make_tenant()
    # A committed outbox row whose relay never happened (e.g. the process died).
    async with tenant_scope(b.slug):
        await DB.current_connection().execute(
            "INSERT INTO outbox_message (id, actor_name, queue_name, kwargs) "
            "VALUES ($1, $2, 'default', $3::jsonb)",
            uuid.uuid4(),
            HEALTH_CHECK,
            f'{{"tenant": "{b.slug}"}}',
        )
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    first = await run_due_jobs(broker, broker.client, now)
    second = await run_due_jobs(broker, broker.client, now)
    assert first["tenant-health-check"] >= 2 and first["outbox-sweep"] == 1
    assert second == {}  # the same period is not run twice
    run_worker_until_idle(broker)
    assert await _count(a.slug, "SELECT count(*) FROM health_report") == 1
    # b got the nightly check and the swept one: two messages, two reports.
    assert await _count(b.slug, "SELECT count(*) FROM health_report") == 2
    assert await sweep_outboxes(broker, "x") == 0


@pytest.mark.slow
async def test_worker_killed_mid_job_redelivers_and_effect_happens_once(
    make_tenant, settings, tmp_path
):
    a = await make_tenant()
    env = {"KORTISTO_JOBS_HEARTBEAT_MS": "1500", "KORTISTO_JOBS_MAINTENANCE_CHANCE": "1000000"}
    broker = build_broker(
        settings.redis_url.reveal(), heartbeat_timeout_ms=1500, maintenance_chance=1_000_000
    )
    reset_broker(broker)
    slow_actors.register_actors(broker)
    started = tmp_path / "started"
    marker = f"once-{uuid.uuid4()}"
    broker.enqueue(
        make_message(
            slow_actors.NAME,
            {"tenant": a.slug, "marker": marker, "started_file": str(started)},
            message_id=str(uuid.uuid4()),
        )
    )
    args = ("worker", "--threads", "1", "--actors", "tests.support.slow_actors")
    first = kortisto_process(*args, env_extra=env)
    try:
        wait_until(started.exists, 30, message="the job to start")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert await _count(a.slug, "SELECT count(*) FROM organization WHERE name = $1", marker) == 0
    second = kortisto_process(*args, env_extra=env)
    try:
        deadline = time.monotonic() + 45
        count = 0
        while time.monotonic() < deadline:
            count = await _count(
                a.slug, "SELECT count(*) FROM organization WHERE name = $1", marker
            )
            if count:
                break
            time.sleep(0.5)
        assert count == 1, "the killed job was not delivered again"
        time.sleep(2)  # give a wrongly repeated delivery the chance to show
        assert (
            await _count(a.slug, "SELECT count(*) FROM organization WHERE name = $1", marker) == 1
        )
        assert await _count(a.slug, "SELECT count(*) FROM job_run") == 1
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
        reset_broker(broker)
