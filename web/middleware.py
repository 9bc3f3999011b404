"""Tenant scope for web requests, and host→tenant mapping.

`TenantScopeMiddleware` runs after routing (so the `tenant` path parameter is known) and wraps
the whole handler, response included, in the tenant's transaction (READ ONLY for an operator
under a break-glass grant). A handler may ask that its answer wait until the transaction
committed and the scope's after-commit work ran (`answer_after_commit`). `HostTenantRewrite`
runs before routing: a request to a mapped host (acme.example.fi/...) is served as /t/acme/...
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
import time

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from core.audit import bind_request_id
from tenants.scope import slug_for_host, tenant_scope
from web.operator_auth import break_glass_gate

TENANT_PARAM = "tenant"
# ASGI scope key: hold this request's answer until after the commit (answer_after_commit).
ANSWER_AFTER_COMMIT = "kortisto.answer_after_commit"
REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def answer_after_commit(scope: Scope) -> None:
    """Hold the response until the request's transaction committed and its after-commit work
    ran (a saved item's embed previews, fetched with no transaction open: web.embed_fetch), so
    the page it redirects to finds them. For small answers (a redirect): the body is held in
    memory."""
    scope[ANSWER_AFTER_COMMIT] = True  # type: ignore[literal-required]


def request_id_of(scope: Scope) -> str:
    """A proxy's X-Request-ID when it looks like one, else a new id (every audit event of
    the request carries it; the response says it back)."""
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate = value.decode("latin-1").strip()
            if _REQUEST_ID.fullmatch(candidate):
                return candidate
    return os.urandom(16).hex()  # as random as uuid4, a third of its cost


class TenantScopeMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        slug = scope.get("path_params", {}).get(TENANT_PARAM)
        if slug is None:
            await next_app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        bind_request_id(request_id)  # this request's own context (HostTenantRewrite)
        scope["request_id"] = request_id  # type: ignore[typeddict-unknown-key]
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        held: list = []

        # One wrapper per request (it runs for every message of the answer): the response
        # says its request id back, and an answer the handler asked to hold waits for the
        # commit (answer_after_commit).
        async def send_answer(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*(message.get("headers") or ()), id_header]}
                if scope.get(ANSWER_AFTER_COMMIT):
                    held.append(message)
                    return
            if held:
                held.append(message)
            else:
                await send(message)

        # An operator's request is decided before any tenant transaction opens (web.operator_auth).
        access = await break_glass_gate(scope, slug)
        if access is not None:
            async with tenant_scope(slug, read_only=True):
                scope["user"] = access.as_user()  # type: ignore[typeddict-unknown-key]
                scope["break_glass"] = access.grant  # type: ignore[typeddict-unknown-key]
                await next_app(scope, receive, send_answer)
        else:
            async with tenant_scope(slug):
                await next_app(scope, receive, send_answer)
        for message in held:  # committed, after-commit work done: now the answer
            await send(message)


class HostTenantRewrite:
    """Serve a mapped host's requests as its tenant's /t/<slug>/ paths (cached lookups)."""

    def __init__(self, app: ASGIApp, cache_seconds: float = 2.0) -> None:
        self.app = app
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, str | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(("/t/", "/static/")):
            host = _host_of(scope)
            slug = await self._lookup(host) if host else None
            if slug:
                path = f"/t/{slug}{scope['path']}"
                scope = dict(scope, path=path, raw_path=path.encode())  # type: ignore[assignment]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Every request starts from empty contextvars. uvicorn resumes reading a paused
        # connection (a large upload) from inside the app, which registers its reader with the
        # app's context: the connection's next request would otherwise start inside the
        # previous one's tenant transaction. (Cancelling this task cancels the inner one.)
        await asyncio.create_task(self.app(scope, receive, send), context=contextvars.Context())

    async def _lookup(self, host: str) -> str | None:
        now = time.monotonic()
        hit = self._cache.get(host)
        if hit and now - hit[0] < self.cache_seconds:
            return hit[1]
        try:
            slug = await slug_for_host(host)
        except Exception:
            slug = None  # the database being down shows on the page itself, not here
        self._cache[host] = (now, slug)
        return slug


def _host_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").split(":", 1)[0].lower()
    return ""
