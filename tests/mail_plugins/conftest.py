"""Fixtures of the mail plugin tests (SparkPost, SMTP): a fresh plugin host with the two
plugins registered explicitly, enabling a plugin for a tenant the production way (operator
allows, admin enables), the local fake servers, running queued mail jobs, and a real broker +
worker for the retry tests."""

from __future__ import annotations

import json
import uuid

import dramatiq
import pytest
from dramatiq import Worker

import plugins.smtp
import plugins.sparkpost
from core import audit, mail
from core.db import DB
from core.jobs import build_broker
from core.persons import PersonInput, create_person
from core.plugin_host import PluginHost, use_host
from tenants import mail_jobs
from tenants.actors import register_actors
from tenants.scope import tenant_scope
from tests.support import fake_smtp, fake_sparkpost
from tests.support.broker import reset_broker

ADMIN = audit.Actor("user", str(uuid.uuid4()), "admin@rekisteri.example")


@pytest.fixture
def host():
    fresh = PluginHost()
    fresh.register(plugins.sparkpost, "sparkpost")
    fresh.register(plugins.smtp, "smtp")
    previous = use_host(fresh)
    yield fresh
    use_host(previous)


@pytest.fixture
def sparkpost(monkeypatch):
    fake, server = fake_sparkpost.start()
    monkeypatch.setitem(plugins.sparkpost.ENDPOINTS, "us", fake.url)
    monkeypatch.setitem(plugins.sparkpost.ENDPOINTS, "eu", fake.url)
    yield fake
    server.shutdown()


@pytest.fixture
def smtp_server():
    fake, server = fake_smtp.start()
    yield fake
    server.shutdown()


@pytest.fixture
def broker(settings):
    broker = build_broker(settings.redis_url.reveal())
    reset_broker(broker)
    register_actors(broker)
    # Retry within the test's patience (production backs off from 15 s).
    broker.get_actor(mail.DELIVER_JOB).options.update(min_backoff=50, max_backoff=200)
    yield broker
    reset_broker(broker)


def run_worker_until_idle(broker: dramatiq.Broker, timeout: float = 30) -> None:
    worker = Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        broker.join("default", timeout=int(timeout * 1000))
        worker.join()
    finally:
        worker.stop()


async def person(first_name: str) -> uuid.UUID:
    return await create_person(
        PersonInput(first_name=first_name, last_name="Postinen", emails=[f"{first_name}@x.fi"])
    )


async def queued_jobs(slug: str) -> list[dict]:
    """Take the tenant's queued jobs out of its outbox (oldest first)."""
    async with tenant_scope(slug):
        rows = await DB.current_connection().fetch(
            "DELETE FROM outbox_message RETURNING actor_name, kwargs, created_at"
        )
    jobs = []
    for row in sorted(rows, key=lambda r: r["created_at"]):
        kwargs = row["kwargs"]
        jobs.append(
            {
                "actor": row["actor_name"],
                **(json.loads(kwargs) if isinstance(kwargs, str) else kwargs),
            }
        )
    return jobs


async def run_queued_mail(slug: str) -> list:
    """Run the tenant's queued mail jobs as the worker would (one attempt each)."""
    results = []
    for job in await queued_jobs(slug):
        assert job.pop("actor") == mail.DELIVER_JOB
        job.pop("tenant")
        results.append(await mail_jobs.deliver_mail(tenant=slug, **job))
    return results


async def rows(slug: str, sql: str, *args) -> list[dict]:
    async with tenant_scope(slug):
        return [dict(r) for r in await DB.current_connection().fetch(sql, *args)]
