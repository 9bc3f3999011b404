"""Async Redis/Valkey clients, one per event loop (their connections belong to one loop)."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

_clients: dict[tuple[int, str], tuple[asyncio.AbstractEventLoop, aioredis.Redis]] = {}


def redis_for_current_loop(url: str) -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    key = (id(loop), url)
    entry = _clients.get(key)
    if entry is None or entry[0] is not loop:
        client = aioredis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2, decode_responses=True
        )
        _clients[key] = entry = (loop, client)
    return entry[1]
