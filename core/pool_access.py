"""How a transaction takes and returns a pooled connection (core.db.ScopedTransaction).

`PoolGate`: a first come, first served gate in front of the pool.

asyncpg's own wait for a full pool is not fair: a released connection wakes the longest
waiter, but a request arriving before that waiter runs takes it, and the waiter queues again
at the back. Under uvloop that happened often enough to put the p95 of a saturated pool at
7-8x that of a pool with room (bench pages, pool-10 what-if). The gate has as many slots as
the pool has connections and hands a freed slot straight to its longest waiter, so the pool
always has a connection (or room to open one) for whoever holds a slot.

Every request passes it, so the common case is synchronous: a free slot and nobody waiting
costs a counter, not a coroutine (asyncio.Semaphore's acquire and locked() cost more here).
"""

from __future__ import annotations

import asyncio
import collections

import asyncpg


class PoolGate:
    __slots__ = ("_free", "_waiters")

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def try_take(self) -> bool:
        """Take a slot if one is free and nobody is waiting for it."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def take(self, patience: float) -> None:
        """Wait in arrival order for a slot; TimeoutError after `patience` seconds. On a
        timeout or a cancellation no slot is kept: one handed over meanwhile is passed on."""
        # Waiters that left (timed out, cancelled) may still head the queue: drop them, so
        # a free slot is not left waiting behind them.
        while self._waiters and self._waiters[0].done():
            self._waiters.popleft()
        if self.try_take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            # Not wait_for: its extra task would join the queue a step late.
            async with asyncio.timeout(patience):
                await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a slot just as this wait ended: the next one gets it
            else:
                waiter.cancel()
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass  # give() already dropped it
            raise

    def give(self) -> None:
        """Return a slot: to the longest live waiter, else to the free count."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    @property
    def free(self) -> int:
        return self._free

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())


async def no_reset(connection: asyncpg.Connection) -> None:
    """Runtime connections need no reset on release: every setting we make is transaction-local
    (SET LOCAL / set_config(..., true)) and every transaction ends before release, or the
    connection is discarded. Skipping asyncpg's reset saves a round trip per request."""


async def release(pool: asyncpg.Pool, connection) -> None:
    """Return a pooled connection: asyncpg's Pool.release, without its asyncio.shield when
    nothing in the release can wait.

    Pool.release runs the release in a task of its own (asyncio.shield), so that cancelling the
    caller cannot cut a reset query short. A pool whose reset is `no_reset` (our runtime pool),
    and a connection that is open, out of any transaction, not being cancelled,
    under its query limit and of the pool's current generation, release without waiting: there
    is nothing to shield, and the task and the loop turns it costs were ~9% of a scoped
    request's CPU (bench scope). Anything else goes through Pool.release. These are asyncpg
    internals; tests/core/test_pool_access.py checks both paths on the installed version."""
    try:
        holder, con = connection._holder, connection._con
        quick = not (
            con is None
            or holder._pool is not pool
            or pool._reset is not no_reset
            or pool._closed
            or con.is_closed()
            or con._top_xact is not None
            or con._protocol.is_in_transaction()
            or con._protocol._is_cancelling()
            or con._protocol.queries_count >= holder._max_queries
            or holder._generation != pool._generation
        )
    except AttributeError:  # another asyncpg than the one this was written against
        quick = False
    if not quick:
        await pool.release(connection)
        return
    con._on_release()
    await holder.release(holder._timeout)
