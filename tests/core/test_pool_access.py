"""The pool gate's hand-over rules (core.pool_access); with a real pool: test_pool_fairness."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from core.db import KortistoEngine, PoolOptions
from core.pool_access import PoolGate


async def test_free_slots_are_taken_at_once_and_a_full_gate_serves_in_arrival_order():
    gate = PoolGate(2)
    assert gate.try_take() and gate.try_take()
    assert not gate.try_take()
    served: list[int] = []

    async def wait(n: int) -> None:
        await gate.take(5)
        served.append(n)

    waiters = [asyncio.create_task(wait(n)) for n in range(4)]
    await asyncio.sleep(0)
    for _ in range(4):
        gate.give()
        # A newcomer may not jump the queue while someone waits, even just after a give.
        assert not gate.try_take()
        await asyncio.sleep(0)
    await asyncio.gather(*waiters)
    assert served == [0, 1, 2, 3]
    gate.give(), gate.give()
    assert gate.free == 2 and gate.waiting == 0


async def test_a_slot_handed_to_a_waiter_that_is_cancelled_goes_to_the_next():
    gate = PoolGate(1)
    assert gate.try_take()
    first = asyncio.create_task(gate.take(5))
    second = asyncio.create_task(gate.take(5))
    await asyncio.sleep(0)
    gate.give()  # handed to `first`, which is cancelled before it runs
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)  # got the slot `first` passed on
    assert gate.free == 0 and gate.waiting == 0
    gate.give()
    assert gate.free == 1


async def test_a_timed_out_waiter_keeps_no_slot_and_blocks_no_one():
    gate = PoolGate(1)
    assert gate.try_take()
    with pytest.raises(TimeoutError):
        await gate.take(0.01)
    late = asyncio.create_task(gate.take(0.01))
    late.cancel()  # cancelled before it even queued
    with pytest.raises(asyncio.CancelledError):
        await late
    gate.give()
    assert gate.free == 1 and gate.waiting == 0
    await asyncio.wait_for(gate.take(5), 1)  # nothing dead in front of the free slot
    assert gate.free == 0


async def test_an_idle_connection_returns_to_the_pool_without_a_task_and_is_reused(
    settings, monkeypatch
):
    """The quick release (no asyncio.shield task) on the installed asyncpg: the same backend
    serves the next transaction, and Pool.release is used only where the quick path would not
    be safe (a connection over its query limit is closed by it and replaced)."""
    engine = KortistoEngine()
    engine.configure(runtime_dsn=settings.database.url.reveal(), options=PoolOptions(max_queries=4))
    slow_releases: list[object] = []
    pool_release = asyncpg.Pool.release

    async def counted_release(self, connection, **kwargs):
        slow_releases.append(connection)
        return await pool_release(self, connection, **kwargs)

    monkeypatch.setattr(asyncpg.Pool, "release", counted_release)
    try:
        pids = []
        for _ in range(4):
            async with engine.transaction() as txn:
                pids.append(await txn.connection.fetchval("SELECT pg_backend_pid()"))
        # BEGIN, SELECT, COMMIT: a connection's second transaction reaches the limit of 4.
        assert pids[0] == pids[1] and pids[2] == pids[3] and pids[1] != pids[2]
        assert len(slow_releases) == 2  # after the 2nd and the 4th, each over the limit
    finally:
        await engine.close_pools_of_current_loop()
