"""Server-side sessions in Redis/Valkey, keyed by tenant.

The cookie holds only a random id; Redis holds `kortisto:session:<tenant>:<sha256(id)>`.
A session of tenant A is looked up under A's key only, so it can never be valid for B.
Idle and absolute timeouts; a user's sessions can be listed and revoked; a password change
revokes them all.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import redis.asyncio as aioredis

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
TOUCH_EVERY = 30  # refresh last_seen at most this often (saves a write per request)


@dataclass(frozen=True)
class Session:
    key: str  # hashed id: safe to show and to use in a revoke form
    tenant: str
    subject: str  # user id (or operator id for the platform realm)
    created_at: float
    last_seen: float
    ip: str
    user_agent: str
    csrf_token: str


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(
        self, client: aioredis.Redis, *, idle: int = IDLE_SECONDS, absolute: int = ABSOLUTE_SECONDS
    ) -> None:
        self.client = client
        self.idle = idle
        self.absolute = absolute

    def _key(self, tenant: str, digest: str) -> str:
        return f"kortisto:session:{tenant}:{digest}"

    def _index(self, tenant: str, subject: str) -> str:
        return f"kortisto:sessions-of:{tenant}:{subject}"

    async def create(self, tenant: str, subject: str, *, ip: str = "", user_agent: str = "") -> str:
        """Start a session; returns the id for the cookie (only here, never stored)."""
        session_id = secrets.token_urlsafe(32)
        digest = _digest(session_id)
        now = time.time()
        key = self._key(tenant, digest)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "subject": subject,
                    "created_at": now,
                    "last_seen": now,
                    "ip": ip,
                    "user_agent": user_agent[:200],
                    "csrf_token": secrets.token_urlsafe(32),
                },
            )
            pipe.expire(key, self.idle)
            pipe.sadd(self._index(tenant, subject), digest)
            pipe.expire(self._index(tenant, subject), self.absolute)
            await pipe.execute()
        return session_id

    async def get(self, tenant: str, session_id: str) -> Session | None:
        if not session_id or len(session_id) > 100:
            return None
        digest = _digest(session_id)
        data = await self.client.hgetall(self._key(tenant, digest))
        if not data:
            return None
        now = time.time()
        created, last_seen = float(data["created_at"]), float(data["last_seen"])
        if now - created > self.absolute or now - last_seen > self.idle:
            await self.revoke(tenant, data["subject"], digest)
            return None
        if now - last_seen > TOUCH_EVERY:
            key = self._key(tenant, digest)
            await self.client.hset(key, "last_seen", now)
            await self.client.expire(key, self.idle)
            last_seen = now
        return Session(
            key=digest,
            tenant=tenant,
            subject=data["subject"],
            created_at=created,
            last_seen=last_seen,
            ip=data.get("ip", ""),
            user_agent=data.get("user_agent", ""),
            csrf_token=data["csrf_token"],
        )

    async def list_for(self, tenant: str, subject: str) -> list[Session]:
        digests = await self.client.smembers(self._index(tenant, subject))
        sessions = []
        for digest in digests:
            data = await self.client.hgetall(self._key(tenant, digest))
            if not data:
                await self.client.srem(self._index(tenant, subject), digest)
                continue
            sessions.append(
                Session(
                    key=digest,
                    tenant=tenant,
                    subject=subject,
                    created_at=float(data["created_at"]),
                    last_seen=float(data["last_seen"]),
                    ip=data.get("ip", ""),
                    user_agent=data.get("user_agent", ""),
                    csrf_token="",
                )
            )
        return sorted(sessions, key=lambda s: s.last_seen, reverse=True)

    async def revoke(self, tenant: str, subject: str, digest: str) -> None:
        await self.client.delete(self._key(tenant, digest))
        await self.client.srem(self._index(tenant, subject), digest)

    async def revoke_by_id(self, tenant: str, session_id: str) -> None:
        session = await self.get(tenant, session_id)
        if session:
            await self.revoke(tenant, session.subject, session.key)

    async def revoke_all(self, tenant: str, subject: str, *, except_key: str = "") -> int:
        digests = await self.client.smembers(self._index(tenant, subject))
        count = 0
        for digest in digests:
            if digest != except_key:
                await self.revoke(tenant, subject, digest)
                count += 1
        return count
