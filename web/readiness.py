"""Whether the servers a request needs are reachable, each checked with a short timeout."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from core.settings import get_settings
from core.storage import ObjectStore
from tenants.scope import platform_transaction

CHECK_TIMEOUT = 2.0


async def _database() -> None:
    async with platform_transaction() as conn:
        await conn.fetchval("SELECT count(*) FROM tenant")


async def _broker() -> None:
    client = aioredis.from_url(
        get_settings().redis_url.reveal(),
        socket_connect_timeout=CHECK_TIMEOUT,
        socket_timeout=CHECK_TIMEOUT,
    )
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _object_store() -> None:
    await ObjectStore.from_settings(get_settings()).list_buckets()


async def _check(fn) -> str:
    try:
        await asyncio.wait_for(fn(), timeout=CHECK_TIMEOUT)
        return "ok"
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"


async def check_readiness() -> dict[str, str]:
    names = ("database", "broker", "object_store")
    results = await asyncio.gather(_check(_database), _check(_broker), _check(_object_store))
    return dict(zip(names, results, strict=True))
