"""Operators on the web: their own session, the console guard, and the break-glass gate.

- Operator sessions live in Valkey under the reserved realm "operator" (never a tenant slug)
  with their own cookie; a sign-in is complete only after the TOTP step, which has its own
  short-lived "operator-pending" session.
- `operator_guard` protects the console under /operator/.
- `break_glass_gate` runs in the tenant-scope middleware before the tenant's transaction opens.
  A request that carries an operator session (and no session of that tenant's own) is an
  operator request: without an active grant, or with a method that writes, it is refused with
  403; otherwise it is recorded in both audits and served in a READ ONLY transaction, with the
  operator as a read-only user. Tenant users' requests never reach the operator checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect
from litestar.types import Scope

from core.operators import get_operator
from core.redis_client import redis_for_current_loop
from core.sessions import Session, SessionStore
from core.settings import get_settings
from tenants.break_glass import authorise_use
from tenants.scope import platform_transaction
from web.auth import _cookies, session_cookie_name

OPERATOR_COOKIE = "kortisto_operator"
PENDING_COOKIE = "kortisto_operator_pending"
OPERATOR_REALM = "operator"  # reserved slug: no tenant can have it
PENDING_REALM = "operator-pending"
PENDING_SECONDS = 5 * 60
OPERATOR_ROLE = "operator"


class OperatorSignInRequired(NotAuthorizedException):
    """No valid operator session: the console sends the browser to /operator/login."""


def operator_store() -> SessionStore:
    return SessionStore(redis_for_current_loop(get_settings().redis_url.reveal()))


def pending_store() -> SessionStore:
    """Between a right password and the TOTP code: five minutes, then start again."""
    return SessionStore(
        redis_for_current_loop(get_settings().redis_url.reveal()),
        idle=PENDING_SECONDS,
        absolute=PENDING_SECONDS,
    )


def operator_cookie(name: str, value: str, *, max_age: int | None = None) -> Cookie:
    # Path "/": the browser must present it on /t/<slug>/ pages for break-glass access.
    # SameSite=Strict: no other site can make an operator's browser send it.
    return Cookie(
        key=name,
        value=value,
        path="/",
        httponly=True,
        samesite="strict",
        secure=get_settings().env not in ("development", "test"),
        max_age=max_age,
    )


async def operator_for_scope(scope: Scope) -> tuple[dict, Session] | None:
    """The signed-in operator of this request, or None. Opens its own platform transaction."""
    session_id = _cookies(scope).get(OPERATOR_COOKIE)
    if not session_id:
        return None
    store = operator_store()
    session = await store.get(OPERATOR_REALM, session_id)
    if session is None:
        return None
    async with platform_transaction():
        operator = await get_operator(session.subject)
    valid = (
        operator is not None
        and operator["active"]
        and operator["totp_enabled"]
        and session.created_at >= operator["sessions_valid_after"].timestamp()
    )
    if not valid:
        await store.revoke(OPERATOR_REALM, session.subject, session.key)
        return None
    return operator, session


async def operator_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Console routes need a signed-in operator (password + TOTP); sets scope["operator"]."""
    if handler.opt.get("operator_public"):
        return
    found = await operator_for_scope(connection.scope)
    if found is None:
        raise OperatorSignInRequired("operator sign-in required")
    connection.scope["operator"], connection.scope["operator_session"] = found  # type: ignore[typeddict-unknown-key]


def operator_sign_in(request: Request, exc: OperatorSignInRequired) -> Response:
    if request.headers.get("hx-request") == "true":
        return Response("", status_code=401, headers={"HX-Redirect": "/operator/login"})
    return Redirect("/operator/login", status_code=303)


OPERATOR_EXCEPTION_HANDLERS = {OperatorSignInRequired: operator_sign_in}


def current_operator(request: Request) -> dict:
    return request.scope["operator"]  # type: ignore[typeddict-item]


@dataclass(frozen=True)
class OperatorAccess:
    """An allowed break-glass request: who, and the grant it runs under."""

    operator: dict
    grant: dict

    def as_user(self) -> dict:
        """The operator in the shape handlers and templates expect of a signed-in user."""
        return {
            "id": self.operator["id"],
            "email": self.operator["email"],
            "display_name": self.operator["display_name"],
            "role": OPERATOR_ROLE,
            "person": None,
            "active": True,
            "totp_enabled": True,
            "locale": "fi",
            "sessions_valid_after": self.operator["sessions_valid_after"],
            "last_login_at": self.operator["last_login_at"],
        }


async def break_glass_gate(scope: Scope, slug: str) -> OperatorAccess | None:
    """None for an ordinary request; OperatorAccess for an allowed operator request; raises
    PermissionDeniedException (403) for a refused one. Runs outside any transaction."""
    cookies = _cookies(scope)
    if OPERATOR_COOKIE not in cookies or session_cookie_name(slug) in cookies:
        return None
    found = await operator_for_scope(scope)
    if found is None:
        return None
    operator, _ = found
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
    decision = await authorise_use(operator, slug, scope["method"], path)
    if not decision.allowed:
        raise PermissionDeniedException(
            "break-glass access is read-only"
            if decision.reason == "write_refused"
            else "no active break-glass grant for this tenant"
        )
    return OperatorAccess(operator, decision.grant or {})
