"""Server-side sessions in Redis/Valkey, keyed by tenant.

The cookie holds only a random id; Redis holds `kortisto:session:<tenant>:<sha256(id)>`.
A session of tenant A is looked up under A's key only, so it can never be valid for B.
Idle and absolute timeouts. Each user's session ids are also kept in a set
`kortisto:sessions-of:<tenant>:<user>` (pruned of expired ids when read), so a user can list
and revoke their sessions and a password change can end all the others at once.
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
SECOND_STEP_SECONDS = 5 * 60  # between a right password and the TOTP code


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

    async def create(
        self,
        tenant: str,
        subject: str,
        *,
        ip: str = "",
        user_agent: str = "",
        not_before: float = 0.0,
    ) -> str:
        """Start a session; returns the id for the cookie (only here, never stored).
        `not_before` (epoch seconds): the session counts as started no earlier than that,
        e.g. the database's moment that voided the user's older sessions, whose clock may run
        ahead of ours."""
        session_id = secrets.token_urlsafe(32)
        digest = _digest(session_id)
        now = max(time.time(), not_before)
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
        if self._expired(data, now):
            await self.revoke(tenant, data["subject"], digest)
            return None
        if now - float(data["last_seen"]) > TOUCH_EVERY:
            key = self._key(tenant, digest)
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.hset(key, "last_seen", now)
                pipe.expire(key, self.idle)
                await pipe.execute()
            data["last_seen"] = now
        return self._session(tenant, digest, data)

    def _session(self, tenant: str, digest: str, data: dict, csrf: bool = True) -> Session:
        return Session(
            key=digest,
            tenant=tenant,
            subject=data["subject"],
            created_at=float(data["created_at"]),
            last_seen=float(data["last_seen"]),
            ip=data.get("ip", ""),
            user_agent=data.get("user_agent", ""),
            csrf_token=data["csrf_token"] if csrf else "",
        )

    async def list_for(self, tenant: str, subject: str) -> list[Session]:
        """The subject's live sessions, newest activity first; drops expired ids from the index."""
        index = self._index(tenant, subject)
        digests = sorted(await self.client.smembers(index))
        if not digests:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.hgetall(self._key(tenant, digest))
            rows = await pipe.execute()
        now, sessions, gone = time.time(), [], []
        for digest, data in zip(digests, rows, strict=True):
            if not data or data.get("subject") != subject or self._expired(data, now):
                gone.append(digest)
                continue
            sessions.append(self._session(tenant, digest, data, csrf=False))
        if gone:
            await self.client.srem(index, *gone)
        return sorted(sessions, key=lambda s: s.last_seen, reverse=True)

    def _expired(self, data: dict, now: float) -> bool:
        created, last_seen = float(data["created_at"]), float(data["last_seen"])
        return now - created > self.absolute or now - last_seen > self.idle

    async def revoke(self, tenant: str, subject: str, digest: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(tenant, digest))
            pipe.srem(self._index(tenant, subject), digest)
            await pipe.execute()

    async def revoke_own(self, tenant: str, subject: str, digest: str) -> bool:
        """Revoke one of the subject's sessions; False (and nothing done) if it is not theirs."""
        owner = await self.client.hget(self._key(tenant, digest), "subject")
        if owner != subject:
            return False
        await self.revoke(tenant, subject, digest)
        return True

    async def revoke_by_id(self, tenant: str, session_id: str) -> None:
        session = await self.get(tenant, session_id)
        if session:
            await self.revoke(tenant, session.subject, session.key)

    async def revoke_all(self, tenant: str, subject: str, *, except_key: str = "") -> int:
        """End every session of the subject (but `except_key`); returns how many were live."""
        index = self._index(tenant, subject)
        digests = [d for d in await self.client.smembers(index) if d != except_key]
        if not digests:
            return 0
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(*(self._key(tenant, d) for d in digests))
            pipe.srem(index, *digests)
            deleted, _ = await pipe.execute()
        return deleted

    async def rotate(self, tenant: str, session: Session, *, not_before: float = 0.0) -> str:
        """A new id for the same sign-in (after a password change); the old id ends."""
        session_id = await self.create(
            tenant,
            session.subject,
            ip=session.ip,
            user_agent=session.user_agent,
            not_before=not_before,
        )
        await self.revoke(tenant, session.subject, session.key)
        return session_id

    # -- the second sign-in step (TOTP code) ------------------------------------------------

    def _pending_key(self, tenant: str, digest: str) -> str:
        return f"kortisto:signin-pending:{tenant}:{digest}"

    async def begin_second_step(self, tenant: str, subject: str, *, next_path: str) -> str:
        """The password was right and a code is needed: remember who, briefly. Returns the
        token for a short-lived cookie; no session exists until the code is right."""
        token = secrets.token_urlsafe(32)
        key = self._pending_key(tenant, _digest(token))
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"subject": subject, "next": next_path})
            pipe.expire(key, SECOND_STEP_SECONDS)
            await pipe.execute()
        return token

    async def second_step(self, tenant: str, token: str) -> dict | None:
        """{subject, next} of a pending sign-in of this tenant, or None (expired, unknown)."""
        if not token or len(token) > 100:
            return None
        return await self.client.hgetall(self._pending_key(tenant, _digest(token))) or None

    async def end_second_step(self, tenant: str, token: str) -> None:
        if token:
            await self.client.delete(self._pending_key(tenant, _digest(token)))
