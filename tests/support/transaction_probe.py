"""What a fake third-party server sees of our database while it answers: the states of the
sessions that have a transaction open (pg_stat_activity), looked at from the server's thread
as each request arrives. A test asserts the list is empty during a provider's call, and makes a
control call inside a tenant scope that the probe does see ("idle in transaction")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg

OPEN_TRANSACTIONS = (
    "SELECT state FROM pg_stat_activity WHERE datname = current_database() "
    "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
)


def probe(dsn: str, seen: list[list[str]]) -> Callable[[], None]:
    """Record, per request, the states of other sessions that have a transaction open."""

    async def look() -> list[str]:
        conn = await asyncpg.connect(dsn)
        try:
            return [r["state"] for r in await conn.fetch(OPEN_TRANSACTIONS)]
        finally:
            await conn.close()

    return lambda: seen.append(asyncio.run(look()))
