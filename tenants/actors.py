"""Tenant jobs as Dramatiq actors: each opens the tenant's scope from its `tenant` argument and
records its message id in `job_run` in the same transaction as its effect, so a redelivered
message (a killed worker, a duplicate send) finds the record and does nothing twice. A job
that calls a third party between two short transactions opens its scopes itself
(`tenant_job(own_scope=True)`); its message id is looked up before it starts and recorded
after it succeeded (`run_once`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import dramatiq

from core import health
from core.db import DB
from core.jobs import current_message_id, register_actor
from core.settings import get_settings
from core.storage import ObjectStore
from tenants.migrate import register_migration_ids
from tenants.scope import tenant_scope

log = logging.getLogger("kortisto.actors")

TenantJob = Callable[..., Awaitable[Any]]
TENANT_JOBS: dict[str, TenantJob] = {}

HEALTH_CHECK = "tenant.health_check"


# Jobs whose body takes `tenant` and opens its own scopes (tenant_job(own_scope=True)).
OWN_SCOPE_JOBS: set[str] = set()


def tenant_job(name: str, *, own_scope: bool = False) -> Callable[[TenantJob], TenantJob]:
    """Declare an async job body that runs inside the scope of its `tenant` argument. With
    `own_scope` the body gets `tenant` and opens its scopes itself (a job that calls a
    provider between two short transactions, never inside one); it must then be idempotent
    by its own rows, since its job_run record commits after its effect (`run_once`)."""

    def decorate(fn: TenantJob) -> TenantJob:
        TENANT_JOBS[name] = fn
        if own_scope:
            OWN_SCOPE_JOBS.add(name)
        return fn

    return decorate


async def run_once_in_scope(name: str, fn: TenantJob, tenant: str, kwargs: dict) -> Any:
    """Run `fn` in the tenant's scope unless this message's effect already committed."""
    key = current_message_id() or f"adhoc:{uuid.uuid4()}"
    async with tenant_scope(tenant):
        first = await DB.current_connection().fetchval(
            "INSERT INTO job_run (message_key, actor_name, finished_at) VALUES ($1, $2, now()) "
            "ON CONFLICT (message_key) DO NOTHING RETURNING 1",
            key,
            name,
        )
        if not first:
            log.info("skipping %s for %s: message %s already done", name, tenant, key)
            return None
        return await fn(**kwargs)


async def run_once(name: str, fn: TenantJob, tenant: str, kwargs: dict) -> Any:
    """Run a tenant job as the worker does: `run_once_in_scope`, or for an own-scope job
    `fn(tenant=…)` unless a job_run row says this message already succeeded; the row is
    written in a short transaction after it did (a failure leaves none, so it is retried)."""
    if name not in OWN_SCOPE_JOBS:
        return await run_once_in_scope(name, fn, tenant, kwargs)
    key = current_message_id() or f"adhoc:{uuid.uuid4()}"
    async with tenant_scope(tenant):
        done = await DB.current_connection().fetchval(
            "SELECT 1 FROM job_run WHERE message_key = $1", key
        )
    if done:
        log.info("skipping %s for %s: message %s already done", name, tenant, key)
        return None
    result = await fn(tenant=tenant, **kwargs)
    async with tenant_scope(tenant):
        await DB.current_connection().execute(
            "INSERT INTO job_run (message_key, actor_name, finished_at) VALUES ($1, $2, now()) "
            "ON CONFLICT (message_key) DO NOTHING",
            key,
            name,
        )
    return result


def _actor_for(name: str, fn: TenantJob) -> Callable[..., Awaitable[Any]]:
    async def actor(tenant: str, **kwargs: Any) -> None:
        # Effects live in the database; results are not kept (no results backend).
        await run_once(name, fn, tenant, kwargs)

    actor.__name__ = name.replace(".", "_")
    actor.__module__ = fn.__module__
    return actor


def register_actors(broker: dramatiq.Broker) -> None:
    """Make every declared tenant job an actor on `broker`."""
    from tenants import (  # noqa: F401 - declare their jobs (they import this module)
        access_bundle_jobs,
        archive,
        attachment_jobs,
        mail_jobs,
        newsletter_jobs,
        request_jobs,
        retention_jobs,
    )

    for name, fn in TENANT_JOBS.items():
        register_actor(broker, _actor_for(name, fn), name=name)


@tenant_job(HEALTH_CHECK)
async def health_check() -> dict:
    store = ObjectStore.from_settings(get_settings())
    return await health.check_tenant(register_migration_ids(), store)
