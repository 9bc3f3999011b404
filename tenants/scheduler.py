"""`kortisto scheduler`: periodic jobs, safe to run in several replicas.

Each job has a period key (the day for nightly jobs, the minute for frequent ones); a replica
runs a job only after winning `SET NX` on that key in Redis, so a period runs once however many
schedulers are up. Tenant work is fanned out as one message per tenant with an id derived from
the period, so even a double send runs once (the actors are idempotent on the message id).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dramatiq
import redis

from core import outbox
from core.jobs import broker_from_settings, make_message
from core.newsletter_removals import SYNC_JOB as NEWSLETTER_SYNC_JOB
from core.settings import Settings
from tenants.access_bundle_jobs import EXPIRE_JOB as BUNDLE_EXPIRE_JOB
from tenants.actors import HEALTH_CHECK
from tenants.attachment_jobs import SWEEP_JOB
from tenants.audit import prune_all_tenants, seal_all_tenants
from tenants.break_glass import close_expired_grants
from tenants.request_jobs import REMIND_JOB
from tenants.retention_jobs import SWEEP_JOB as RETENTION_JOB
from tenants.scope import platform_transaction, tenant_scope

log = logging.getLogger("kortisto.scheduler")
HELSINKI = ZoneInfo("Europe/Helsinki")


async def active_tenants() -> list[str]:
    async with platform_transaction() as conn:
        rows = await conn.fetch("SELECT slug FROM tenant WHERE status = 'active' ORDER BY slug")
    return [r["slug"] for r in rows]


async def fan_out_health_checks(broker: dramatiq.Broker, period: str) -> int:
    slugs = await active_tenants()
    for slug in slugs:
        broker.enqueue(
            make_message(
                HEALTH_CHECK, {"tenant": slug}, message_id=f"{HEALTH_CHECK}:{slug}:{period}"
            )
        )
    return len(slugs)


async def fan_out_attachment_sweeps(broker: dramatiq.Broker, period: str) -> int:
    """One orphan sweep per tenant (see core.attachment_jobs.sweep_orphans)."""
    slugs = await active_tenants()
    for slug in slugs:
        broker.enqueue(
            make_message(SWEEP_JOB, {"tenant": slug}, message_id=f"{SWEEP_JOB}:{slug}:{period}")
        )
    return len(slugs)


async def fan_out_request_reminders(broker: dramatiq.Broker, period: str) -> int:
    """Data-subject request reminders to each tenant's admins (7 and 2 days before due)."""
    slugs = await active_tenants()
    for slug in slugs:
        broker.enqueue(
            make_message(REMIND_JOB, {"tenant": slug}, message_id=f"{REMIND_JOB}:{slug}:{period}")
        )
    return len(slugs)


async def fan_out_bundle_expiry(broker: dramatiq.Broker, period: str) -> int:
    """Delete access copies past their expiry (core.access_bundle_build.expire_bundles)."""
    slugs = await active_tenants()
    for slug in slugs:
        message_id = f"{BUNDLE_EXPIRE_JOB}:{slug}:{period}"
        broker.enqueue(make_message(BUNDLE_EXPIRE_JOB, {"tenant": slug}, message_id=message_id))
    return len(slugs)


async def fan_out_retention_sweeps(broker: dramatiq.Broker, period: str) -> int:
    """One retention sweep per tenant (core.retention.sweep; idempotent)."""
    slugs = await active_tenants()
    for slug in slugs:
        message_id = f"{RETENTION_JOB}:{slug}:{period}"
        broker.enqueue(make_message(RETENTION_JOB, {"tenant": slug}, message_id=message_id))
    return len(slugs)


async def fan_out_newsletter_syncs(broker: dramatiq.Broker, period: str) -> int:
    """One newsletter sync per tenant (core.newsletter_sync.sync; a tenant without the plugin
    enabled does nothing)."""
    slugs = await active_tenants()
    for slug in slugs:
        message_id = f"{NEWSLETTER_SYNC_JOB}:{slug}:{period}"
        broker.enqueue(make_message(NEWSLETTER_SYNC_JOB, {"tenant": slug}, message_id=message_id))
    return len(slugs)


async def sweep_outboxes(broker: dramatiq.Broker, period: str) -> int:
    """Relay outbox rows whose after-commit relay did not happen (crash, broker down)."""
    sent = 0
    for slug in await active_tenants():
        async with tenant_scope(slug):
            sent += await outbox.relay(broker)
    return sent


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    period_of: Callable[[datetime], str]
    run: Callable[[dramatiq.Broker, str], Awaitable[int]]


def nightly_at(hour: int, minute: int) -> Callable[[datetime], str]:
    """Period key: the Helsinki date of the latest hour:minute passed (catches up missed nights)."""

    def period(now: datetime) -> str:
        local = now.astimezone(HELSINKI)
        if (local.hour, local.minute) < (hour, minute):
            local -= timedelta(days=1)
        return local.date().isoformat()

    return period


def every_minute(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M")


def every_hour(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


async def close_break_glass_grants(broker: dramatiq.Broker, period: str) -> int:
    """Record the end of break-glass grants that ran out (access already ended by itself)."""
    return await close_expired_grants()


async def seal_audits(broker: dramatiq.Broker, period: str) -> int:
    """Chain every tenant's new audit events (core.audit_chain; idempotent, one lock each)."""
    return await seal_all_tenants()


async def prune_audits(broker: dramatiq.Broker, period: str) -> int:
    """Audit retention: remove every tenant's sealed events past its retention (owner role)."""
    return await prune_all_tenants()


JOBS = [
    PeriodicJob("tenant-health-check", nightly_at(2, 30), fan_out_health_checks),
    PeriodicJob("outbox-sweep", every_minute, sweep_outboxes),
    PeriodicJob("break-glass-close", every_minute, close_break_glass_grants),
    PeriodicJob("audit-seal", every_minute, seal_audits),
    PeriodicJob("audit-retention", nightly_at(3, 15), prune_audits),
    PeriodicJob("attachment-orphan-sweep", every_hour, fan_out_attachment_sweeps),
    PeriodicJob("access-copy-expiry", every_hour, fan_out_bundle_expiry),
    PeriodicJob("request-reminders", nightly_at(7, 0), fan_out_request_reminders),
    PeriodicJob("retention-sweep", nightly_at(3, 15), fan_out_retention_sweeps),
    PeriodicJob("newsletter-sync", nightly_at(4, 0), fan_out_newsletter_syncs),
]


async def run_due_jobs(
    broker: dramatiq.Broker, client: redis.Redis, now: datetime, jobs=JOBS
) -> dict[str, int]:
    """Run each job whose current period nobody has claimed yet; returns what ran."""
    ran: dict[str, int] = {}
    for job in jobs:
        period = job.period_of(now)
        claimed = client.set(f"kortisto:schedule:{job.name}:{period}", "1", nx=True, ex=3 * 86400)
        if not claimed:
            continue
        try:
            ran[job.name] = await job.run(broker, period)
            log.info("ran %s for %s: %s", job.name, period, ran[job.name])
        except Exception:
            # Free the period so the next tick retries instead of skipping a whole night.
            client.delete(f"kortisto:schedule:{job.name}:{period}")
            log.exception("periodic job %s failed", job.name)
    return ran


async def run_scheduler(settings: Settings, *, tick_seconds: float = 15.0) -> None:
    broker = broker_from_settings(settings)
    client = broker.client
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("scheduler ready", flush=True)
    while not stop.is_set():
        await run_due_jobs(broker, client, datetime.now(tz=HELSINKI))
        try:
            await asyncio.wait_for(stop.wait(), timeout=tick_seconds)
        except TimeoutError:
            pass
    broker.close()
