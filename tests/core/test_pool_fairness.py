"""A full pool serves its waiters first come, first served (core.db.ScopedTransaction).

asyncpg's own wait is not fair: a request that arrives just as a connection is released takes
it before the waiter that was woken for it, which queues again at the back. Under uvloop (the
server's loop) that put the p95 of a saturated pool at 7-8x that of a pool with room (bench
pages, pool-10 what-if). Here many short transactions on a pool of two arrive at random
moments; none may be overtaken by more later arrivals than the pool has other slots (two
holders may finish their BEGIN in either order)."""

from __future__ import annotations

import asyncio
import contextvars
import random

import pytest
import uvloop

from core.db import KortistoEngine, PoolOptions, ScopedTransaction

POOL = 2
REQUESTS = 300


class RecordingTransaction(ScopedTransaction):
    """Notes whose request got a connection, in the order they got it."""

    granted: list[int]
    request: int

    async def get_connection(self):
        connection = await super().get_connection()
        self.granted.append(self.request)
        return connection


class RecordingEngine(KortistoEngine):
    def __init__(self, granted: list[int]) -> None:
        super().__init__()
        self.granted = granted

    def transaction(self, allow_nested: bool = True, *, request: int = -1) -> ScopedTransaction:
        txn = RecordingTransaction(engine=self, allow_nested=allow_nested)
        txn.granted, txn.request = self.granted, request
        return txn


async def saturate(dsn: str) -> tuple[list[int], list[int]]:
    granted: list[int] = []
    engine = RecordingEngine(granted)
    engine.configure(runtime_dsn=dsn, options=PoolOptions(max_size=POOL))
    rng = random.Random(5)
    arrived: list[int] = []

    async def request(i: int, delay: float) -> None:
        await asyncio.sleep(delay)
        arrived.append(i)
        async with engine.transaction(request=i) as txn:
            await txn.connection.execute("SELECT 1")

    async def warm() -> None:
        async with engine.transaction() as txn:
            await txn.connection.execute("SELECT 1")
            await asyncio.sleep(0.05)

    try:
        await asyncio.gather(*(warm() for _ in range(POOL)))  # both connections open
        del granted[:]
        await asyncio.gather(*(request(i, rng.random() * 0.05) for i in range(REQUESTS)))
    finally:
        await engine.close_pools_of_current_loop()
    return arrived, granted


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_full_pool_serves_waiters_in_arrival_order(settings, loop):
    dsn = settings.database.url.reveal()
    factory = uvloop.new_event_loop if loop == "uvloop" else asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        arrived, granted = runner.run(saturate(dsn))
    assert sorted(granted) == list(range(REQUESTS))
    overtaken = [
        (
            request,
            [later for later in arrived[n + 1 :] if granted.index(later) < granted.index(request)],
        )
        for n, request in enumerate(arrived)
    ]
    assert granted == arrived, [o for o in overtaken if o[1]][:5]


async def test_a_wait_for_a_full_pool_is_bounded_and_leaks_no_slot(settings):
    """A request that waits longer than the connect timeout gets a clear error; a cancelled
    or timed-out waiter gives nothing away, and a failed BEGIN returns its slot."""
    from core.db import DatabaseUnavailableError

    engine = KortistoEngine()
    engine.configure(
        runtime_dsn=settings.database.url.reveal(),
        options=PoolOptions(max_size=1, connect_timeout=0.2),
    )

    async def another_request():  # not nested in the test's own transaction
        async with engine.transaction() as txn:
            return await txn.connection.fetchval("SELECT 1")

    def apart(coro):
        return asyncio.create_task(coro, context=contextvars.Context())

    try:
        async with engine.transaction():
            with pytest.raises(DatabaseUnavailableError, match="busy"):
                await apart(another_request())
            waiter = apart(another_request())
            await asyncio.sleep(0.05)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        failing = engine.transaction()
        failing.begin_sql = "SET LOCAL ROLE no_such_role_anywhere"
        with pytest.raises(Exception, match="no_such_role_anywhere"):
            async with failing:
                pass
        for _ in range(3):  # the one slot is free again each time
            async with engine.transaction() as txn:
                assert await txn.connection.fetchval("SELECT 1") == 1
    finally:
        await engine.close_pools_of_current_loop()
