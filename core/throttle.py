"""Brute-force protection: failures counted per account and per client address in Redis.

Past the limit within the window, further attempts are refused until the lockout ends, with
the remaining time so the page can say when to try again. A success clears the account's count.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 30
    window_seconds: int = 15 * 60
    lockout_seconds: int = 15 * 60


class LoginThrottle:
    def __init__(self, client: aioredis.Redis, limits: Limits | None = None) -> None:
        self.client = client
        self.limits = limits or Limits()

    def _keys(self, realm: str, account: str, address: str) -> tuple[str, str, str]:
        account = account.strip().casefold()
        return (
            f"kortisto:fail:{realm}:acct:{account}",
            f"kortisto:fail:{realm}:addr:{address}",
            f"kortisto:lock:{realm}:acct:{account}",
        )

    async def locked_for(self, realm: str, account: str, address: str) -> int:
        """Seconds until attempts are allowed again (0 = allowed now)."""
        acct, addr, lock = self._keys(realm, account, address)
        ttl = await self.client.ttl(lock)
        if ttl and ttl > 0:
            return ttl
        if int(await self.client.get(addr) or 0) >= self.limits.per_address:
            return max(1, await self.client.ttl(addr))
        return 0

    async def failed(self, realm: str, account: str, address: str) -> int:
        """Count a failure; returns the lockout in seconds if this one triggered it."""
        acct, addr, lock = self._keys(realm, account, address)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(acct)
            pipe.expire(acct, self.limits.window_seconds, nx=True)
            pipe.incr(addr)
            pipe.expire(addr, self.limits.window_seconds, nx=True)
            account_failures, _, _, _ = await pipe.execute()
        if account_failures >= self.limits.per_account:
            await self.client.set(lock, "1", ex=self.limits.lockout_seconds)
            await self.client.delete(acct)
            return self.limits.lockout_seconds
        return 0

    async def succeeded(self, realm: str, account: str, address: str) -> None:
        acct, _, _ = self._keys(realm, account, address)
        await self.client.delete(acct)
